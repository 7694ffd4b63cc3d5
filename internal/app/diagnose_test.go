package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/ingest"
	"github.com/storesync/storesync/internal/store"
)

// diagnose logs what a failed wait needs to be understood: the queue's unfinished jobs (kind,
// state, attempts, last error, when due) and the stores' latest received webhooks with their
// status. It reads the database directly, so it works whatever state the queue is in.
func (e *syncEnv) diagnose(t testing.TB, stores ...store.Store) {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	rows, err := e.a.DB.Query(ctx, `SELECT id, kind, state, attempt, max_attempts, scheduled_at, COALESCE(CAST(errors AS TEXT), '')
		FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded') ORDER BY id LIMIT 60`)
	if err != nil {
		t.Logf("diagnose: reading the queue: %v", err)
	} else {
		b.WriteString("unfinished jobs:\n")
		for rows.Next() {
			var id int64
			var kind, state, errs string
			var attempt, maxAttempts int
			var at any
			if err := rows.Scan(&id, &kind, &state, &attempt, &maxAttempts, &at, &errs); err != nil {
				t.Logf("diagnose: %v", err)
				break
			}
			if len(errs) > 400 {
				errs = "…" + errs[len(errs)-400:]
			}
			fmt.Fprintf(&b, "  %d %s %s attempt %d/%d due %v %s\n", id, kind, state, attempt, maxAttempts, at, errs)
		}
		rows.Close()
	}
	for _, st := range stores {
		ins, err := e.a.Ingest.List(ctx, ingest.ListParams{AccountID: st.AccountID, StoreID: st.ID, Limit: 40})
		if err != nil {
			t.Logf("diagnose: webhooks of %s: %v", st, err)
			continue
		}
		fmt.Fprintf(&b, "latest webhooks of %s:\n", st)
		for _, in := range ins {
			fmt.Fprintf(&b, "  %d %s %s %s status %s deliveries %d retries %d received %s processed %v %s\n", in.ID, in.Topic,
				in.ResourceID, fmtTime(in.ResourceUpdatedAt), in.Status, in.Deliveries, in.Retries,
				in.ReceivedAt.Format("15:04:05.000"), fmtTime(in.ProcessedAt), in.Error)
		}
	}
	t.Log(b.String())
}

func fmtTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.Format("15:04:05.000")
}
