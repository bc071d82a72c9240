package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// ErrTypeInvalidInput marks input a person must correct; never retried.
const ErrTypeInvalidInput = "InvalidInput"

func inputError(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrTypeInvalidInput, nil)
}
