package platforms

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind classifies platform failures by what the caller should do.
type ErrorKind string

const (
	ErrRateLimited ErrorKind = "rate_limited" // wait RetryAfter, then retry
	ErrTransient   ErrorKind = "transient"    // retry with backoff
	ErrAuth        ErrorKind = "auth"         // credentials bad or expired: re-authorize, escalate
	ErrInvalid     ErrorKind = "invalid"      // our request is wrong: never retry
	ErrRefused     ErrorKind = "refused"      // platform refused on business grounds: record, escalate
	ErrUnsupported ErrorKind = "unsupported"  // platform has no API for this action: escalate
	ErrMalformed   ErrorKind = "malformed"    // response could not be understood: retry a little, then escalate
	ErrNotFound    ErrorKind = "not_found"    // no such case
)

// Error is a classified platform failure.
type Error struct {
	Kind       ErrorKind
	Platform   Platform
	Code       string // platform code, e.g. TOP "7" or sub_code
	Message    string
	RetryAfter time.Duration // for ErrRateLimited, how long the platform asked us to wait
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s %s", e.Platform, e.Kind)
	if e.Code != "" {
		s += " [" + e.Code + "]"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Retryable reports whether trying again later can succeed.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case ErrRateLimited, ErrTransient, ErrMalformed:
		return true
	}
	return false
}

// KindOf returns the kind of a platform error anywhere in err's chain, or "".
func KindOf(err error) ErrorKind {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Kind
	}
	return ""
}

// Unsupported returns the error for an action a platform cannot take.
func Unsupported(p Platform, a Action, why string) error {
	return &Error{Kind: ErrUnsupported, Platform: p, Code: string(a), Message: why}
}
