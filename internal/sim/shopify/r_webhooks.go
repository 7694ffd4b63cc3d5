package shopifysim

import (
	"context"
	"net/url"
	"slices"

	graphql "github.com/graph-gophers/graphql-go"
)

type subR struct{ s *webhookSub }

func (r *subR) ID() graphql.ID          { return graphql.ID(gid("WebhookSubscription", r.s.ID)) }
func (r *subR) Topic() string           { return r.s.Topic }
func (r *subR) URI() string             { return r.s.URI }
func (r *subR) Format() string          { return r.s.Format }
func (r *subR) Filter() *string         { return optString(r.s.Filter) }
func (r *subR) IncludeFields() []string { return nonNil(r.s.IncludeFields) }
func (r *subR) CreatedAt() dateTime     { return dateTime{r.s.CreatedAt} }
func (r *subR) UpdatedAt() dateTime     { return dateTime{r.s.UpdatedAt} }

func (rootResolver) WebhookSubscriptions(ctx context.Context, a struct {
	pageArgs
	Topics *[]string
}) (*conn[*subR], error) {
	rc := fromCtx(ctx)
	var items []keyed[*webhookSub]
	for _, s := range rc.shop.data.Subscriptions {
		if a.Topics != nil && !slices.Contains(*a.Topics, s.Topic) {
			continue
		}
		items = append(items, keyed[*webhookSub]{timeKey(s.CreatedAt, s.ID), s})
	}
	sortKeyed(items, false)
	return paginate(rc.lim, items, false, a.pageArgs, func(s *webhookSub) *subR { return &subR{s} })
}

type subPayloadR struct {
	sub    *webhookSub
	errors []userErr
}

func (r *subPayloadR) WebhookSubscription() *subR {
	if r.sub == nil {
		return nil
	}
	return &subR{r.sub}
}
func (r *subPayloadR) UserErrors() []*userErrR { return wrapErrs(r.errors) }

// WebhookSubscriptionCreate subscribes an HTTPS (or, for local use, HTTP) endpoint to a topic;
// like Shopify it refuses a second subscription of the same topic to the same address.
func (rootResolver) WebhookSubscriptionCreate(ctx context.Context, a struct {
	Topic               string
	WebhookSubscription struct {
		Filter        *string
		Format        *string
		IncludeFields *[]string
		URI           *string
	}
}) (*subPayloadR, error) {
	sh := fromCtx(ctx).shop
	in := a.WebhookSubscription
	fail := func(msg string) (*subPayloadR, error) {
		return &subPayloadR{errors: []userErr{{Field: []string{"webhookSubscription", "uri"}, Message: msg}}}, nil
	}
	if in.URI == nil || *in.URI == "" {
		return fail("Address can't be blank")
	}
	u, err := url.Parse(*in.URI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fail("Address is invalid")
	}
	for _, s := range sh.data.Subscriptions {
		if s.Topic == a.Topic && s.URI == *in.URI {
			return fail("Address for this topic has already been taken")
		}
	}
	now := sh.sim.now()
	s := &webhookSub{ID: sh.data.newID(), Topic: a.Topic, URI: *in.URI, Format: "JSON",
		Filter: deref(in.Filter), CreatedAt: now, UpdatedAt: now}
	if in.Format != nil {
		s.Format = *in.Format
	}
	if in.IncludeFields != nil {
		s.IncludeFields = *in.IncludeFields
	}
	sh.data.Subscriptions[s.ID] = s
	return &subPayloadR{sub: s}, nil
}

type subDeletePayloadR struct {
	id     *graphql.ID
	errors []userErr
}

func (r *subDeletePayloadR) DeletedWebhookSubscriptionID() *graphql.ID { return r.id }
func (r *subDeletePayloadR) UserErrors() []*userErrR                   { return wrapErrs(r.errors) }

func (rootResolver) WebhookSubscriptionDelete(ctx context.Context, a idArgs) (*subDeletePayloadR, error) {
	sh := fromCtx(ctx).shop
	s, err := lookup(sh.data.Subscriptions, "WebhookSubscription", a.ID)
	if err != nil || s == nil {
		return &subDeletePayloadR{errors: []userErr{{Field: []string{"id"}, Message: "Webhook subscription does not exist"}}}, nil //nolint:nilerr // a bad or unknown id is a user error in the payload, as Shopify answers
	}
	delete(sh.data.Subscriptions, s.ID)
	id := a.ID
	return &subDeletePayloadR{id: &id}, nil
}
