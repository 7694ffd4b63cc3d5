package config_test

import (
	"strings"
	"testing"
	"time"
)

// The webhook and retention settings have defaults, and a bad value names its flag.
func TestWebhookSettings(t *testing.T) {
	t.Parallel()
	c, err := parse(t, []string{"--public-url", "https://sync.example.com/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://sync.example.com" || c.WebhookMaxBodyBytes != 10<<20 || c.Retention != 30*24*time.Hour {
		t.Errorf("got public-url=%q webhook-max-body-bytes=%d retention=%s", c.PublicURL, c.WebhookMaxBodyBytes, c.Retention)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--public-url", "http://sync.example.com"}, "--public-url"},
		{[]string{"--public-url", "sync.example.com"}, "--public-url"},
		{[]string{"--public-url", "https://sync.example.com/?a=1"}, "--public-url"},
		{[]string{"--webhook-max-body-bytes", "10"}, "--webhook-max-body-bytes"},
		{[]string{"--retention", "1m"}, "--retention"},
	} {
		_, err := parse(t, tc.args, nil)
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%v: error %v, want it to name %s", tc.args, err, tc.says)
		}
	}
}
