package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// MasterKeyPrefix starts every master key that GenerateMasterKey produces. A
// master key is written as MasterKeyPrefix followed by the base64 (URL
// alphabet, no padding) encoding of 32 random bytes, for example
// "ihubmk1_3q2-7w...". The prefix names the format and its version, and makes a
// leaked key easy to recognise (and to grep for).
const MasterKeyPrefix = "ihubmk1_"

// keySize is the size in bytes of every key in this package: AES-256.
const keySize = 32

// wrapVersion is the first byte of a data key wrapped by the master key.
const wrapVersion = 0x01

// wrappedSize is the exact size of a wrapped data key:
// version | nonce | ciphertext of a 32-byte key | GCM tag.
const wrappedSize = 1 + nonceSize + keySize + tagSize

// wrapAADPrefix is prepended to the key id to form the additional data that
// binds a wrapped data key to its row in the vault_keys table.
const wrapAADPrefix = "ihub/vault_keys/"

// fingerprintDomain separates the fingerprint hash from any other use of
// SHA-256 over the key.
const fingerprintDomain = "ihub-master-key-fingerprint\x00"

// ErrWrongMasterKey is wrapped by the error Unwrap returns when a wrapped data
// key cannot be authenticated: the master key is not the one that wrapped it,
// or the blob was altered, or it belongs to another key id.
var ErrWrongMasterKey = errors.New("secret: wrong master key or corrupted data key")

// MasterKey is the key-encryption key: it wraps and unwraps the data keys of
// the keyring and never encrypts user data itself. Obtain one from
// ParseMasterKey. The zero value holds no key; Wrap and Unwrap refuse it.
//
// A MasterKey is immutable and safe for concurrent use. Like Value, it masks
// itself in String, GoString, MarshalJSON, MarshalText and LogValue, so it is
// safe to pass to a logger or a formatter by mistake.
type MasterKey struct {
	// k is a pointer so that no formatting verb (even %d or %x through
	// reflection) can reach the key bytes; at worst it prints an address.
	k *masterKey
}

type masterKey struct {
	aead        cipher.AEAD
	fingerprint string
}

// GenerateMasterKey returns a new random master key in its text form,
// MasterKeyPrefix followed by 32 random bytes in unpadded URL-safe base64. The
// result is suitable for IHUB_MASTER_KEY or a key file, and ParseMasterKey
// accepts it.
func GenerateMasterKey() (string, error) {
	var b [keySize]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("secret: generate master key: %w", err)
	}
	return MasterKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

const masterKeyFormat = "secret: master key must be 32 bytes encoded as " + MasterKeyPrefix + "<base64>"

// ParseMasterKey parses a master key from its text form. Surrounding
// whitespace, such as the newline that ends a key file, is ignored. It
// accepts the MasterKeyPrefix form written by GenerateMasterKey and, for keys
// made by other tools (such as `openssl rand -base64 32`), plain standard or
// URL-safe base64, padded or not, of exactly 32 bytes.
//
// Error messages describe what is wrong (length, encoding) and never contain
// the input or any part of it.
func ParseMasterKey(s string) (MasterKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return MasterKey{}, errors.New(masterKeyFormat + "; got an empty string")
	}
	var (
		raw []byte
		err error
	)
	if rest, ok := strings.CutPrefix(s, MasterKeyPrefix); ok {
		// Tolerate padding added by hand.
		raw, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(rest, "="))
	} else {
		raw, err = decodeAnyBase64(s)
	}
	if err != nil {
		// The decoder's error is dropped on purpose: it adds nothing a user
		// can act on, and the message must never carry key material.
		return MasterKey{}, errors.New(masterKeyFormat + ": not valid base64")
	}
	defer clear(raw)
	if len(raw) != keySize {
		return MasterKey{}, fmt.Errorf(masterKeyFormat+"; got %d bytes", len(raw))
	}
	return newMasterKey(raw)
}

// decodeAnyBase64 decodes s as standard or URL-safe base64, padded or not.
func decodeAnyBase64(s string) ([]byte, error) {
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	return enc.DecodeString(strings.TrimRight(s, "="))
}

func newMasterKey(raw []byte) (MasterKey, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return MasterKey{}, fmt.Errorf("secret: master key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return MasterKey{}, fmt.Errorf("secret: master key: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(fingerprintDomain))
	h.Write(raw)
	sum := h.Sum(nil)
	return MasterKey{k: &masterKey{aead: aead, fingerprint: hex.EncodeToString(sum[:4])}}, nil
}

// IsZero reports whether m holds no key.
func (m MasterKey) IsZero() bool { return m.k == nil }

// Fingerprint returns 8 lowercase hex characters that identify the key
// without revealing it: the start of SHA-256 over a domain-separation string
// and the key. It is safe to log and to store, so that a server started with
// the wrong master key can say so plainly. It returns "" for the zero
// MasterKey.
func (m MasterKey) Fingerprint() string {
	if m.k == nil {
		return ""
	}
	return m.k.fingerprint
}

// Wrap encrypts the data key dek (32 bytes) under the master key for storage
// in the vault_keys row keyID, binding it to that id: the additional data is
// "ihub/vault_keys/" + keyID, so a wrapped key copied to another row does not
// unwrap. The result is version byte 0x01 | 12-byte random nonce | AES-256-GCM
// ciphertext and tag, 61 bytes in all.
func (m MasterKey) Wrap(keyID string, dek []byte) ([]byte, error) {
	if m.k == nil {
		return nil, errors.New("secret: wrap data key: master key is not set")
	}
	if err := checkKeyID(keyID); err != nil {
		return nil, fmt.Errorf("secret: wrap data key: %w", err)
	}
	if len(dek) != keySize {
		return nil, fmt.Errorf("secret: wrap data key %q: data key must be %d bytes, got %d", keyID, keySize, len(dek))
	}
	out := make([]byte, 1+nonceSize, wrappedSize)
	out[0] = wrapVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("secret: wrap data key %q: %w", keyID, err)
	}
	return m.k.aead.Seal(out, out[1:], dek, wrapAAD(keyID)), nil
}

// Unwrap reverses Wrap for the vault_keys row keyID and returns the 32-byte
// data key. If the blob does not authenticate — another master key wrapped
// it, it was altered, or it was wrapped for another key id — the error wraps
// ErrWrongMasterKey. A blob that does not have the shape of a wrapped key
// (wrong length or version) gives an error wrapping ErrMalformed.
func (m MasterKey) Unwrap(keyID string, wrapped []byte) ([]byte, error) {
	if m.k == nil {
		return nil, errors.New("secret: unwrap data key: master key is not set")
	}
	if err := checkKeyID(keyID); err != nil {
		return nil, fmt.Errorf("secret: unwrap data key: %w", err)
	}
	if len(wrapped) != wrappedSize {
		return nil, fmt.Errorf("secret: unwrap data key %q: %w: %d bytes, want %d", keyID, ErrMalformed, len(wrapped), wrappedSize)
	}
	if wrapped[0] != wrapVersion {
		return nil, fmt.Errorf("secret: unwrap data key %q: %w: unknown version %d", keyID, ErrMalformed, wrapped[0])
	}
	dek, err := m.k.aead.Open(nil, wrapped[1:1+nonceSize], wrapped[1+nonceSize:], wrapAAD(keyID))
	if err != nil {
		return nil, fmt.Errorf("secret: unwrap data key %q: %w", keyID, ErrWrongMasterKey)
	}
	return dek, nil
}

func wrapAAD(keyID string) []byte { return []byte(wrapAADPrefix + keyID) }

// NewDataKey returns a new random 32-byte data encryption key, to be wrapped
// with MasterKey.Wrap for storage and added to a Keyring.
func NewDataKey() ([]byte, error) {
	dek := make([]byte, keySize)
	if _, err := rand.Read(dek); err != nil {
		return nil, fmt.Errorf("secret: new data key: %w", err)
	}
	return dek, nil
}

func (m MasterKey) String() string               { return redacted }
func (m MasterKey) GoString() string             { return redacted }
func (m MasterKey) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (m MasterKey) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
func (m MasterKey) MarshalText() ([]byte, error) { return []byte(redacted), nil }
