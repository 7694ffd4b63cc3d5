package shopifysim

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Exec runs a GraphQL document on a shop in-process, as the shop's own admin or storefront would:
// no request faults, no rate limit, the same resolvers and webhooks as over HTTP. Tests use it to
// place customers' orders while the shop's API answers its clients with faults.
func (s *Sim) Exec(ctx context.Context, domain, query string, vars map[string]any) (json.RawMessage, error) {
	sh, err := s.Shop(domain)
	if err != nil {
		return nil, err
	}
	// The variables as they would arrive over HTTP: JSON's types only ([]any, not []map[string]any).
	raw, err := json.Marshal(vars)
	if err != nil {
		return nil, fmt.Errorf("encoding the variables: %w", err)
	}
	var decoded map[string]any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		return nil, fmt.Errorf("decoding the variables: %w", err)
	}
	res := s.execute(ctx, sh, gqlRequest{Query: query, Variables: decoded}, "", true)
	if len(res.Errors) > 0 {
		return res.Data, fmt.Errorf("%s: %v", domain, res.Errors[0])
	}
	return res.Data, nil
}

// TaggedOrder is an order of a shop with its tags, read directly (no search lag).
type TaggedOrder struct {
	ID        string // global id
	Name      string
	Tags      []string
	CreatedAt time.Time
}

// AllOrders lists every order of the shop with its tags and creation time, in id order: what a
// test of exactly-once order push counts by tag and compares with what the hub recorded.
func (sh *Shop) AllOrders() []TaggedOrder {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	out := make([]TaggedOrder, 0, len(sh.data.Orders))
	for _, o := range sh.data.Orders {
		out = append(out, TaggedOrder{ID: gid("Order", o.ID), Name: o.Name, Tags: slices.Clone(o.Tags), CreatedAt: o.CreatedAt})
	}
	slices.SortFunc(out, func(a, b TaggedOrder) int { return compareStrings(a.ID, b.ID) })
	return out
}

func compareStrings(a, b string) int {
	switch {
	case len(a) != len(b):
		return len(a) - len(b)
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
