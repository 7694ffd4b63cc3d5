package bigcommerce_test

import (
	"testing"

	"github.com/storesync/storesync/internal/platform/platformtest"
	bcsim "github.com/storesync/storesync/internal/sim/bigcommerce"
)

// TestContractSuite runs the contract suite every platform passes against the simulator.
func TestContractSuite(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, bcsim.Harness())
}
