package secret

import (
	"fmt"
	"io"
	"log/slog"
)

const redacted = "[REDACTED]"

// Value holds a secret string and refuses to show it: String, GoString,
// MarshalJSON, MarshalText and LogValue all print a mask. Only Reveal returns
// the plaintext, so every place that uses a secret is greppable.
type Value struct{ s string }

// NewValue wraps a plaintext secret.
func NewValue(s string) Value { return Value{s: s} }

// Reveal returns the plaintext.
func (v Value) Reveal() string { return v.s }

// IsZero reports whether the value is empty.
func (v Value) IsZero() bool { return v.s == "" }

// Format masks the value under every verb, including %d and %x, which
// would otherwise print the struct's fields.
func (v Value) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

func (v Value) String() string               { return redacted }
func (v Value) GoString() string             { return redacted }
func (v Value) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (v Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }
