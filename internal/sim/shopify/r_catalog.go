package shopifysim

import (
	"context"
	"strings"

	graphql "github.com/graph-gophers/graphql-go"
)

// rootResolver resolves QueryRoot and Mutation; the shop comes from the request context.
type rootResolver struct{}

type idArgs struct{ ID graphql.ID }

type shopR struct{ sh *Shop }

func (rootResolver) Shop(ctx context.Context) *shopR { return &shopR{fromCtx(ctx).shop} }

func (r *shopR) ID() graphql.ID          { return graphql.ID(gid("Shop", shopNumber(r.sh.cfg.Domain))) }
func (r *shopR) Name() string            { return r.sh.cfg.Name }
func (r *shopR) Email() string           { return "owner@" + r.sh.cfg.Domain }
func (r *shopR) ContactEmail() string    { return "owner@" + r.sh.cfg.Domain }
func (r *shopR) MyshopifyDomain() string { return r.sh.cfg.Domain }
func (r *shopR) CurrencyCode() string    { return r.sh.cfg.Currency }
func (r *shopR) IanaTimezone() string    { return "America/Toronto" }
func (r *shopR) URL() urlScalar          { return urlScalar("https://" + r.sh.cfg.Domain) }
func (r *shopR) Plan() *planR            { return &planR{r.sh.cfg.Plan} }
func (r *shopR) PrimaryDomain() *domainR { return &domainR{r.sh.cfg.Domain} }

type planR struct{ plan string }

func (p *planR) PartnerDevelopment() bool { return false }
func (p *planR) ShopifyPlus() bool        { return p.plan == PlanPlus }
func (p *planR) PublicDisplayName() string {
	switch p.plan {
	case PlanAdvanced:
		return "Advanced"
	case PlanPlus:
		return "Plus"
	}
	return "Grow"
}

type domainR struct{ host string }

func (d *domainR) ID() graphql.ID { return graphql.ID(gid("Domain", 1)) }
func (d *domainR) Host() string   { return d.host }
func (d *domainR) URL() urlScalar { return urlScalar("https://" + d.host) }

// --- locations

type locationR struct {
	sh  *Shop
	loc *location
}

func (rootResolver) Location(ctx context.Context, a struct{ ID *graphql.ID }) (*locationR, error) {
	sh := fromCtx(ctx).shop
	if a.ID == nil {
		return &locationR{sh, sh.primaryLocation()}, nil
	}
	id, err := parseGID("Location", string(*a.ID))
	if err != nil {
		return nil, err
	}
	if l := sh.data.Locations[id]; l != nil {
		return &locationR{sh, l}, nil
	}
	return nil, nil
}

type locationsArgs struct {
	pageArgs
	IncludeInactive bool
	Query           *string
	Reverse         bool
	SortKey         string
}

func (rootResolver) Locations(ctx context.Context, a locationsArgs) (*conn[*locationR], error) {
	rc := fromCtx(ctx)
	sh := rc.shop
	ts := searchTerms(a.Query)
	var items []keyed[*location]
	for _, l := range sh.data.Locations {
		if !l.Active && !a.IncludeInactive {
			continue
		}
		if !matchAll(ts, func(f string) (fieldValue, bool) {
			switch f {
			case "id":
				return nv(l.ID), true
			case "name", "default":
				return sv(l.Name), true
			}
			return fieldValue{}, false
		}) {
			continue
		}
		k := idKey(l.ID)
		if a.SortKey == "NAME" {
			k = sortKey(strings.ToLower(l.Name), l.ID)
		}
		items = append(items, keyed[*location]{k, l})
	}
	sortKeyed(items, a.Reverse)
	return paginate(rc.lim, items, a.Reverse, a.pageArgs, func(l *location) *locationR { return &locationR{sh, l} })
}

func (r *locationR) ID() graphql.ID                 { return graphql.ID(gid("Location", r.loc.ID)) }
func (r *locationR) LegacyResourceID() uint64Scalar { return uint64Scalar(r.loc.ID) }
func (r *locationR) Name() string                   { return r.loc.Name }
func (r *locationR) IsActive() bool                 { return r.loc.Active }
func (r *locationR) FulfillsOnlineOrders() bool     { return true }
func (r *locationR) Address() *locAddressR          { return &locAddressR{r.loc} }

func (r *locationR) InventoryLevel(a struct{ InventoryItemID graphql.ID }) (*levelR, error) {
	id, err := parseGID("InventoryItem", string(a.InventoryItemID))
	if err != nil {
		return nil, err
	}
	it := r.sh.data.Items[id]
	if it == nil || it.Levels[r.loc.ID] == nil {
		return nil, nil
	}
	return &levelR{r.sh, it.Levels[r.loc.ID]}, nil
}

func (r *locationR) InventoryLevels(ctx context.Context, a pageArgs) (*conn[*levelR], error) {
	var items []keyed[*inventoryLevel]
	for _, it := range r.sh.data.Items {
		if l := it.Levels[r.loc.ID]; l != nil {
			items = append(items, keyed[*inventoryLevel]{idKey(it.ID), l})
		}
	}
	sortKeyed(items, false)
	return paginate(fromCtx(ctx).lim, items, false, a, func(l *inventoryLevel) *levelR { return &levelR{r.sh, l} })
}

type locAddressR struct{ loc *location }

func (a *locAddressR) Address1() *string     { return &a.loc.Address1 }
func (a *locAddressR) Address2() *string     { return nil }
func (a *locAddressR) City() *string         { return &a.loc.City }
func (a *locAddressR) Country() *string      { s := countryName(a.loc.Country); return &s }
func (a *locAddressR) CountryCode() *string  { return &a.loc.Country }
func (a *locAddressR) Province() *string     { s := provinceName(a.loc.Province); return &s }
func (a *locAddressR) ProvinceCode() *string { return &a.loc.Province }
func (a *locAddressR) Zip() *string          { return &a.loc.Zip }
func (a *locAddressR) Phone() *string        { return nil }
func (a *locAddressR) Formatted() []string {
	return []string{a.loc.Address1, a.loc.City + " " + a.loc.Province + " " + a.loc.Zip, countryName(a.loc.Country)}
}

func searchTerms(q *string) []term {
	if q == nil {
		return nil
	}
	return parseSearch(*q)
}

func countryName(code string) string {
	names := map[string]string{"US": "United States", "CA": "Canada", "GB": "United Kingdom",
		"DE": "Germany", "FR": "France", "AU": "Australia", "NL": "Netherlands"}
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

func provinceName(code string) string {
	names := map[string]string{"ON": "Ontario", "QC": "Quebec", "BC": "British Columbia",
		"NY": "New York", "CA": "California", "TX": "Texas", "WA": "Washington"}
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// lookup finds an entity by global id in one of the shop's maps.
func lookup[T any](m map[int64]*T, kind string, id graphql.ID) (*T, error) {
	n, err := parseGID(kind, string(id))
	if err != nil {
		return nil, err
	}
	return m[n], nil
}

// shopNumber is a stable numeric shop id derived from the domain.
func shopNumber(domain string) int64 {
	var h int64 = 5381
	for _, c := range domain {
		h = (h*33 + int64(c)) % 90_000_000
	}
	return 10_000_000 + h
}
