package secret_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/secret"
)

// testKey returns a deterministic 32-byte data key filled with b.
func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// setup returns a keyring holding key "k1" as primary.
func setup(t testing.TB) *secret.Keyring {
	t.Helper()
	k := secret.NewKeyring()
	if err := k.Add("k1", testKey(1)); err != nil {
		t.Fatalf("Add(k1) = %v", err)
	}
	if err := k.SetPrimary("k1"); err != nil {
		t.Fatalf("SetPrimary(k1) = %v", err)
	}
	return k
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := setup(t)
	tests := []struct {
		name      string
		aad       []byte
		plaintext []byte
	}{
		{"empty", secret.AAD("connections", "credentials", "c1"), nil},
		{"short", secret.AAD("connections", "credentials", "c1"), []byte("hunter2")},
		{"nil aad", nil, []byte("hunter2")},
		{"binary", secret.AAD("t", "c", "r"), []byte{0, 1, 2, 255, 254}},
		{"large", secret.AAD("t", "c", "r"), bytes.Repeat([]byte("x"), 1<<16)},
		{"large aad", bytes.Repeat([]byte("a"), 4096), []byte("v")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sealed, err := k.Seal(tt.aad, tt.plaintext)
			if err != nil {
				t.Fatalf("Seal = %v", err)
			}
			if len(tt.plaintext) > 4 && bytes.Contains(sealed, tt.plaintext) {
				t.Errorf("Seal output contains the plaintext")
			}
			got, err := k.Open(tt.aad, sealed)
			if err != nil {
				t.Fatalf("Open = %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open = %q, want %q", got, tt.plaintext)
			}
			id, err := secret.KeyIDOf(sealed)
			if err != nil || id != "k1" {
				t.Errorf("KeyIDOf = %q, %v; want \"k1\", nil", id, err)
			}
		})
	}
}

func TestSealFormat(t *testing.T) {
	t.Parallel()
	k := setup(t)
	a, err := k.Seal(nil, []byte("same"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.Seal(nil, []byte("same"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Errorf("two Seals of the same value are equal; nonces must differ")
	}
	// version | len | "k1" | 12-byte nonce | 4 bytes | 16-byte tag
	if want := 1 + 1 + 2 + 12 + 4 + 16; len(a) != want {
		t.Errorf("len(sealed) = %d, want %d", len(a), want)
	}
	if diff := cmp.Diff([]byte{0x01, 2, 'k', '1'}, a[:4]); diff != "" {
		t.Errorf("envelope header mismatch (-want +got):\n%s", diff)
	}
}

func TestOpenWrongAAD(t *testing.T) {
	t.Parallel()
	k := setup(t)
	sealed, err := k.Seal(secret.AAD("connections", "credentials", "c1"), []byte("token"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		aad  []byte
	}{
		{"other row", secret.AAD("connections", "credentials", "c2")},
		{"other column", secret.AAD("connections", "webhook_secret", "c1")},
		{"other table", secret.AAD("endpoints", "credentials", "c1")},
		{"shifted separator", secret.AAD("connections", "credentials\x00c", "1")},
		{"empty", nil},
		{"prefix", secret.AAD("connections", "credentials", "c")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := k.Open(tt.aad, sealed)
			if !errors.Is(err, secret.ErrDecrypt) {
				t.Errorf("Open = %q, %v; want error %v", got, err, secret.ErrDecrypt)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %q with an error", got)
			}
		})
	}
}

func TestOpenEveryByteFlip(t *testing.T) {
	t.Parallel()
	k := setup(t)
	aad := secret.AAD("t", "c", "r")
	sealed, err := k.Seal(aad, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			tampered := slices.Clone(sealed)
			tampered[i] ^= mask
			got, err := k.Open(aad, tampered)
			if err == nil {
				t.Errorf("Open with byte %d ^ %#x = %q, nil; want an error", i, mask, got)
				continue
			}
			if !errors.Is(err, secret.ErrDecrypt) && !errors.Is(err, secret.ErrMalformed) && !errors.Is(err, secret.ErrUnknownKey) {
				t.Errorf("Open with byte %d ^ %#x: error %v wraps no sentinel", i, mask, err)
			}
		}
	}
}

func TestOpenUnknownKey(t *testing.T) {
	t.Parallel()
	other := secret.NewKeyring()
	if err := other.Add("k3", testKey(3)); err != nil {
		t.Fatal(err)
	}
	if err := other.SetPrimary("k3"); err != nil {
		t.Fatal(err)
	}
	sealed, err := other.Seal(nil, []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = setup(t).Open(nil, sealed)
	if !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("Open = %v, want %v", err, secret.ErrUnknownKey)
	}
	if got, want := err.Error(), `secret: unknown key id "k3"`; got != want {
		t.Errorf("Open error = %q, want %q", got, want)
	}
}

func TestOpenSameIDOtherKey(t *testing.T) {
	t.Parallel()
	other := secret.NewKeyring()
	if err := other.Add("k1", testKey(9)); err != nil {
		t.Fatal(err)
	}
	if err := other.SetPrimary("k1"); err != nil {
		t.Fatal(err)
	}
	sealed, err := other.Seal(nil, []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup(t).Open(nil, sealed); !errors.Is(err, secret.ErrDecrypt) {
		t.Errorf("Open = %v, want %v", err, secret.ErrDecrypt)
	}
}

func TestOpenMalformed(t *testing.T) {
	t.Parallel()
	k := setup(t)
	sealed, err := k.Seal(nil, []byte("value"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"nil", nil, secret.ErrMalformed},
		{"one byte", []byte{1}, secret.ErrMalformed},
		{"header only", sealed[:4], secret.ErrMalformed},
		{"no tag", sealed[:4+12], secret.ErrMalformed},
		{"bad version", append([]byte{2}, sealed[1:]...), secret.ErrMalformed},
		{"zero id length", append([]byte{1, 0}, sealed[2:]...), secret.ErrMalformed},
		{"id too long", append([]byte{1, 33}, bytes.Repeat([]byte("a"), 80)...), secret.ErrMalformed},
		{"id bad chars", append([]byte{1, 2, '"', 0}, sealed[4:]...), secret.ErrMalformed},
		{"id longer than input", append([]byte{1, 32}, bytes.Repeat([]byte("a"), 40)...), secret.ErrMalformed},
	}
	// Every truncation fails, one way or the other.
	for n := range len(sealed) {
		got, err := k.Open(nil, sealed[:n])
		if err == nil {
			t.Errorf("Open(sealed[:%d]) = %q, nil; want an error", n, got)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, err := k.Open(nil, tt.input); !errors.Is(err, tt.want) {
				t.Errorf("Open = %q, %v; want error %v", got, err, tt.want)
			}
			if _, err := secret.KeyIDOf(tt.input); !errors.Is(err, tt.want) {
				t.Errorf("KeyIDOf = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	k := setup(t)
	aad := secret.AAD("t", "c", "r")
	old, err := k.Seal(aad, []byte("old value"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Add("k2", testKey(2)); err != nil {
		t.Fatal(err)
	}
	if got := k.Primary(); got != "k1" {
		t.Errorf("Primary after Add = %q, want %q (Add must not change it)", got, "k1")
	}
	if err := k.SetPrimary("k2"); err != nil {
		t.Fatal(err)
	}
	if got := k.Primary(); got != "k2" {
		t.Errorf("Primary = %q, want %q", got, "k2")
	}
	fresh, err := k.Seal(aad, []byte("new value"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sealed []byte
		id     string
		want   string
	}{{old, "k1", "old value"}, {fresh, "k2", "new value"}} {
		if id, err := secret.KeyIDOf(tc.sealed); err != nil || id != tc.id {
			t.Errorf("KeyIDOf = %q, %v; want %q, nil", id, err, tc.id)
		}
		got, err := k.Open(aad, tc.sealed)
		if err != nil || string(got) != tc.want {
			t.Errorf("Open = %q, %v; want %q, nil", got, err, tc.want)
		}
	}
	if diff := cmp.Diff([]string{"k1", "k2"}, k.IDs()); diff != "" {
		t.Errorf("IDs mismatch (-want +got):\n%s", diff)
	}
}

func TestKeyringAdd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		id      string
		dek     []byte
		wantErr bool
	}{
		{"ok", "k2", testKey(2), false},
		{"all chars", "aZ09_-", testKey(2), false},
		{"max length", "abcdefghijklmnopqrstuvwxyz012345", testKey(2), false},
		{"same id same key", "k1", testKey(1), false},
		{"same id other key", "k1", testKey(2), true},
		{"empty id", "", testKey(2), true},
		{"id too long", "abcdefghijklmnopqrstuvwxyz0123456", testKey(2), true},
		{"id with space", "k 2", testKey(2), true},
		{"id with colon", "k:2", testKey(2), true},
		{"id non-ascii", "clé", testKey(2), true},
		{"short key", "k2", testKey(2)[:31], true},
		{"long key", "k2", append(testKey(2), 0), true},
		{"nil key", "k2", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := setup(t)
			err := k.Add(tt.id, tt.dek)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Add(%q) = %v, want error: %v", tt.id, err, tt.wantErr)
			}
			if err == nil && !k.Has(tt.id) {
				t.Errorf("Has(%q) = false after Add", tt.id)
			}
		})
	}
}

func TestKeyringAddCopiesKey(t *testing.T) {
	t.Parallel()
	k := secret.NewKeyring()
	dek := testKey(5)
	if err := k.Add("k5", dek); err != nil {
		t.Fatal(err)
	}
	if err := k.SetPrimary("k5"); err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal(nil, []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	clear(dek) // the caller wipes its copy
	if got, err := k.Open(nil, sealed); err != nil || string(got) != "v" {
		t.Errorf("Open after caller cleared its key = %q, %v; want \"v\", nil", got, err)
	}
	if err := k.Add("k5", testKey(5)); err != nil {
		t.Errorf("Add again with the same key = %v, want nil", err)
	}
}

func TestKeyringEmpty(t *testing.T) {
	t.Parallel()
	for name, k := range map[string]*secret.Keyring{"NewKeyring": secret.NewKeyring(), "zero value": new(secret.Keyring)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := k.Seal(nil, []byte("v")); !errors.Is(err, secret.ErrNoPrimaryKey) {
				t.Errorf("Seal = %v, want %v", err, secret.ErrNoPrimaryKey)
			}
			if got := k.Primary(); got != "" {
				t.Errorf("Primary = %q, want \"\"", got)
			}
			if got := k.IDs(); len(got) != 0 {
				t.Errorf("IDs = %q, want none", got)
			}
			if k.Has("k1") {
				t.Errorf("Has(k1) = true on an empty keyring")
			}
			if err := k.SetPrimary("k1"); !errors.Is(err, secret.ErrUnknownKey) {
				t.Errorf("SetPrimary(k1) = %v, want %v", err, secret.ErrUnknownKey)
			}
			if err := k.Add("k1", testKey(1)); err != nil {
				t.Errorf("Add = %v", err)
			}
			if got := k.Primary(); got != "" {
				t.Errorf("Primary after Add = %q, want \"\"", got)
			}
		})
	}
}

func TestKeyringConcurrent(t *testing.T) {
	t.Parallel()
	k := setup(t)
	aad := secret.AAD("t", "c", "r")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				v := fmt.Appendf(nil, "value %d/%d", g, i)
				sealed, err := k.Seal(aad, v)
				if err != nil {
					t.Errorf("Seal = %v", err)
					return
				}
				got, err := k.Open(aad, sealed)
				if err != nil || !bytes.Equal(got, v) {
					t.Errorf("Open = %q, %v; want %q", got, err, v)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			id := fmt.Sprintf("r%d", i)
			if err := k.Add(id, testKey(byte(i+10))); err != nil {
				t.Errorf("Add(%s) = %v", id, err)
				return
			}
			if err := k.SetPrimary(id); err != nil {
				t.Errorf("SetPrimary(%s) = %v", id, err)
				return
			}
			_ = k.IDs()
		}
	})
	wg.Wait()
	if got := len(k.IDs()); got != 21 {
		t.Errorf("len(IDs) = %d, want 21", got)
	}
}

func TestAAD(t *testing.T) {
	t.Parallel()
	if got, want := string(secret.AAD("connections", "credentials", "c1")), "connections\x00credentials\x00c1"; got != want {
		t.Errorf("AAD = %q, want %q", got, want)
	}
	if bytes.Equal(secret.AAD("ab", "c", "d"), secret.AAD("a", "bc", "d")) {
		t.Errorf("AAD is ambiguous across the table/column boundary")
	}
}

// FuzzOpen checks that Open never panics on arbitrary input and never accepts
// anything but an envelope that Seal really made, with its own AAD. Plain `go
// test` runs the seed corpus only; run `go test -fuzz FuzzOpen` to explore.
//
// The keys are fixed but nonces are random, and each fuzz worker process
// seals its own seeds, so a success is checked by content: the (aad,
// plaintext) pair must be one that was sealed.
func FuzzOpen(f *testing.F) {
	k := setup(f)
	if err := k.Add("old", testKey(7)); err != nil {
		f.Fatal(err)
	}
	type pair struct{ aad, plaintext string }
	genuine := map[pair]bool{}
	seal := func(aad, v []byte) []byte {
		sealed, err := k.Seal(aad, v)
		if err != nil {
			f.Fatal(err)
		}
		genuine[pair{string(aad), string(v)}] = true
		return sealed
	}
	aad := secret.AAD("t", "c", "r")
	s1 := seal(aad, []byte("hello"))
	s2 := seal(nil, nil)
	if err := k.SetPrimary("old"); err != nil {
		f.Fatal(err)
	}
	s3 := seal(aad, bytes.Repeat([]byte{0xAA}, 100))
	if err := k.SetPrimary("k1"); err != nil {
		f.Fatal(err)
	}

	f.Add(aad, s1)
	f.Add([]byte(nil), s2)
	f.Add(aad, s3)
	f.Add(aad, s2)
	f.Add([]byte(nil), s1)
	f.Add(aad, s1[:len(s1)-1])
	f.Add(aad, []byte{})
	f.Add(aad, []byte{1, 1, 'x'})
	f.Add(aad, append([]byte{1, 2, 'k', '9'}, make([]byte, 40)...))
	f.Add(aad, append([]byte{1, 255}, make([]byte, 300)...))
	f.Fuzz(func(t *testing.T, aad, data []byte) {
		got, err := k.Open(aad, data)
		if err == nil {
			id, kerr := secret.KeyIDOf(data)
			if kerr != nil || !genuine[pair{string(aad), string(got)}] || len(data) != 2+len(id)+12+len(got)+16 {
				t.Fatalf("Open accepted a forged envelope: %x, plaintext %q", data, got)
			}
			return
		}
		if got != nil {
			t.Fatalf("Open returned plaintext %q with error %v", got, err)
		}
		if !errors.Is(err, secret.ErrDecrypt) && !errors.Is(err, secret.ErrMalformed) && !errors.Is(err, secret.ErrUnknownKey) {
			t.Fatalf("Open error %v wraps no sentinel", err)
		}
		if _, kerr := secret.KeyIDOf(data); (kerr == nil) == errors.Is(err, secret.ErrMalformed) {
			t.Fatalf("KeyIDOf and Open disagree on whether the input is malformed: %v, %v", kerr, err)
		}
	})
}

func BenchmarkSealOpen1KB(b *testing.B) {
	k := setup(b)
	aad := secret.AAD("connections", "credentials", "0193b7e2-7c1a-7d3e-9f00-1234567890ab")
	v := bytes.Repeat([]byte("x"), 1024)
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	for b.Loop() {
		sealed, err := k.Seal(aad, v)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := k.Open(aad, sealed); err != nil {
			b.Fatal(err)
		}
	}
}
