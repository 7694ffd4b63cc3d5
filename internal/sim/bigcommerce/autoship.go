package bigcommerce

import (
	"cmp"
	"fmt"
	"time"
)

// AutoShip makes a store ship every order created through its API (orders pushed to it, not
// those a customer places with PlaceOrder or the order generator) after Delay, in one shipment
// with a generated tracking number: the demo's supplier, who ships what it receives.
type AutoShip struct {
	Delay   time.Duration // default 15 s
	Carrier string        // default "ups" (BigCommerce's carrier codes: ups, usps, fedex, …)
}

// SetAutoShip turns automatic shipping on for a store (nil turns it off).
func (s *Sim) SetAutoShip(hash string, a *AutoShip) error {
	st, err := s.Store(hash)
	if err != nil {
		return err
	}
	if a != nil {
		c := *a
		c.Delay = cmp.Or(c.Delay, 15*time.Second)
		c.Carrier = cmp.Or(c.Carrier, "ups")
		a = &c
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.autoShip = a
	return nil
}

// shipLater schedules the automatic shipping of an order made through the API; the caller holds
// st.mu. Closing the simulator cancels what is still waiting.
func (st *Store) shipLater(o *Order) {
	a := st.autoShip
	if a == nil || st.sim.hooks.ctx.Err() != nil {
		return
	}
	d, id := st.sim.hooks, o.ID
	number := fmt.Sprintf("1ZBC%012d", id)
	d.wg.Go(func() {
		if !sleepCtx(d.ctx, a.Delay) {
			return
		}
		if err := st.Ship(id, a.Carrier, []string{number}); err != nil && d.ctx.Err() == nil {
			st.sim.log.Warn("automatic shipping failed", "store", st.cfg.Hash, "order", id, "err", err)
		}
	})
}
