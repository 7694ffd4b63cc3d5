package connection

import (
	"context"
	"fmt"
	"slices"

	"github.com/storesync/storesync/internal/catalog"
	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/store"
)

// Source locations: which of the source store's locations count for a connection's inventory
// rule (catalog.Settings.SourceLocationIDs). Only the source store knows its locations, so they
// are read from it, live, when a person chooses them.

// SourceLocations returns the source store's locations, for the destination's account to pick
// from (the source's account is refused: the settings are the destination's business).
func (s *Service) SourceLocations(ctx context.Context, p GetParams) ([]platform.Location, error) {
	c, err := s.Get(ctx, p)
	if err != nil {
		return nil, err
	}
	if r := c.RoleOf(p.AccountID); r != RoleDestination && r != RoleBoth {
		return nil, refuse(ErrForbidden, "", "only the destination store's account sets a connection's source locations")
	}
	return s.readLocations(ctx, c)
}

func (s *Service) readLocations(ctx context.Context, c Connection) ([]platform.Location, error) {
	st, err := s.stores.Get(ctx, store.GetParams{AccountID: c.Source.AccountID, ID: c.Source.ID})
	if err != nil {
		return nil, fmt.Errorf("reading source store %s: %w", c.Source.Name, err)
	}
	client, err := s.stores.Client(st)
	if err != nil {
		return nil, fmt.Errorf("opening source store %s: %w", c.Source.Name, err)
	}
	locs, err := client.Locations(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the locations of source store %s: %w", c.Source.Name, err)
	}
	return locs, nil
}

// checkLocations refuses source location ids that are not locations of the source store (a
// *catalog.ValidationError naming source_location_ids). The source is asked only when the ids
// differ from the connection's current ones, and only for its destination's account.
func (s *Service) checkLocations(ctx context.Context, p SettingsParams) error {
	ids := p.Settings.SourceLocationIDs
	if len(ids) == 0 {
		return nil
	}
	c, err := s.Get(ctx, GetParams{AccountID: p.AccountID, ID: p.ID})
	if err != nil {
		return err
	}
	if r := c.RoleOf(p.AccountID); r != RoleDestination && r != RoleBoth {
		return nil // refused by the change itself
	}
	if slices.Equal(ids, c.Settings.SourceLocationIDs) {
		return nil
	}
	locs, err := s.readLocations(ctx, c)
	if err != nil {
		return err
	}
	v := &catalog.ValidationError{}
	for i, id := range ids {
		if !slices.ContainsFunc(locs, func(l platform.Location) bool { return l.ID == id }) {
			v.Fields = append(v.Fields, catalog.FieldError{Field: "source_location_ids",
				Message: fmt.Sprintf("item %d: %s is not a location of source store %s", i, id, c.Source.Name), Value: id})
		}
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}
