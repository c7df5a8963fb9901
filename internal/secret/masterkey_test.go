package secret_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"testing"

	"ihub/internal/secret"
)

func TestGenerateMasterKey(t *testing.T) {
	t.Parallel()
	s, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^ihubmk1_[A-Za-z0-9_-]{43}$`).MatchString(s) {
		t.Errorf("GenerateMasterKey = %d chars, not ihubmk1_ + 43 base64url chars", len(s))
	}
	s2, err := secret.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	if s == s2 {
		t.Errorf("two GenerateMasterKey calls returned the same key")
	}
	m, err := secret.ParseMasterKey(s)
	if err != nil {
		t.Fatalf("ParseMasterKey(generated) = %v", err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(m.Fingerprint()) {
		t.Errorf("Fingerprint = %q, want 8 hex chars", m.Fingerprint())
	}
}

func TestParseMasterKey(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xfb, 0xff, 0xbe}, 11)[:32] // encodes with '+', '/', '-', '_'
	ref, err := secret.ParseMasterKey("ihubmk1_" + base64.RawURLEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	good := []struct {
		name string
		in   string
	}{
		{"prefixed", "ihubmk1_" + base64.RawURLEncoding.EncodeToString(raw)},
		{"prefixed trailing newline", "ihubmk1_" + base64.RawURLEncoding.EncodeToString(raw) + "\n"},
		{"prefixed surrounding space", " \t ihubmk1_" + base64.RawURLEncoding.EncodeToString(raw) + "\r\n"},
		{"prefixed padded", "ihubmk1_" + base64.URLEncoding.EncodeToString(raw)},
		{"std padded", base64.StdEncoding.EncodeToString(raw)},
		{"std padded newline", base64.StdEncoding.EncodeToString(raw) + "\n"},
		{"std raw", base64.RawStdEncoding.EncodeToString(raw)},
		{"url padded", base64.URLEncoding.EncodeToString(raw)},
		{"url raw", base64.RawURLEncoding.EncodeToString(raw)},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := secret.ParseMasterKey(tt.in)
			if err != nil {
				t.Fatalf("ParseMasterKey = %v", err)
			}
			if m.Fingerprint() != ref.Fingerprint() {
				t.Errorf("Fingerprint = %q, want %q (same key)", m.Fingerprint(), ref.Fingerprint())
			}
		})
	}

	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("k"), n)) }
	bad := []struct {
		name    string
		in      string
		wantMsg string
	}{
		{"empty", "", "empty"},
		{"whitespace", " \n", "empty"},
		{"17 bytes", b64(17), "got 17 bytes"},
		{"31 bytes", b64(31), "got 31 bytes"},
		{"33 bytes", b64(33), "got 33 bytes"},
		{"64 bytes", b64(64), "got 64 bytes"},
		{"prefixed 16 bytes", "ihubmk1_" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte("s"), 16)), "got 16 bytes"},
		{"hex", hex.EncodeToString(bytes.Repeat([]byte("h"), 32)), "got 48 bytes"},
		{"not base64", "correct horse battery staple!!", "not valid base64"},
		{"mixed alphabets", strings.Repeat("+-", 22), "not valid base64"},
		{"prefixed std alphabet", "ihubmk1_" + base64.RawStdEncoding.EncodeToString(raw), "not valid base64"},
		{"wrong prefix", "ihubmk2_" + base64.RawURLEncoding.EncodeToString(raw), "got 38 bytes"},
		{"inner space", "ihubmk1_" + base64.RawURLEncoding.EncodeToString(raw)[:20] + " " + base64.RawURLEncoding.EncodeToString(raw)[20:], "not valid base64"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := secret.ParseMasterKey(tt.in)
			if err == nil {
				t.Fatalf("ParseMasterKey = %v, nil; want an error", m)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "secret: master key must be 32 bytes encoded as ihubmk1_<base64>") || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("ParseMasterKey error = %q, want the format and %q", msg, tt.wantMsg)
			}
			// The message must not echo the input, nor any long run of it.
			in := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(tt.in), "ihubmk1_"))
			for i := 0; i+8 <= len(in); i++ {
				if strings.Contains(msg, in[i:i+8]) {
					t.Errorf("ParseMasterKey error %q echoes input bytes %q", msg, in[i:i+8])
					break
				}
			}
			if !m.IsZero() {
				t.Errorf("ParseMasterKey returned a non-zero key with an error")
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	a := mustMasterKey(t, 1)
	b := mustMasterKey(t, 2)
	if a.Fingerprint() == b.Fingerprint() {
		t.Errorf("different keys share fingerprint %q", a.Fingerprint())
	}
	// The fingerprint is not the plain SHA-256 prefix of the key, nor the key.
	if strings.Contains(hex.EncodeToString(testKey(1)), a.Fingerprint()) {
		t.Errorf("Fingerprint %q is part of the key", a.Fingerprint())
	}
	if got := (secret.MasterKey{}).Fingerprint(); got != "" {
		t.Errorf("zero MasterKey Fingerprint = %q, want \"\"", got)
	}
}

func mustMasterKey(t *testing.T, b byte) secret.MasterKey {
	t.Helper()
	m, err := secret.ParseMasterKey(base64.StdEncoding.EncodeToString(testKey(b)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWrapUnwrap(t *testing.T) {
	t.Parallel()
	m := mustMasterKey(t, 1)
	dek, err := secret.NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(dek) != 32 {
		t.Fatalf("len(NewDataKey) = %d, want 32", len(dek))
	}
	wrapped, err := m.Wrap("k1", dek)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(wrapped, dek) {
		t.Errorf("wrapped key contains the data key")
	}
	got, err := m.Unwrap("k1", wrapped)
	if err != nil {
		t.Fatalf("Unwrap = %v", err)
	}
	if !bytes.Equal(got, dek) {
		t.Errorf("Unwrap returned a different key")
	}

	flipped := bytes.Clone(wrapped)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name    string
		m       secret.MasterKey
		id      string
		wrapped []byte
		want    error
	}{
		{"wrong master key", mustMasterKey(t, 2), "k1", wrapped, secret.ErrWrongMasterKey},
		{"swapped key id", m, "k2", wrapped, secret.ErrWrongMasterKey},
		{"tampered", m, "k1", flipped, secret.ErrWrongMasterKey},
		{"truncated", m, "k1", wrapped[:len(wrapped)-1], secret.ErrMalformed},
		{"empty", m, "k1", nil, secret.ErrMalformed},
		{"bad version", m, "k1", append([]byte{9}, wrapped[1:]...), secret.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.m.Unwrap(tt.id, tt.wrapped)
			if !errors.Is(err, tt.want) {
				t.Errorf("Unwrap = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("Unwrap returned a key with an error")
			}
		})
	}
}

func TestWrapErrors(t *testing.T) {
	t.Parallel()
	m := mustMasterKey(t, 1)
	if _, err := m.Wrap("k1", testKey(1)[:16]); err == nil {
		t.Errorf("Wrap(16-byte key) = nil error")
	}
	if _, err := m.Wrap("bad id", testKey(1)); err == nil {
		t.Errorf("Wrap(bad id) = nil error")
	}
	var zero secret.MasterKey
	if _, err := zero.Wrap("k1", testKey(1)); err == nil {
		t.Errorf("zero MasterKey Wrap = nil error")
	}
	if _, err := zero.Unwrap("k1", make([]byte, 61)); err == nil {
		t.Errorf("zero MasterKey Unwrap = nil error")
	}
}
