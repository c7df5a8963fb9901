package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Envelope layout. A sealed value is
//
//	version (1 byte, 0x01) | len(keyID) (1 byte) | keyID | nonce (12 bytes) | ciphertext | tag (16 bytes)
//
// and the additional data given to AES-256-GCM is the header followed by the
// caller's AAD:
//
//	version | len(keyID) | keyID | aad
//
// so the version and the key id are authenticated too: changing either makes
// Open fail. Because the header is length-prefixed, the split between it and
// the caller's AAD is unambiguous.
const (
	envelopeVersion = 0x01
	nonceSize       = 12
	tagSize         = 16
	maxKeyIDLen     = 32
	// minEnvelope is the size of a sealed empty value under a 1-char key id.
	minEnvelope = 2 + 1 + nonceSize + tagSize
)

var (
	// ErrNoPrimaryKey is returned by Seal when the keyring has no primary key.
	ErrNoPrimaryKey = errors.New("secret: keyring has no primary key")
	// ErrMalformed is wrapped by errors for input that is not an envelope (or
	// a wrapped data key) at all: too short, unknown version, bad lengths.
	ErrMalformed = errors.New("secret: malformed envelope")
	// ErrUnknownKey is wrapped by Open's error when the envelope names a key
	// id the keyring does not hold. The message includes the id, which is not
	// secret.
	ErrUnknownKey = errors.New("secret: unknown key id")
	// ErrDecrypt is wrapped by Open's error when the envelope does not
	// authenticate: the AAD differs from the one it was sealed with (another
	// table, column or row), or a byte was altered.
	ErrDecrypt = errors.New("secret: decryption failed (wrong aad or tampered value)")
)

// Keyring holds the data keys, each under a key id, and names one of them
// primary. Seal encrypts with the primary key and records its id in the
// envelope; Open decrypts with whichever key the envelope names, so values
// sealed before a rotation keep opening after SetPrimary moves to a new key.
//
// A Keyring is safe for concurrent use. Seal and Open take no lock: they read
// an immutable snapshot that Add and SetPrimary replace atomically. The zero
// value is an empty keyring, ready to use.
type Keyring struct {
	mu    sync.Mutex // serialises writers; readers use state only
	state atomic.Pointer[ringState]
}

// ringState is an immutable snapshot of a keyring.
type ringState struct {
	keys    map[string]*dataKey
	primary *dataKey
}

type dataKey struct {
	id     string
	header []byte // version | len(id) | id, the envelope prefix
	aead   cipher.AEAD
	raw    []byte // kept only to tell a repeated Add from a conflicting one
}

var emptyRing = &ringState{}

// NewKeyring returns an empty keyring. Add keys, then SetPrimary before Seal.
func NewKeyring() *Keyring { return &Keyring{} }

func (k *Keyring) load() *ringState {
	if s := k.state.Load(); s != nil {
		return s
	}
	return emptyRing
}

// Add puts the 32-byte data key dek into the keyring under id, which must be
// 1 to 32 characters from [A-Za-z0-9_-]. Adding an id again with the same key
// does nothing; adding it with a different key is an error. Add does not
// change the primary key. The keyring keeps its own copy of dek.
func (k *Keyring) Add(id string, dek []byte) error {
	if err := checkKeyID(id); err != nil {
		return fmt.Errorf("secret: add key: %w", err)
	}
	if len(dek) != keySize {
		return fmt.Errorf("secret: add key %q: data key must be %d bytes, got %d", id, keySize, len(dek))
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.load()
	if dk, ok := old.keys[id]; ok {
		if subtle.ConstantTimeCompare(dk.raw, dek) == 1 {
			return nil
		}
		return fmt.Errorf("secret: add key %q: id already holds a different key", id)
	}
	block, err := aes.NewCipher(dek)
	if err != nil {
		return fmt.Errorf("secret: add key %q: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("secret: add key %q: %w", id, err)
	}
	header := make([]byte, 0, 2+len(id))
	header = append(header, envelopeVersion, byte(len(id)))
	header = append(header, id...)
	dk := &dataKey{id: id, header: header, aead: aead, raw: slices.Clone(dek)}

	next := &ringState{keys: make(map[string]*dataKey, len(old.keys)+1), primary: old.primary}
	for kid, v := range old.keys {
		next.keys[kid] = v
	}
	next.keys[id] = dk
	k.state.Store(next)
	return nil
}

// SetPrimary makes the key id the one Seal uses. The id must have been added.
func (k *Keyring) SetPrimary(id string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.load()
	dk, ok := old.keys[id]
	if !ok {
		return fmt.Errorf("secret: set primary %q: %w", id, ErrUnknownKey)
	}
	k.state.Store(&ringState{keys: old.keys, primary: dk})
	return nil
}

// Primary returns the id of the primary key, or "" if none is set.
func (k *Keyring) Primary() string {
	if p := k.load().primary; p != nil {
		return p.id
	}
	return ""
}

// Has reports whether the keyring holds a key with this id.
func (k *Keyring) Has(id string) bool {
	_, ok := k.load().keys[id]
	return ok
}

// IDs returns the ids of all keys in the keyring, sorted. The slice is the
// caller's to keep.
func (k *Keyring) IDs() []string {
	s := k.load()
	ids := make([]string, 0, len(s.keys))
	for id := range s.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Seal encrypts plaintext with the primary key and returns the envelope
// described at the top of this file. aad binds the value to where it is
// stored — build it with AAD — and the same aad must be given to Open. Each
// call uses a fresh random nonce, so sealing the same value twice gives
// different envelopes. Seal returns ErrNoPrimaryKey if no primary key is set.
func (k *Keyring) Seal(aad, plaintext []byte) ([]byte, error) {
	dk := k.load().primary
	if dk == nil {
		return nil, ErrNoPrimaryKey
	}
	hl := len(dk.header)
	out := make([]byte, hl+nonceSize, hl+nonceSize+len(plaintext)+tagSize)
	copy(out, dk.header)
	nonce := out[hl : hl+nonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secret: seal: %w", err)
	}
	full := getAAD(dk.header, aad)
	out = dk.aead.Seal(out, nonce, plaintext, *full)
	putAAD(full)
	return out, nil
}

// Open decrypts an envelope made by Seal, given the same aad. It never
// returns unauthenticated plaintext. Its errors wrap ErrMalformed (the input
// is not an envelope), ErrUnknownKey (the key id is not in the keyring; the
// message names the id) or ErrDecrypt (wrong aad, or the envelope was
// altered).
func (k *Keyring) Open(aad, sealed []byte) ([]byte, error) {
	id, err := parseHeader(sealed)
	if err != nil {
		return nil, err
	}
	// The conversion in a map index does not allocate.
	dk, ok := k.load().keys[string(id)]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	hl := len(dk.header)
	nonce := sealed[hl : hl+nonceSize]
	ct := sealed[hl+nonceSize:]
	full := getAAD(dk.header, aad)
	pt, err := dk.aead.Open(make([]byte, 0, len(ct)-tagSize), nonce, ct, *full)
	putAAD(full)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// KeyIDOf returns the key id recorded in an envelope, without decrypting it,
// so that rotation can find values still sealed with an old key. It checks
// only the envelope's shape: a forged envelope can name any id. Its errors
// wrap ErrMalformed.
func KeyIDOf(sealed []byte) (string, error) {
	id, err := parseHeader(sealed)
	if err != nil {
		return "", err
	}
	return string(id), nil
}

// parseHeader checks the envelope's shape and returns its key id, aliasing
// sealed.
func parseHeader(sealed []byte) ([]byte, error) {
	if len(sealed) < minEnvelope {
		return nil, fmt.Errorf("%w: too short (%d bytes)", ErrMalformed, len(sealed))
	}
	if sealed[0] != envelopeVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrMalformed, sealed[0])
	}
	n := int(sealed[1])
	if n == 0 || n > maxKeyIDLen {
		return nil, fmt.Errorf("%w: key id length %d", ErrMalformed, n)
	}
	if len(sealed) < 2+n+nonceSize+tagSize {
		return nil, fmt.Errorf("%w: too short (%d bytes)", ErrMalformed, len(sealed))
	}
	id := sealed[2 : 2+n]
	for _, c := range id {
		if !isKeyIDChar(c) {
			return nil, fmt.Errorf("%w: invalid key id", ErrMalformed)
		}
	}
	return id, nil
}

// AAD returns the additional data that binds a sealed value to its place in
// the database: table, column and row joined by NUL bytes,
// table + "\x00" + column + "\x00" + row. The separators keep ("ab", "c")
// and ("a", "bc") apart; the parts must therefore not contain NUL
// themselves, which holds for table and column names and generated row ids.
func AAD(table, column, row string) []byte {
	b := make([]byte, 0, len(table)+len(column)+len(row)+2)
	b = append(b, table...)
	b = append(b, 0)
	b = append(b, column...)
	b = append(b, 0)
	b = append(b, row...)
	return b
}

// checkKeyID reports whether id is a valid key id: 1 to 32 characters from
// [A-Za-z0-9_-]. The message does not quote an invalid id, which may be
// anything.
func checkKeyID(id string) error {
	if id == "" || len(id) > maxKeyIDLen {
		return fmt.Errorf("key id must be 1 to %d characters, got %d", maxKeyIDLen, len(id))
	}
	for i := range len(id) {
		if !isKeyIDChar(id[i]) {
			return errors.New("key id may contain only A-Z, a-z, 0-9, '_' and '-'")
		}
	}
	return nil
}

func isKeyIDChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// aadPool recycles the buffers that hold header|aad, the additional data given
// to GCM, so that Seal and Open allocate only their output.
var aadPool = sync.Pool{New: func() any { b := make([]byte, 0, 128); return &b }}

// maxPooledAAD bounds the buffers returned to aadPool, so one huge AAD does
// not stay pinned in memory.
const maxPooledAAD = 1024

func getAAD(header, aad []byte) *[]byte {
	p := aadPool.Get().(*[]byte)
	*p = append(append((*p)[:0], header...), aad...)
	return p
}

func putAAD(p *[]byte) {
	if cap(*p) > maxPooledAAD {
		return
	}
	*p = (*p)[:0]
	aadPool.Put(p)
}
