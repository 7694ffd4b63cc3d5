package boapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/api/apitest"
	"github.com/storesync/storesync/internal/api/boapi"
	"github.com/storesync/storesync/internal/backoffice"
	"github.com/storesync/storesync/internal/database/dbtest"
)

// BenchmarkJobSearch and BenchmarkJobCreate measure the Open API end to end (HTTPS, key check, hit
// count, handler, database) on each database, with parallel clients, and report requests per
// second and p50/p99 latency:
//
//	STORESYNC_TEST_POSTGRES=postgres://... go test -run '^$' -bench Job -benchtime 5s ./internal/api/boapi
func BenchmarkJobSearch(b *testing.B) {
	benchJobs(b, func(e *benchEnv) (string, string, []byte) {
		return http.MethodGet, "/api/v2/jobs?status=pending&page=3", nil
	})
}

func BenchmarkJobCreate(b *testing.B) {
	benchJobs(b, func(e *benchEnv) (string, string, []byte) {
		body, _ := json.Marshal(map[string]any{"contact_id": e.contact, "primary_rep": "rep@bench.test", "description": "bench"})
		return http.MethodPost, "/api/v2/jobs", body
	})
}

type benchEnv struct {
	srv     *apitest.Server
	key     string
	contact int64
}

func benchJobs(b *testing.B, request func(e *benchEnv) (method, path string, body []byte)) {
	for _, d := range dbtest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.New(b, d)
			svc := backoffice.NewService(db, time.Now)
			e := &benchEnv{}
			e.srv = apitest.New(b, db, apitest.Options{Register: func(api huma.API) { boapi.Register(api, svc) }})
			acct := e.srv.CreateAccount(b, "bench")
			e.srv.CreateUser(b, acct, "rep@bench.test")
			e.key = e.srv.CreateKey(b, acct, account.PermissionReadWrite)
			ctx := context.Background()
			c, err := svc.CreateContact(ctx, backoffice.CreateContactParams{AccountID: acct, Kind: backoffice.KindDropship,
				Input: backoffice.ContactInput{Name: "Bench"}})
			if err != nil {
				b.Fatal(err)
			}
			e.contact = c.ID
			for range 200 {
				if _, err := svc.CreateJob(ctx, backoffice.CreateJobParams{AccountID: acct, Kind: backoffice.KindDropship,
					Input: backoffice.JobInput{ContactID: c.ID, PrimaryRep: "rep@bench.test"}}); err != nil {
					b.Fatal(err)
				}
			}
			method, path, body := request(e)
			client := e.srv.Client()
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(4)
			b.ResetTimer()
			began := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					req, _ := http.NewRequestWithContext(b.Context(), method, e.srv.URL()+path, bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+e.key)
					req.Header.Set("Content-Type", "application/json")
					t0 := time.Now()
					res, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					_ = res.Body.Close()
					mine = append(mine, time.Since(t0))
					if res.StatusCode >= 300 {
						b.Errorf("%s %s: status %d", method, path, res.StatusCode)
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(began)
			b.StopTimer()
			if len(lat) == 0 {
				return
			}
			slices.Sort(lat)
			b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
