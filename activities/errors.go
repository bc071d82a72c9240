package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/aftersale/aftersale/platforms"
)

// Error types that workflows match on. They are "platform.<kind>".
const (
	ErrTypeDeadlinePassed = "deadline_passed"
	ErrTypeNotAllowed     = "not_allowed"
)

// ErrorType returns the Temporal error type for a platform error kind.
func ErrorType(k platforms.ErrorKind) string { return "platform." + string(k) }

// temporalError maps a platform failure onto Temporal's retry behaviour:
// rate limits wait what the platform asked, transient and malformed answers
// retry with backoff, everything else stops retrying so the workflow escalates.
func temporalError(err error) error {
	if err == nil {
		return nil
	}
	var pe *platforms.Error
	if !errors.As(err, &pe) {
		// Unclassified (network, context) errors are worth another try.
		return err
	}
	typ := ErrorType(pe.Kind)
	switch pe.Kind {
	case platforms.ErrRateLimited:
		return temporal.NewApplicationErrorWithOptions(pe.Error(), typ, temporal.ApplicationErrorOptions{
			NextRetryDelay: pe.RetryAfter,
			Cause:          err,
		})
	case platforms.ErrTransient, platforms.ErrMalformed:
		return temporal.NewApplicationErrorWithCause(pe.Error(), typ, err)
	default:
		return temporal.NewNonRetryableApplicationError(pe.Error(), typ, err)
	}
}
