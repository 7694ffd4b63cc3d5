// Package catalog holds what a connection decides about products: which identifier matches a
// destination variant to a source variant, which attributes follow the source, how much stock is
// held back, how the destination's prices follow the source's (price rules), and which variants
// are linked. Settings and Apply are pure: no database, no
// platform calls; the connection stores its Settings and the sync work applies them. links.go
// keeps the product links (which destination variant follows which source variant).
package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/storesync/storesync/internal/money"
)

// Identifier names the variant field that matches a destination variant to a source variant.
type Identifier string

// The identifiers a connection may match by.
const (
	IdentifierSKU     Identifier = "sku"
	IdentifierBarcode Identifier = "barcode"
)

// Settings are a connection's product sync settings. Inventory always follows the source: it is
// not a setting.
type Settings struct {
	Identifier Identifier `json:"identifier" enum:"sku,barcode" doc:"what matches a destination variant to a source variant"`
	Attributes Attributes `json:"attributes" doc:"which attributes follow the source; inventory always does"`
	Buffer     int64      `json:"buffer" minimum:"0" maximum:"1000000000" doc:"units of stock held back: destination quantity = source available − buffer, never below 0; a product link's own buffer overrides it"`
	// SourceLocationIDs are the source store's locations whose available quantities count (the
	// rule sums them); empty: every location counts. Checking that each is a location of the
	// source needs the source store, so it is the connection service's, not Validate's.
	SourceLocationIDs []string  `json:"source_location_ids,omitempty" maxItems:"200" doc:"the source store's location ids whose available stock counts; empty or absent: every location"`
	Price             PriceRule `json:"price"`
}

// Attributes say which product attributes follow the source (true) and which the destination
// keeps as it edits them (false).
type Attributes struct {
	Title          bool `json:"title"`
	Description    bool `json:"description"`
	Images         bool `json:"images"`
	Vendor         bool `json:"vendor"`
	ProductType    bool `json:"product_type"`
	Tags           bool `json:"tags"`
	Price          bool `json:"price"`
	CompareAtPrice bool `json:"compare_at_price"`
	Weight         bool `json:"weight"`
	Options        bool `json:"options" doc:"option names and values"`
	Variants       bool `json:"variants" doc:"variants added or removed at the source"`
}

// Markup kinds.
const (
	MarkupPercent = "percent"
	MarkupFixed   = "fixed"
	MarkupTiers   = "tiers"
)

// Rounding targets: the price is moved to the nearest (or next, see RoundingMode) amount of the
// form N.99, N.95, a multiple of 0.05, or a whole amount, in the destination currency.
const (
	RoundNone  = "none"
	Round99    = "0.99"
	Round95    = "0.95"
	Round05    = "0.05"
	RoundWhole = "whole"
)

// Rounding modes: up never lowers a price; nearest takes the nearer target (halves go up) but
// never below the cost when the price before rounding was at or above it.
const (
	ModeUp      = "up"
	ModeNearest = "nearest"
)

// Compare-at rules.
const (
	CompareFollow = "follow" // the source's compare-at price through the same price rule
	CompareNone   = "none"   // no compare-at price on the destination
	CompareFactor = "factor" // the destination price × Factor
)

// PriceRule is how a destination price follows the source price: a markup (in the source
// currency), then the exchange rate, then rounding (in the destination currency).
type PriceRule struct {
	Markup       Markup        `json:"markup"`
	Rounding     string        `json:"rounding" enum:"none,0.99,0.95,0.05,whole"`
	RoundingMode string        `json:"rounding_mode" enum:"up,nearest" doc:"up never lowers a price; nearest never takes it below the cost"`
	Exchange     *Exchange     `json:"exchange,omitempty" doc:"a manual exchange rate, when the two stores' currencies differ"`
	CompareAt    CompareAtRule `json:"compare_at"`
}

// Markup raises (or lowers) the source price: by a percentage, by a fixed amount in the source
// currency, or by tiers of the source price.
type Markup struct {
	Kind    string `json:"kind" enum:"percent,fixed,tiers"`
	Percent string `json:"percent,omitempty" pattern:"^[-+]?[0-9]{1,9}(\\.[0-9]{1,6})?$" doc:"kind percent: e.g. \"25\" for +25 %; at least -100"`
	Amount  string `json:"amount,omitempty" pattern:"^[-+]?[0-9]{1,12}(\\.[0-9]{1,6})?$" doc:"kind fixed: added to the source price, in the source currency"`
	Tiers   []Tier `json:"tiers,omitempty" maxItems:"50" doc:"kind tiers: ordered, contiguous from 0, the last one open-ended"`
}

// Tier is the markup for source prices from From (inclusive) up to To (exclusive; empty: no end).
type Tier struct {
	From    string `json:"from" pattern:"^[0-9]{1,12}(\\.[0-9]{1,6})?$"`
	To      string `json:"to,omitempty" pattern:"^[0-9]{1,12}(\\.[0-9]{1,6})?$" doc:"empty on the last tier"`
	Kind    string `json:"kind" enum:"percent,fixed"`
	Percent string `json:"percent,omitempty" pattern:"^[-+]?[0-9]{1,9}(\\.[0-9]{1,6})?$"`
	Amount  string `json:"amount,omitempty" pattern:"^[-+]?[0-9]{1,12}(\\.[0-9]{1,6})?$"`
}

// Exchange converts source amounts into the destination currency: 1 From = Rate To.
type Exchange struct {
	From string `json:"from" pattern:"^[A-Z]{3,4}$" doc:"the source store's currency"`
	To   string `json:"to" pattern:"^[A-Z]{3,4}$" doc:"the destination store's currency"`
	Rate string `json:"rate" pattern:"^[0-9]{1,9}(\\.[0-9]{1,10})?$" doc:"destination units per source unit, > 0, applied exactly"`
}

// CompareAtRule says what the destination's compare-at price is.
type CompareAtRule struct {
	Rule   string `json:"rule" enum:"follow,none,factor"`
	Factor string `json:"factor,omitempty" pattern:"^[0-9]{1,6}(\\.[0-9]{1,6})?$" doc:"rule factor: compare-at = destination price × factor, > 1"`
}

// Default are the settings of a new connection: the destination mirrors the source (match by
// SKU, every attribute follows, the source's price and compare-at unchanged, nothing held back),
// so what a reseller sees right after connecting is the supplier's catalog as it is; the reseller
// then turns off what it edits itself and sets its price rule.
func Default() Settings {
	return Settings{
		Identifier: IdentifierSKU,
		Attributes: Attributes{Title: true, Description: true, Images: true, Vendor: true, ProductType: true, Tags: true,
			Price: true, CompareAtPrice: true, Weight: true, Options: true, Variants: true},
		Price: PriceRule{Markup: Markup{Kind: MarkupPercent, Percent: "0"}, Rounding: RoundNone, RoundingMode: ModeUp,
			CompareAt: CompareAtRule{Rule: CompareFollow}},
	}
}

// MaxBuffer bounds the buffer: more than any store holds.
const MaxBuffer = 1_000_000_000

// FieldError is one wrong value of the settings, named by its JSON path ("price.markup.percent").
type FieldError struct {
	Field   string
	Message string
	Value   any
}

// ErrInvalid is what every ValidationError matches with errors.Is.
var ErrInvalid = errors.New("invalid settings")

// ValidationError lists every wrong value of a Settings at once.
type ValidationError struct{ Fields []FieldError }

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid settings: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Of returns the message for a field, or "" (the dashboard shows each beside its input).
func (e *ValidationError) Of(field string) string {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3,4}$`)

// Validate checks every value and returns a *ValidationError naming each wrong one, or nil.
func (s Settings) Validate() error {
	v := &ValidationError{}
	add := func(field, msg string, val any) { v.Fields = append(v.Fields, FieldError{field, msg, val}) }
	if s.Identifier != IdentifierSKU && s.Identifier != IdentifierBarcode {
		add("identifier", `use "sku" or "barcode"`, string(s.Identifier))
	}
	if s.Buffer < 0 {
		add("buffer", "must be 0 or more", s.Buffer)
	} else if s.Buffer > MaxBuffer {
		add("buffer", fmt.Sprintf("must be at most %d", MaxBuffer), s.Buffer)
	}
	validateLocations(s.SourceLocationIDs, add)
	validatePrice(s.Price, add)
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

// MaxSourceLocations bounds source_location_ids.
const MaxSourceLocations = 200

// validateLocations checks the form of the location ids (not that the source has them).
func validateLocations(ids []string, add func(field, msg string, val any)) {
	if len(ids) > MaxSourceLocations {
		add("source_location_ids", fmt.Sprintf("at most %d locations", MaxSourceLocations), len(ids))
		return
	}
	seen := map[string]bool{}
	for i, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			add("source_location_ids", fmt.Sprintf("item %d: give a location id of the source store", i), id)
		case seen[id]:
			add("source_location_ids", fmt.Sprintf("item %d: location %s is listed twice", i, id), id)
		}
		seen[id] = true
	}
}

// CountsLocation reports whether the rule counts the source's available quantity at location id.
func (s Settings) CountsLocation(id string) bool {
	return len(s.SourceLocationIDs) == 0 || slices.Contains(s.SourceLocationIDs, id)
}

func validatePrice(p PriceRule, add func(field, msg string, val any)) {
	validateMarkup("price.markup", p.Markup.Kind, p.Markup.Percent, p.Markup.Amount, true, add)
	if p.Markup.Kind == MarkupTiers {
		validateTiers(p.Markup.Tiers, add)
	} else if len(p.Markup.Tiers) > 0 {
		add("price.markup.tiers", `only markup kind "tiers" has tiers`, nil)
	}
	switch p.Rounding {
	case RoundNone, Round99, Round95, Round05, RoundWhole:
	default:
		add("price.rounding", `use "none", "0.99", "0.95", "0.05" or "whole"`, p.Rounding)
	}
	if p.RoundingMode != ModeUp && p.RoundingMode != ModeNearest {
		add("price.rounding_mode", `use "up" or "nearest"`, p.RoundingMode)
	}
	if e := p.Exchange; e != nil {
		if _, err := money.Digits(e.From); err != nil || !currencyCode.MatchString(e.From) {
			add("price.exchange.from", "give the source currency's ISO 4217 code", e.From)
		}
		if d, err := money.Digits(e.To); err != nil || !currencyCode.MatchString(e.To) {
			add("price.exchange.to", "give the destination currency's ISO 4217 code", e.To)
		} else if d < 2 && p.Rounding != RoundNone && p.Rounding != RoundWhole {
			add("price.rounding", e.To+" has no cents: use \"none\" or \"whole\"", p.Rounding)
		}
		if e.From == e.To && e.From != "" {
			add("price.exchange.to", "the currencies are the same: leave the exchange rate out", e.To)
		}
		if r, err := parseDecimal(e.Rate); err != nil || r.Sign() <= 0 {
			add("price.exchange.rate", "must be a decimal greater than 0, e.g. 1.3612", e.Rate)
		}
	}
	switch p.CompareAt.Rule {
	case CompareFollow, CompareNone:
		if p.CompareAt.Factor != "" {
			add("price.compare_at.factor", `only rule "factor" has a factor`, p.CompareAt.Factor)
		}
	case CompareFactor:
		if f, err := parseDecimal(p.CompareAt.Factor); err != nil || f.Cmp(one) <= 0 {
			add("price.compare_at.factor", "must be a decimal greater than 1, e.g. 1.25", p.CompareAt.Factor)
		}
	default:
		add("price.compare_at.rule", `use "follow", "none" or "factor"`, p.CompareAt.Rule)
	}
}

// validateMarkup checks one markup (the connection's, or a tier's when top is false).
func validateMarkup(field, kind, percent, amount string, top bool, add func(field, msg string, val any)) {
	switch {
	case kind == MarkupPercent:
		if pc, err := parseDecimal(percent); err != nil {
			add(field+".percent", `must be a decimal, e.g. "25" for +25 %`, percent)
		} else if pc.Cmp(minusHundred) < 0 {
			add(field+".percent", "must be -100 or more: a markup below -100 % would make prices negative", percent)
		}
		if amount != "" {
			add(field+".amount", `only kind "fixed" has an amount`, amount)
		}
	case kind == MarkupFixed:
		if _, err := parseDecimal(amount); err != nil {
			add(field+".amount", `must be a decimal amount in the source currency, e.g. "5.00"`, amount)
		}
		if percent != "" {
			add(field+".percent", `only kind "percent" has a percent`, percent)
		}
	case kind == MarkupTiers && top:
		if percent != "" || amount != "" {
			add(field+".kind", `kind "tiers" takes its percent or amount in each tier`, kind)
		}
	case top:
		add(field+".kind", `use "percent", "fixed" or "tiers"`, kind)
	default:
		add(field+".kind", `use "percent" or "fixed"`, kind)
	}
}

// validateTiers checks that the tiers are ordered, contiguous from 0 and end open, so that every
// source price falls in exactly one.
func validateTiers(tiers []Tier, add func(field, msg string, val any)) {
	if len(tiers) == 0 {
		add("price.markup.tiers", "give at least one tier, the first from 0", nil)
		return
	}
	if len(tiers) > 50 {
		add("price.markup.tiers", "at most 50 tiers", len(tiers))
		return
	}
	prevTo := "0"
	for i, t := range tiers {
		f := fmt.Sprintf("price.markup.tiers[%d]", i)
		validateMarkup(f, t.Kind, t.Percent, t.Amount, false, add)
		from, err := parseDecimal(t.From)
		if err != nil || from.Sign() < 0 {
			add(f+".from", "must be a decimal amount of 0 or more", t.From)
			return
		}
		prev, _ := parseDecimal(prevTo)
		if from.Cmp(prev) != 0 {
			if i == 0 {
				add(f+".from", "the first tier starts at 0, so that every price has a tier", t.From)
			} else {
				add(f+".from", fmt.Sprintf("must equal the previous tier's to (%s): tiers are ordered and leave no gap and no overlap", prevTo), t.From)
			}
			return
		}
		last := i == len(tiers)-1
		if t.To == "" {
			if !last {
				add(f+".to", "only the last tier is open-ended", t.To)
				return
			}
			continue
		}
		if last {
			add(f+".to", "leave the last tier open-ended, so that every price has a tier", t.To)
			return
		}
		to, err := parseDecimal(t.To)
		if err != nil || to.Cmp(from) <= 0 {
			add(f+".to", "must be a decimal amount above from", t.To)
			return
		}
		prevTo = t.To
	}
}
