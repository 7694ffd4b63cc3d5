package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/catalog"
)

// settingsForm is the settings form's values: the settings, and the tiers as the person typed
// them (one tier a line: "FROM TO percent|fixed VALUE", TO "-" on the last).
type settingsForm struct {
	Settings  catalog.Settings
	TiersText string
}

// attributeField is one checkbox of the attributes.
type attributeField struct{ Name, Label string }

// attributeFields are the attributes' checkboxes, in the order the form shows them.
var attributeFields = []attributeField{
	{"title", "Title"}, {"description", "Description"}, {"images", "Images"}, {"vendor", "Vendor"},
	{"product_type", "Product type"}, {"tags", "Tags"}, {"price", "Price"}, {"compare_at_price", "Compare-at price"},
	{"weight", "Weight"}, {"options", "Options"}, {"variants", "Variants"},
}

// attrs maps the form's names to the settings' fields.
func attrs(a *catalog.Attributes) map[string]*bool {
	return map[string]*bool{"title": &a.Title, "description": &a.Description, "images": &a.Images, "vendor": &a.Vendor,
		"product_type": &a.ProductType, "tags": &a.Tags, "price": &a.Price, "compare_at_price": &a.CompareAtPrice,
		"weight": &a.Weight, "options": &a.Options, "variants": &a.Variants}
}

// On reports whether the attribute named is on, for the form's checkboxes.
func (f settingsForm) On(name string) bool {
	a := f.Settings.Attributes
	p := attrs(&a)[name]
	return p != nil && *p
}

// Counts reports whether the location is ticked: every location counts when none is.
func (f settingsForm) Counts(id string) bool {
	return slices.Contains(f.Settings.SourceLocationIDs, id)
}

// Exchange returns the exchange rate's fields, empty when there is none.
func (f settingsForm) Exchange() catalog.Exchange {
	if f.Settings.Price.Exchange == nil {
		return catalog.Exchange{}
	}
	return *f.Settings.Price.Exchange
}

func formOf(s catalog.Settings) settingsForm {
	lines := make([]string, 0, len(s.Price.Markup.Tiers))
	for _, t := range s.Price.Markup.Tiers {
		to, v := t.To, t.Percent
		if to == "" {
			to = "-"
		}
		if t.Kind == catalog.MarkupFixed {
			v = t.Amount
		}
		lines = append(lines, fmt.Sprintf("%s %s %s %s", t.From, to, t.Kind, v))
	}
	return settingsForm{Settings: s, TiersText: strings.Join(lines, "\n")}
}

// parseSettingsForm reads the posted form; errors are what cannot even be read (the rest is the
// domain's to check), by the settings' field names.
func parseSettingsForm(r *http.Request) (settingsForm, map[string]string) {
	errs := map[string]string{}
	s := catalog.Settings{Identifier: catalog.Identifier(r.PostFormValue("identifier"))}
	for name, p := range attrs(&s.Attributes) {
		*p = r.PostFormValue("attr_"+name) == "on"
	}
	if b := strings.TrimSpace(r.PostFormValue("buffer")); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			errs["buffer"] = "must be a whole number of units, 0 or more"
		}
		s.Buffer = n
	}
	_ = r.ParseForm()
	for _, id := range r.PostForm["source_location"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(s.SourceLocationIDs, id) {
			s.SourceLocationIDs = append(s.SourceLocationIDs, id)
		}
	}
	slices.Sort(s.SourceLocationIDs)
	m := catalog.Markup{Kind: r.PostFormValue("markup_kind")}
	switch m.Kind {
	case catalog.MarkupPercent:
		m.Percent = strings.TrimSpace(r.PostFormValue("markup_percent"))
	case catalog.MarkupFixed:
		m.Amount = strings.TrimSpace(r.PostFormValue("markup_amount"))
	}
	text := r.PostFormValue("tiers")
	if m.Kind == catalog.MarkupTiers {
		tiers, err := parseTiers(text)
		if err != "" {
			errs["price.markup.tiers"] = err
		}
		m.Tiers = tiers
	}
	s.Price = catalog.PriceRule{Markup: m, Rounding: r.PostFormValue("rounding"), RoundingMode: r.PostFormValue("rounding_mode"),
		CompareAt: catalog.CompareAtRule{Rule: r.PostFormValue("compare_at_rule")}}
	if s.Price.CompareAt.Rule == catalog.CompareFactor {
		s.Price.CompareAt.Factor = strings.TrimSpace(r.PostFormValue("compare_at_factor"))
	}
	from, to, rate := strings.ToUpper(strings.TrimSpace(r.PostFormValue("exchange_from"))),
		strings.ToUpper(strings.TrimSpace(r.PostFormValue("exchange_to"))), strings.TrimSpace(r.PostFormValue("exchange_rate"))
	if from != "" || to != "" || rate != "" {
		s.Price.Exchange = &catalog.Exchange{From: from, To: to, Rate: rate}
	}
	return settingsForm{Settings: s, TiersText: text}, errs
}

// parseTiers reads one tier a line: "FROM TO percent|fixed VALUE", TO "-" for no end.
func parseTiers(text string) ([]catalog.Tier, string) {
	var out []catalog.Tier
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 4 || (f[2] != catalog.MarkupPercent && f[2] != catalog.MarkupFixed) {
			return out, fmt.Sprintf("line %d: write FROM TO percent|fixed VALUE, e.g. \"0 10 percent 50\" (TO \"-\" on the last line)", i+1)
		}
		t := catalog.Tier{From: f[0], To: f[1], Kind: f[2]}
		if t.To == "-" {
			t.To = ""
		}
		if t.Kind == catalog.MarkupPercent {
			t.Percent = f[3]
		} else {
			t.Amount = f[3]
		}
		out = append(out, t)
	}
	return out, ""
}
