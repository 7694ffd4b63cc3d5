package shopifysim

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStateFileRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shopify.json")
	clock := newFakeClock()
	s1, err := New(Options{Now: clock.Now, StateFile: path, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ShopConfig{Domain: testDomain, AccessToken: testToken, APISecret: testSecret, Plan: PlanPlus}
	if _, err := s1.AddShop(cfg); err != nil {
		t.Fatal(err)
	}
	if err := s1.SeedCatalog(testDomain, 4, 3); err != nil {
		t.Fatal(err)
	}
	if err := s1.GenerateOrders(context.Background(), testDomain, OrderGenerator{Count: 3}); err != nil {
		t.Fatal(err)
	}
	sh1, _ := s1.Shop(testDomain)
	p1, v1, o1 := sh1.Counts()
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("state file not written: %v", err)
	}

	s2, err := New(Options{Now: clock.Now, StateFile: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	sh2, err := s2.Shop(testDomain)
	if err != nil {
		t.Fatal(err)
	}
	if p2, v2, o2 := sh2.Counts(); p2 != p1 || v2 != v1 || o2 != o1 || p2 != 4 || v2 != 12 || o2 != 3 {
		t.Errorf("after reload %d/%d/%d, before %d/%d/%d", p2, v2, o2, p1, v1, o1)
	}
	if sh2.Config().Plan != PlanPlus {
		t.Errorf("plan %q after reload", sh2.Config().Plan)
	}
	res := s2.execute(context.Background(), sh2, gqlRequest{Query: `{ orders(first: 5) { nodes { name lineItems(first: 3) { nodes { sku } } } } }`}, "", false)
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"#1001"`) {
		t.Errorf("orders after reload: %s %v", res.Data, res.Errors)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{StateFile: path}); err == nil {
		t.Error("a corrupt state file loaded without error")
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	l, err := new(net.ListenConfig).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, addr, Options{}, []ShopConfig{{Domain: testDomain, AccessToken: testToken, APISecret: testSecret}})
	}()
	var status int
	for range 100 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+ShopPath(testDomain), strings.NewReader(`{"query":"{ shop { name } }"}`))
		req.Header.Set("X-Shopify-Access-Token", testToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status != http.StatusOK {
		t.Fatalf("standalone server answered %d", status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop when its context ended")
	}
}
