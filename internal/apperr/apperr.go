// Package apperr is the closed set of error kinds that cross package
// boundaries in ihub. Domain code returns these; the HTTP layer maps each kind
// to one status and writes only the public message. Any error that is not an
// *Error is treated as Internal: its text is logged, never sent.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for callers that must decide what to do with it.
type Kind int

// The kinds. The zero value is Internal so that a forgotten kind fails closed.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	Unauthenticated
	Forbidden
	PreconditionFailed
	TooManyRequests
	TooLarge
	Unavailable
	// BadGateway: a provider answered with an error or nonsense.
	BadGateway
	// GatewayTimeout: a provider did not answer in time.
	GatewayTimeout
)

var kindNames = [...]string{
	Internal:           "internal",
	Invalid:            "invalid",
	NotFound:           "not_found",
	Conflict:           "conflict",
	Unauthenticated:    "unauthenticated",
	Forbidden:          "forbidden",
	PreconditionFailed: "precondition_failed",
	TooManyRequests:    "too_many_requests",
	TooLarge:           "too_large",
	Unavailable:        "unavailable",
	BadGateway:         "bad_gateway",
	GatewayTimeout:     "gateway_timeout",
}

// String returns the stable snake_case name of the kind, used in problem types.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "internal"
	}
	return kindNames[k]
}

// FieldError names one failing input field. Field is a JSON-pointer-like path
// such as "body.baseUrl" or "body.credentials.apiToken".
type FieldError struct {
	Field   string
	Message string
}

// Error is an application error whose Message is safe to show to a client.
// Err, when set, is the underlying cause; it is logged but never shown.
type Error struct {
	Kind       Kind
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Kind, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// E returns a new *Error of the given kind with a public message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of the given kind that keeps err as the hidden cause.
func Wrap(kind Kind, err error, message string) *Error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// InvalidFields returns an Invalid error listing the failing fields.
func InvalidFields(message string, fields ...FieldError) *Error {
	return &Error{Kind: Invalid, Message: message, Fields: fields}
}

// NotFoundf returns a NotFound error with a public message.
func NotFoundf(format string, args ...any) *Error { return E(NotFound, format, args...) }

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// or Internal for any other non-nil error.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// Is reports whether err carries the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// UnconditionalTries bounds how often RetryUnconditional applies a change
// again: each round one of the changes racing it wins, so this many
// changes racing at once all succeed.
const UnconditionalTries = 20

// RetryUnconditional runs a read-modify-write change. One the caller made
// conditional (If-Match) runs once: its PreconditionFailed is the answer.
// One asked for without a precondition runs again while it fails with
// PreconditionFailed because another change was written meanwhile, so that
// it is applied on top of that one; at most UnconditionalTries times.
func RetryUnconditional(conditional bool, change func() error) error {
	for try := 1; ; try++ {
		err := change()
		if conditional || try == UnconditionalTries || !Is(err, PreconditionFailed) {
			return err
		}
	}
}
