package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/storesync/storesync/internal/database"
)

// Idempotency keys, as Stripe has them: a client sends Idempotency-Key with a POST; the first
// answer (status, body and the headers that locate what it made) is kept for IdempotencyTTL per
// account and key, and a retry with the same key and the same request gets that answer again,
// marked Idempotent-Replayed: true, without running the operation twice. The same key with a
// different request is a 422; a retry while the first is still running is a 409.

const (
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotent-Replayed"
	// IdempotencyTTL is how long a kept answer is replayed; older keys are pruned.
	IdempotencyTTL = 24 * time.Hour
	// abandonAfter is when a key whose first request never finished (the process stopped) may be
	// taken again.
	abandonAfter = 5 * time.Minute
)

// keptHeaders are the response headers a replay repeats.
var keptHeaders = []string{"Content-Type", "Location", "ETag"}

type idempotency struct {
	db  *database.DB
	now func() time.Time
	api huma.API
}

// middleware runs after the gate and the input checks, so the account is known and the body read.
func (i *idempotency) middleware(ctx huma.Context, next func(huma.Context)) {
	key := ctx.Header(idempotencyHeader)
	if i == nil || i.db == nil || ctx.Method() != http.MethodPost || key == "" {
		next(ctx)
		return
	}
	if len(key) > 255 || badText(key, false) != "" {
		_ = huma.WriteErr(i.api, ctx, http.StatusUnprocessableEntity, "validation failed", &huma.ErrorDetail{
			Location: "header." + idempotencyHeader, Message: "must be 1 to 255 printable characters", Value: Echo(key)})
		return
	}
	body, err := io.ReadAll(ctx.BodyReader())
	if err != nil {
		_ = huma.WriteErr(i.api, ctx, http.StatusBadRequest, "cannot read the request body")
		return
	}
	ctx = &bodyContext{humaContext: ctx, body: body}
	acct := AccountID(ctx.Context())
	u := ctx.URL()
	sum := sha256.Sum256(append([]byte(ctx.Method()+" "+u.RequestURI()+"\n"), body...))
	hash := hex.EncodeToString(sum[:])
	first, err := i.claim(ctx.Context(), acct, key, hash)
	if err != nil {
		_ = huma.WriteErr(i.api, ctx, http.StatusInternalServerError, "unexpected error occurred", err)
		return
	}
	if first {
		rec := &recorder{humaContext: ctx, headers: http.Header{}}
		defer func() {
			if v := recover(); v != nil { // free the key for a retry, then let the server's recovery answer
				_, _ = i.db.Exec(context.WithoutCancel(ctx.Context()),
					`DELETE FROM api_idempotency_keys WHERE account_id = $1 AND idem_key = $2`, acct, key)
				panic(v)
			}
		}()
		next(rec)
		if err := i.keep(ctx.Context(), acct, key, rec); err != nil {
			_ = mapDomain(ctx.Context(), fmt.Errorf("keeping the answer of idempotency key: %w", err)) // logs it
		}
		return
	}
	i.replay(ctx, acct, key, hash)
}

// claim records key as taken by this request; false means someone took it first.
func (i *idempotency) claim(ctx context.Context, acct int64, key, hash string) (bool, error) {
	now := i.now().UTC()
	if _, err := i.db.Exec(ctx, `DELETE FROM api_idempotency_keys WHERE created_at < $1
		OR (account_id = $2 AND idem_key = $3 AND status = 0 AND created_at < $4)`,
		now.Add(-IdempotencyTTL), acct, key, now.Add(-abandonAfter)); err != nil {
		return false, fmt.Errorf("pruning idempotency keys: %w", err)
	}
	n, err := i.db.Exec(ctx, `INSERT INTO api_idempotency_keys (account_id, idem_key, request_hash, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, idem_key) DO NOTHING`, acct, key, hash, now)
	if err != nil {
		return false, fmt.Errorf("claiming idempotency key: %w", err)
	}
	return n == 1, nil
}

// keep stores the answer of the first request; a 5xx is not kept, so a retry runs again.
func (i *idempotency) keep(ctx context.Context, acct int64, key string, rec *recorder) error {
	ctx = context.WithoutCancel(ctx)
	if rec.status >= 500 || rec.status == 0 {
		_, err := i.db.Exec(ctx, `DELETE FROM api_idempotency_keys WHERE account_id = $1 AND idem_key = $2`, acct, key)
		return err
	}
	kept := map[string]string{}
	for _, h := range keptHeaders {
		if v := rec.headers.Get(h); v != "" {
			kept[h] = v
		}
	}
	hj, err := json.Marshal(kept)
	if err != nil {
		return fmt.Errorf("encoding the kept headers: %w", err)
	}
	_, err = i.db.Exec(ctx, `UPDATE api_idempotency_keys SET status = $3, headers = $4, body = $5
		WHERE account_id = $1 AND idem_key = $2`, acct, key, rec.status, string(hj), rec.body.String())
	return err
}

func (i *idempotency) replay(ctx huma.Context, acct int64, key, hash string) {
	var was, headers, body string
	var status int
	err := i.db.QueryRow(ctx.Context(), `SELECT request_hash, status, headers, body FROM api_idempotency_keys
		WHERE account_id = $1 AND idem_key = $2`, acct, key).Scan(&was, &status, &headers, &body)
	switch {
	case err != nil:
		_ = huma.WriteErr(i.api, ctx, http.StatusConflict,
			"a request with this Idempotency-Key has just ended; send it again")
	case was != hash:
		_ = huma.WriteErr(i.api, ctx, http.StatusUnprocessableEntity, "validation failed", &huma.ErrorDetail{
			Location: "header." + idempotencyHeader, Message: "was already used with a different request; use a new key",
			Value: Echo(key)})
	case status == 0:
		_ = huma.WriteErr(i.api, ctx, http.StatusConflict,
			"a request with this Idempotency-Key is still running; retry when it has answered")
	default:
		kept := map[string]string{}
		_ = json.Unmarshal([]byte(headers), &kept)
		for k, v := range kept {
			ctx.SetHeader(k, v)
		}
		ctx.SetHeader(replayedHeader, "true")
		ctx.SetStatus(status)
		_, _ = io.Copy(ctx.BodyWriter(), bytes.NewReader([]byte(body)))
	}
}

// recorder passes a response through while keeping a copy of it.
type recorder struct {
	humaContext
	status  int
	headers http.Header
	body    bytes.Buffer
}

func (r *recorder) SetStatus(code int) {
	r.status = code
	r.humaContext.SetStatus(code)
}

func (r *recorder) Status() int { return r.status }

func (r *recorder) SetHeader(name, value string) {
	r.headers.Set(name, value)
	r.humaContext.SetHeader(name, value)
}

func (r *recorder) AppendHeader(name, value string) {
	r.headers.Add(name, value)
	r.humaContext.AppendHeader(name, value)
}

func (r *recorder) BodyWriter() io.Writer { return io.MultiWriter(r.humaContext.BodyWriter(), &r.body) }
