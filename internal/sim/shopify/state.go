package shopifysim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// stateFile is the JSON written to Options.StateFile: every shop's configuration and data.
type stateFile struct {
	Version int          `json:"version"`
	Shops   []shopRecord `json:"shops"`
}

type shopRecord struct {
	Config ShopConfig `json:"config"`
	Data   *shopData  `json:"data"`
}

func (s *Sim) load(path string) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading simulator state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("decoding simulator state %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range st.Shops {
		if err := rec.Config.validate(); err != nil {
			return fmt.Errorf("simulator state %s: %w", path, err)
		}
		d := newShopData(0)
		if rec.Data != nil {
			d = rec.Data
			fillMaps(d)
		}
		for _, b := range d.BulkOperations { // result files are not kept
			if b.Status == "COMPLETED" || b.Status == "RUNNING" || b.Status == "CREATED" {
				b.Status, b.URL = "EXPIRED", ""
			}
		}
		s.shops[rec.Config.Domain] = s.newShop(rec.Config, d)
	}
	return nil
}

func fillMaps(d *shopData) {
	fresh := newShopData(d.NextID)
	if d.Locations == nil {
		d.Locations = fresh.Locations
	}
	if d.Products == nil {
		d.Products = fresh.Products
	}
	if d.Variants == nil {
		d.Variants = fresh.Variants
	}
	if d.Items == nil {
		d.Items = fresh.Items
	}
	if d.Customers == nil {
		d.Customers = fresh.Customers
	}
	if d.Orders == nil {
		d.Orders = fresh.Orders
	}
	if d.FulfillmentOrders == nil {
		d.FulfillmentOrders = fresh.FulfillmentOrders
	}
	if d.Fulfillments == nil {
		d.Fulfillments = fresh.Fulfillments
	}
	if d.Subscriptions == nil {
		d.Subscriptions = fresh.Subscriptions
	}
	if d.BulkOperations == nil {
		d.BulkOperations = fresh.BulkOperations
	}
	if d.Idempotency == nil {
		d.Idempotency = fresh.Idempotency
	}
	for _, it := range d.Items {
		if it.Levels == nil {
			it.Levels = map[int64]*inventoryLevel{}
		}
	}
}

// save writes the state atomically: a temporary file renamed over the old one.
func (s *Sim) save(path string) error {
	s.mu.Lock()
	shops := make([]*Shop, 0, len(s.shops))
	for _, sh := range s.shops {
		shops = append(shops, sh)
	}
	s.mu.Unlock()
	st := stateFile{Version: 1}
	for _, sh := range shops {
		sh.mu.Lock()
		raw, err := json.Marshal(shopRecord{Config: sh.cfg, Data: sh.data})
		sh.mu.Unlock()
		if err != nil {
			return fmt.Errorf("encoding shop %s: %w", sh.cfg.Domain, err)
		}
		var rec shopRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return fmt.Errorf("copying shop %s: %w", sh.cfg.Domain, err)
		}
		st.Shops = append(st.Shops, rec)
	}
	raw, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return fmt.Errorf("encoding simulator state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".shopifysim-*.json")
	if err != nil {
		return fmt.Errorf("writing simulator state: %w", err)
	}
	if _, err := tmp.Write(raw); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing simulator state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing simulator state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing simulator state: %w", err)
	}
	return nil
}
