package database_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// eventPayload is a realistic event body: an order of a few lines, about 1 KB of JSON.
func eventPayload(tb testing.TB) string {
	type line struct {
		SKU      string `json:"sku"`
		Title    string `json:"title"`
		Quantity int    `json:"quantity"`
		Price    int64  `json:"price_minor"`
	}
	order := map[string]any{
		"order_id": "gid://shopify/Order/5432109876", "name": "#1042", "currency": "EUR", "total_minor": 18950,
		"customer":         map[string]any{"name": "Ada Lovelace", "email": "ada@example.com"},
		"shipping_address": map[string]any{"line1": "12 Analytical Row", "city": "London", "zip": "N1 9GU", "country": "GB"},
		"lines": []line{
			{"TSHIRT-BLK-M", "Organic T-shirt, black, M", 2, 2500},
			{"HOODIE-GRY-L", "Hoodie, grey, L", 1, 5900},
			{"CAP-NVY", "Cap, navy", 1, 1900},
			{"MUG-WHT", "Mug, white, 330 ml", 3, 1350},
			{"TOTE-NAT", "Tote bag, natural", 1, 1700},
		},
		"note": strings.Repeat("Leave at the back door, please. ", 9),
	}
	b, err := json.Marshal(order)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func benchDB(b *testing.B, d database.Dialect) (*database.DB, int64) {
	b.Helper()
	db := dbtest.New(b, d)
	var acct int64
	err := db.InTx(context.Background(), func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id`, "bench", time.Now()).Scan(&acct)
	})
	if err != nil {
		b.Fatal(err)
	}
	return db, acct
}

func insertEvent(ctx context.Context, tx database.Tx, acct int64, id, payload string) error {
	_, err := tx.Exec(ctx, `INSERT INTO events (account_id, public_id, type, payload, created_at) VALUES ($1, $2, $3, $4, $5)`,
		acct, id, "order.created", payload, time.Now())
	return err
}

// BenchmarkInsertEventPerTx measures committed rows per second when every row is its own
// transaction, as when each incoming webhook is stored on its own.
func BenchmarkInsertEventPerTx(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db, acct := benchDB(b, d)
			payload := eventPayload(b)
			prefix := rand.Text()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				i++
				err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
					return insertEvent(ctx, tx, acct, fmt.Sprintf("%s-%d", prefix, i), payload)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "rows/s")
			b.SetBytes(int64(len(payload)))
		})
	}
}

// BenchmarkInsertEventBatch100 measures committed rows per second when 100 rows share a
// transaction, as in a catalog import.
func BenchmarkInsertEventBatch100(b *testing.B) {
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db, acct := benchDB(b, d)
			payload := eventPayload(b)
			prefix := rand.Text()
			ctx := context.Background()
			rows := 0
			for b.Loop() {
				err := db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
					for range 100 {
						rows++
						if err := insertEvent(ctx, tx, acct, fmt.Sprintf("%s-%d", prefix, rows), payload); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			b.SetBytes(100 * int64(len(payload)))
		})
	}
}
