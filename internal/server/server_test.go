package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/storesync/storesync/internal/server"
)

// A request in flight when shutdown starts still gets its whole answer; new connections are refused.
func TestGracefulShutdownFinishesRequestsInFlight(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "finished")
	})
	logger := slog.New(slog.DiscardHandler)
	srv, err := server.Listen(t.Context(), "127.0.0.1:0", server.Wrap(h, logger, server.NewMetrics(), 1024), nil, 5*time.Second, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	url := "http://" + srv.Addr().String()
	got := make(chan string, 1)
	go func() {
		resp, err := send(t, http.MethodGet, url, nil)
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	if body := <-got; body != "finished" {
		t.Fatalf("request in flight got %q, want the whole answer", body)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if resp, err := send(t, http.MethodGet, url, nil); err == nil {
		resp.Body.Close()
		t.Fatal("server still accepts connections after shutdown")
	}
}

func TestWrapLimitsBodiesAndRecovers(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /read", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			server.WriteProblem(w, http.StatusRequestEntityTooLarge, "request body is larger than 1024 bytes")
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	srv, err := server.Listen(t.Context(), "127.0.0.1:0", server.Wrap(mux, logger, server.NewMetrics(), 1024), nil, time.Second, logger)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(t.Context()) }()
	url := "http://" + srv.Addr().String()

	resp, err := send(t, http.MethodPost, url+"/read", strings.NewReader(strings.Repeat("x", 2048)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("oversized body: %d, request id %q; want 413 with an ID", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	resp, err = send(t, http.MethodGet, url+"/panic", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(b), resp.Header.Get("X-Request-Id")) {
		t.Errorf("panic: %d %s %s; want a 500 problem naming the request ID", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}

func TestSelfSignedIsKeptAcrossStarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	a, err := server.SelfSigned(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := server.SelfSigned(dir, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Certificate[0]) != string(b.Certificate[0]) {
		t.Error("second start made a new certificate")
	}
	c, err := server.SelfSigned(dir, now.Add(360*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Certificate[0]) == string(c.Certificate[0]) {
		t.Error("a certificate about to expire was kept")
	}
	if err := c.Leaf.VerifyHostname("localhost"); err != nil {
		t.Errorf("certificate does not name localhost: %v", err)
	}
}

// send makes one request with the test's context, so that it ends with the test.
func send(t *testing.T, method, url string, body io.Reader) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return http.DefaultClient.Do(req)
}
