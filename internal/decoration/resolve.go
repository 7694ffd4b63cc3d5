package decoration

import (
	"context"
	"fmt"
	"strings"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/platform"
)

// PropertyNames say which of a line's properties name its logo and the logo's location, compared
// whatever their case. Empty names mean "Logo" and "Location".
type PropertyNames struct {
	Logo     string
	Location string
}

// Default property names.
const (
	DefaultLogoProperty     = "Logo"
	DefaultLocationProperty = "Location"
)

func (n PropertyNames) withDefaults() PropertyNames {
	if strings.TrimSpace(n.Logo) == "" {
		n.Logo = DefaultLogoProperty
	}
	if strings.TrimSpace(n.Location) == "" {
		n.Location = DefaultLocationProperty
	}
	return n
}

// Resolved is the decoration an order line carries to its sales order line. Notes say, in words
// a person reads, what the line asked for that could not be resolved; they are not errors: the
// fields hold what could be.
type Resolved struct {
	DesignName      string
	Location        string // decoration location
	Method          string // decoration method
	Supplier        string // decoration supplier
	ProductSupplier string // the product's supplier
	Notes           []string
}

// Apply sets a sales order line's decoration to r.
func (r Resolved) Apply(l *platform.BackOfficeLine) {
	l.DesignName, l.Location, l.Method, l.Supplier = r.DesignName, r.Location, r.Method, r.Supplier
}

func notef(r *Resolved, format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// property returns the trimmed value of the first property named name, whatever its case.
func property(props []platform.Property, name string) string {
	name = strings.TrimSpace(name)
	for _, p := range props {
		if strings.EqualFold(strings.TrimSpace(p.Name), name) {
			if v := strings.TrimSpace(p.Value); v != "" {
				return v
			}
		}
	}
	return ""
}

// chosen is the logo a line resolves to, and where it goes.
type chosen struct {
	name, method, supplier string
	location               string
}

// Resolve works out the decoration of an order line of a store's product. The line names its
// logo and location in its properties (names say which). Each field comes from the first that
// has it: the line's logo placement (the line's logo and location, matched to a placement of
// the product, or else to a logo of the store at the line's location), then the logo (its
// decoration method and supplier), then the product's decoration. The design name is the logo's
// name when a logo is resolved. A logo the store does not have, or a line that names nothing a
// product with several placements can be resolved to, gives what can be resolved and a note.
//
// Resolve reads by store, in q (a transaction of the caller's or the database): the store is the
// one whose order is being carried, already the caller's. Its only error is the database's.
func Resolve(ctx context.Context, q database.Querier, storeID int64, productID string, props []platform.Property, names PropertyNames) (Resolved, error) {
	names = names.withDefaults()
	lineLogo, lineLoc := property(props, names.Logo), property(props, names.Location)
	var prod Product
	var placements []placementRow
	if id := strings.TrimSpace(productID); id != "" {
		var err error
		if prod, placements, err = getProduct(ctx, q, storeID, id); err != nil {
			return Resolved{}, fmt.Errorf("reading the decoration of product %s of store %d: %w", id, storeID, err)
		}
	}
	r := Resolved{ProductSupplier: prod.Supplier}
	var c *chosen
	var err error
	switch {
	case lineLogo != "":
		var ok bool
		var bl chosen
		bl, ok, err = byLogo(ctx, q, storeID, &r, placements, lineLogo, lineLoc, prod.Location)
		if err != nil {
			return Resolved{}, err
		}
		if ok {
			c = &bl
		}
	case lineLoc != "":
		bl := byLocation(&r, placements, lineLoc)
		c = &bl
	case len(placements) == 1:
		bl := fromPlacement(placements[0])
		c = &bl
	case len(placements) > 1:
		notef(&r, "the product places %d logos and the line names none (property %q): the product's decoration is used",
			len(placements), names.Logo)
	}
	if c != nil {
		r.DesignName = first(c.name, prod.DesignName)
		r.Method = first(c.method, prod.Method)
		r.Supplier = first(c.supplier, prod.DecorationSupplier)
		r.Location = first(c.location, prod.Location)
	} else {
		r.DesignName, r.Method, r.Supplier, r.Location = prod.DesignName, prod.Method, prod.DecorationSupplier, prod.Location
	}
	if r.DesignName == "" && r.Method == "" && r.Supplier == "" && r.Location == "" && len(r.Notes) == 0 {
		notef(&r, "no decoration: the line names no logo (property %q) and the product has no decoration", names.Logo)
	}
	return r, nil
}

// byLogo resolves a line that names a logo: a placement of it on the product (at the line's
// location when it names one), or else the store's logo at the line's location.
func byLogo(ctx context.Context, q database.Querier, storeID int64, r *Resolved, placements []placementRow, name, loc, productLoc string) (chosen, bool, error) {
	var matches []placementRow
	for _, p := range placements {
		if key(p.LogoName) == key(name) && (loc == "" || key(p.Location) == key(loc)) {
			matches = append(matches, p)
		}
	}
	if len(matches) > 0 {
		if loc == "" && len(matches) > 1 {
			notef(r, "the product places logo %q at %d locations and the line names none: the first, %q, is used",
				matches[0].LogoName, len(matches), matches[0].Location)
		}
		return fromPlacement(matches[0]), true, nil
	}
	l, ok, err := logoByName(ctx, q, storeID, name)
	if err != nil {
		return chosen{}, false, fmt.Errorf("reading logo %q of store %d: %w", name, storeID, err)
	}
	if !ok {
		if loc != "" {
			notef(r, "logo %q (at %q) named by the line is not a logo of the store: the product's decoration is used", name, loc)
		} else {
			notef(r, "logo %q named by the line is not a logo of the store: the product's decoration is used", name)
		}
		return chosen{}, false, nil
	}
	if loc == "" && productLoc == "" {
		notef(r, "no location for logo %q: the line names none and the product does not place the logo", l.Name)
	}
	return chosen{name: l.Name, method: l.Method, supplier: l.Supplier, location: loc}, true, nil
}

// byLocation resolves a line that names a location only: the product's one placement there, or
// else the line's location with the product's decoration.
func byLocation(r *Resolved, placements []placementRow, loc string) chosen {
	var matches []placementRow
	for _, p := range placements {
		if key(p.Location) == key(loc) {
			matches = append(matches, p)
		}
	}
	if len(matches) == 1 {
		return fromPlacement(matches[0])
	}
	if len(matches) > 1 {
		notef(r, "the product places %d logos at %q and the line names none of them: the product's design is used", len(matches), loc)
	}
	return chosen{location: loc}
}

func fromPlacement(p placementRow) chosen {
	return chosen{name: p.LogoName, method: p.method, supplier: p.supplier, location: p.Location}
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
