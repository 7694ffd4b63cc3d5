package app

import (
	"context"

	"github.com/storesync/storesync/internal/bolink"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/decoration"
	"github.com/storesync/storesync/internal/platform"
)

// lineDecorations gives the back-office link the decoration of an order line
// (internal/bolink does not import internal/decoration): bolink.Config's Decorations.
type lineDecorations struct{}

var _ bolink.Decorations = lineDecorations{}

func (lineDecorations) Resolve(ctx context.Context, q database.Querier, storeID int64, line platform.OrderLine,
	logoProperty, locationProperty string) (bolink.LineDecoration, error) {
	r, err := decoration.Resolve(ctx, q, storeID, line.ProductID, line.Properties,
		decoration.PropertyNames{Logo: logoProperty, Location: locationProperty})
	if err != nil {
		return bolink.LineDecoration{}, err
	}
	return bolink.LineDecoration{DesignName: r.DesignName, Location: r.Location, Method: r.Method, Supplier: r.Supplier,
		ProductSupplier: r.ProductSupplier, Notes: r.Notes}, nil
}
