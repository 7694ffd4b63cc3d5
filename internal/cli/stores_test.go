package cli_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/database/dbtest"
	woocommercesim "github.com/storesync/storesync/internal/sim/woocommerce"
)

// A store on another platform than Shopify is added from the command line, verified with its
// platform first: wrong credentials are refused naming the field, and nothing is saved.
func TestStoreAdd(t *testing.T) {
	t.Parallel()
	dbtest.EachURL(t, func(t *testing.T, _ database.Dialect, url string) {
		dir := t.TempDir()
		env := map[string]string{"STORESYNC_DB": url, "STORESYNC_DATA_DIR": dir, "STORESYNC_SECRET_KEY": "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8M=",
			"STORESYNC_ALLOW_PRIVATE_TARGETS": "true"}
		sim, err := woocommercesim.New(woocommercesim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sim)
		t.Cleanup(func() { _ = sim.Close(); srv.Close() })
		if _, err := sim.AddStore(woocommercesim.StoreConfig{Name: "lakeside", ConsumerKey: "ck_lake", ConsumerSecret: "cs_lake"}); err != nil {
			t.Fatal(err)
		}
		base := woocommercesim.BaseURL(srv.URL, "lakeside")
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		good := write("good.json", `{"store_url":"https://lakeside.example","consumer_key":"ck_lake","consumer_secret":"cs_lake"}`)
		wrong := write("wrong.json", `{"store_url":"https://lakeside.example","consumer_key":"ck_lake","consumer_secret":"cs_nope"}`)
		empty := write("empty.json", " \n")
		if code, _, stderr := run(t, env, "migrate"); code != 0 {
			t.Fatalf("migrate: %d %s", code, stderr)
		}
		if code, _, stderr := run(t, env, "account", "create", "--name", "lake"); code != 0 {
			t.Fatalf("account create: %d %s", code, stderr)
		}
		add := []string{"store", "add", "--account", "lake", "--name", "Lakeside Goods", "--platform", "woocommerce", "--base-url", base}
		for _, tc := range []struct {
			args []string
			says string
		}{
			{[]string{"store", "add", "--account", "lake", "--platform", "woocommerce", "--credentials-file", good}, "--name is required"},
			{append(add, "--credentials-file", filepath.Join(dir, "missing.json")), "--credentials-file"},
			{append(add, "--credentials-file", empty), "--credentials-file: empty"},
			{append(add, "--credentials-file", wrong), "consumer_key"},
			{[]string{"store", "add", "--account", "lake", "--name", "X", "--platform", "magento", "--credentials-file", good}, `platform "magento"`},
		} {
			if code, _, stderr := run(t, env, tc.args...); code != 1 || !strings.Contains(stderr, tc.says) {
				t.Errorf("%v: exit %d, %q; want 1 saying %q", tc.args[4:], code, stderr, tc.says)
			}
		}
		if _, out, _ := run(t, env, "store", "list", "--account", "lake"); !strings.Contains(out, "no store yet") {
			t.Fatalf("store list after refused adds: %q; want none", out)
		}
		code, out, stderr := run(t, env, append(add, "--credentials-file", good)...)
		if code != 0 || !strings.HasPrefix(lastLine(out), "store_") {
			t.Fatalf("store add: %d %q %s; want the store key on the last line", code, out, stderr)
		}
		key := lastLine(out)
		if _, list, _ := run(t, env, "store", "list", "--account", "lake"); !strings.Contains(list, "Lakeside Goods") ||
			!strings.Contains(list, "woocommerce") || !strings.Contains(list, key) {
			t.Errorf("store list = %q; want the WooCommerce store with its key", list)
		}
		if _, out, _ := run(t, env, "store", "platforms"); !strings.Contains(out, "woocommerce") || !strings.Contains(out, "bigcommerce") ||
			!strings.Contains(out, "consumer_key") {
			t.Errorf("store platforms = %q; want every platform with its credentials", out)
		}
	})
}
