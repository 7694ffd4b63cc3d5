package bigcommerce_test

import (
	"errors"

	"github.com/storesync/storesync/internal/platform"
	"github.com/storesync/storesync/internal/platform/bigcommerce"
)

type bigcommerceConfig = bigcommerce.Config

var bigcommerceKeyTag = bigcommerce.KeyTag

func asPlatformError(err error) (*platform.Error, bool) { return errors.AsType[*platform.Error](err) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
