package bigcommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

type stateFile struct {
	Version int           `json:"version"`
	Stores  []storeRecord `json:"stores"`
}

type storeRecord struct {
	Config StoreConfig `json:"config"`
	Data   storeData   `json:"data"`
}

func (s *Sim) load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading state file: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("state file %s: %w", path, err)
	}
	if f.Version != 1 {
		return fmt.Errorf("state file %s: version %d, want 1", path, f.Version)
	}
	for _, rec := range f.Stores {
		st, err := s.AddStore(rec.Config)
		if err != nil {
			return fmt.Errorf("state file %s: %w", path, err)
		}
		d := rec.Data
		if d.Products == nil {
			d.Products = map[int64]*Product{}
		}
		if d.Levels == nil {
			d.Levels = map[int64]map[int64]int64{}
		}
		if d.Orders == nil {
			d.Orders = map[int64]*Order{}
		}
		if d.Hooks == nil {
			d.Hooks = map[int64]*Hook{}
		}
		st.data = d
	}
	return nil
}

func (s *Sim) save(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := stateFile{Version: 1}
	for _, hash := range slices.Sorted(maps.Keys(s.stores)) {
		st := s.stores[hash]
		st.mu.Lock()
		b, err := json.Marshal(storeRecord{Config: st.cfg, Data: st.data})
		st.mu.Unlock()
		if err != nil {
			return fmt.Errorf("encoding state of %s: %w", hash, err)
		}
		var rec storeRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("encoding state of %s: %w", hash, err)
		}
		f.Stores = append(f.Stores, rec)
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	return writeAtomic(path, b)
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("saving state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	return nil
}
