package cli_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/cli"
)

// demoOrder is what the test reads of an order through the API.
type demoOrder struct {
	ID                int64  `json:"id"`
	StoreName         string `json:"store_name"`
	Name              string `json:"name"`
	PushStatus        string `json:"push_status"`
	FulfillmentStatus string `json:"fulfillment_status"`
	Pushes            []struct {
		SourceName string `json:"source_name"`
		Status     string `json:"status"`
	} `json:"pushes"`
	Fulfillments []struct {
		SourceName string `json:"source_name"`
		Status     string `json:"status"`
		Tracking   []struct {
			Number string `json:"number"`
		} `json:"tracking"`
	} `json:"fulfillments"`
}

// shippedFrom reports whether the order was pushed to the source and the source's fulfilment,
// with its tracking, reached it.
func (o demoOrder) shippedFrom(source string) bool {
	pushed := false
	for _, p := range o.Pushes {
		pushed = pushed || p.SourceName == source && p.Status == "pushed"
	}
	for _, f := range o.Fulfillments {
		if pushed && f.SourceName == source && f.Status == "applied" && len(f.Tracking) > 0 && f.Tracking[0].Number != "" {
			return true
		}
	}
	return false
}

// The running demo moves orders and tracking across platforms, over its own webhooks: an order
// on the WooCommerce reseller is pushed to the Shopify supplier, an order of a BigCommerce
// product on the Shopify reseller is pushed to the BigCommerce supplier, and both suppliers'
// tracking comes back to the resellers' orders, within a few minutes of the start.
func TestDemoOrdersCrossPlatforms(t *testing.T) {
	t.Parallel()
	shop := func(domain string) string {
		for _, d := range app.DemoShops {
			if d.Domain == domain {
				return d.Name
			}
		}
		t.Fatalf("no demo shop %s", domain)
		return ""
	}
	harbor, lakeside := shop("harbor-outfitters.myshopify.com"), shop("lakeside-goods.example")
	northwind, summit := shop("northwind-supply.myshopify.com"), shop("summitwholesale")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"demo", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--log-level", "error"},
			cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) (string, bool) { return "", false }})
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop")
		}
	}()
	start := time.Now()
	for !strings.Contains(out.String(), "try:") {
		select {
		case code := <-done:
			t.Fatalf("demo exited %d: %s", code, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("demo did not start: %s %s", out.String(), errb.String())
		}
	}
	url := regexp.MustCompile(`running at (https://\S+)`).FindStringSubmatch(out.String())[1]
	key := regexp.MustCompile(`read key:\s+(ssk_\S+)`).FindStringSubmatch(out.String())[1]
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

	// Orders are placed every 20 s on each reseller's shop, pushed at once and shipped 15 s later.
	want := map[string]string{lakeside + " → " + northwind: "", harbor + " → " + summit: ""}
	seen := map[int64]bool{} // orders shipped from every source they were pushed to, read already
	deadline := start.Add(4 * time.Minute)
	for {
		var list struct {
			Data []demoOrder `json:"data"`
		}
		for _, status := range []string{"pushed", "partially_pushed"} {
			var page struct {
				Data []demoOrder `json:"data"`
			}
			if err := json.Unmarshal([]byte(get(t, client, url+"/api/v2/orders?push_status="+status, key, 200)), &page); err != nil {
				t.Fatal(err)
			}
			list.Data = append(list.Data, page.Data...)
		}
		for _, o := range list.Data {
			if seen[o.ID] || o.FulfillmentStatus == "unfulfilled" {
				continue
			}
			var full demoOrder
			if err := json.Unmarshal([]byte(get(t, client, fmt.Sprintf("%s/api/v2/orders/%d", url, o.ID), key, 200)), &full); err != nil {
				t.Fatal(err)
			}
			for _, source := range []string{northwind, summit} {
				if k := full.StoreName + " → " + source; full.shippedFrom(source) {
					if v, ok := want[k]; ok && v == "" {
						want[k] = fmt.Sprintf("%s %s after %s", full.StoreName, full.Name, time.Since(start).Round(time.Second))
					}
				}
			}
			seen[o.ID] = o.FulfillmentStatus == "fulfilled"
		}
		missing := []string{}
		for k, v := range want {
			if v == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s into the demo, no order shipped with tracking for %s; %d orders pushed (%v)",
				time.Since(start).Round(time.Second), strings.Join(missing, ", "), len(list.Data), want)
		}
		time.Sleep(time.Second)
	}
	t.Logf("shipped with tracking: %v", want)
}
