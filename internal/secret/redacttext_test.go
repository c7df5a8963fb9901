package secret_test

import (
	"strings"
	"testing"

	"ihub/internal/secret"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	const long = "Zk3pQ9vB2x"
	tests := []struct {
		name    string
		in      string
		secrets []string
		want    string
	}{
		{"nothing to mask", "dial tcp: lookup no-such-host.invalid: no such host", []string{long}, "dial tcp: lookup no-such-host.invalid: no such host"},
		{"long secret alone", "bad token " + long, []string{long}, "bad token [REDACTED]"},
		{"long secret inside a word", "tok" + long + "en, again " + long, []string{long}, "tok[REDACTED]en, again [REDACTED]"},
		{"one-letter secret inside words", "cannot reach box.example.com: max 3 tries", []string{"x"}, "cannot reach box.example.com: max 3 tries"},
		{"one-letter secret echoed", `password "x" rejected; pass=x&user=u; x`, []string{"x"}, `password "[REDACTED]" rejected; pass=[REDACTED]&user=u; [REDACTED]`},
		{"whole text", "x", []string{"x"}, "[REDACTED]"},
		{"short secret by digits", "HTTP 412: pin 12 refused (12)", []string{"12"}, "HTTP 412: pin [REDACTED] refused ([REDACTED])"},
		{"five characters is short", "administrator: admin denied", []string{"admin"}, "administrator: [REDACTED] denied"},
		{"six characters is long", "hunter2hunter1: hunter1", []string{"hunter"}, "[REDACTED]2[REDACTED]1: [REDACTED]1"},
		{"non-ASCII neighbours are letters", "café é", []string{"é"}, "café [REDACTED]"},
		{"short secret of punctuation", "no-such-host - down", []string{"-"}, "no-such-host [REDACTED] down"},
		{"overlapping occurrences", "aaaaaaa!", []string{"aaaaaa"}, "[REDACTED]!"},
		{"a secret inside another leaves none of it", "key " + long + "42", []string{long, long + "42"}, "key [REDACTED]"},
		{"the mask is not masked again", "token " + long, []string{long, "REDACTED", "D"}, "token [REDACTED]"},
		{"empty secret ignored", "abc", []string{"", "zzz"}, "abc"},
		{"several secrets", "u=root p=x t=" + long, []string{"x", long, "root"}, "u=[REDACTED] p=[REDACTED] t=[REDACTED]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := secret.Redact(tt.in, tt.secrets...); got != tt.want {
				t.Errorf("Redact(%q, %q) = %q, want %q", tt.in, tt.secrets, got, tt.want)
			}
		})
	}
}

// TestRedactNeverLeavesAnEcho: whatever surrounds it, a secret quoted back
// as a value is masked, however short.
func TestRedactNeverLeavesAnEcho(t *testing.T) {
	t.Parallel()
	for _, sec := range []string{"x", "7", "ab", "p@s", "q1w2", "pa$$w", "hunter22", "Zk3pQ9vB2xLm0"} {
		for _, shape := range []string{`password "%s" is wrong`, `{"token":"%s"}`, "key=%s&a=b", "Authorization: Bearer %s", "%s", "(%s)", "'%s'", "pass: %s\n"} {
			in := strings.Replace(shape, "%s", sec, 1)
			got := secret.Redact(in, sec)
			if want := strings.Replace(shape, "%s", secret.Masked, 1); got != want {
				t.Errorf("Redact(%q, %q) = %q, want %q", in, sec, got, want)
			}
		}
	}
}

// TestHolds: Holds answers whether Redact would mask something.
func TestHolds(t *testing.T) {
	for _, tc := range []struct {
		text    string
		secrets []string
		want    bool
	}{
		{"token=Zq7x&a=b", []string{"Zq7x"}, true},
		{"Zq7xBot/1.0", []string{"Zq7x"}, false},
		{"xxlong-secretxx", []string{"long-secret"}, true},
		{"nothing here", []string{"", "absent"}, false},
		{"a b", nil, false},
	} {
		if got := secret.Holds(tc.text, tc.secrets...); got != tc.want {
			t.Errorf("Holds(%q, %q) = %v, want %v", tc.text, tc.secrets, got, tc.want)
		}
	}
}
