package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ihub/internal/integration"
	"ihub/internal/store/internal/pgdb"

	"ihub/internal/secret"
	"ihub/internal/store/internal/sqlitedb"
	"ihub/internal/webhook"
)

// VaultKey is a data key as stored: wrapped by the master key.
type VaultKey struct {
	ID                string
	Primary           bool
	CreatedAt         time.Time
	MasterFingerprint string
	// Sealed counts the values sealed with this key.
	Sealed int64
}

// ErrWrongMasterKey is returned by LoadKeyring when the data keys in the
// database were wrapped by another master key.
var ErrWrongMasterKey = errors.New("store: the master key does not match this database")

// LoadKeyring unwraps every data key with the master key and returns the
// keyring. On a database with no keys yet it creates the first one. A
// master key that cannot unwrap the stored keys is ErrWrongMasterKey, with
// the fingerprint of the key that can (fingerprints are safe to show).
func (db *DB) LoadKeyring(ctx context.Context, master secret.MasterKey) (*secret.Keyring, error) {
	rows, err := db.qw.ListVaultKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: vault keys: %w", err)
	}
	if len(rows) == 0 {
		if _, err := db.addVaultKey(ctx, master, "k1"); err != nil && !isUnique(err) {
			return nil, err
		}
		// Another replica may have created k1 at the same time: re-read.
		if rows, err = db.qw.ListVaultKeys(ctx); err != nil {
			return nil, fmt.Errorf("store: vault keys: %w", err)
		}
	}
	kr := secret.NewKeyring()
	for _, r := range rows {
		dek, err := master.Unwrap(r.ID, r.Wrapped)
		if err != nil {
			if errors.Is(err, secret.ErrWrongMasterKey) {
				return nil, fmt.Errorf("%w: data key %s was wrapped by master key %s, this one is %s; start ihub with the master key this database was created with (IHUB_MASTER_KEY or --master-key-file)",
					ErrWrongMasterKey, r.ID, r.MasterFingerprint, master.Fingerprint())
			}
			return nil, fmt.Errorf("store: unwrap data key %s: %w", r.ID, err)
		}
		if err := kr.Add(r.ID, dek); err != nil {
			return nil, fmt.Errorf("store: data key %s: %w", r.ID, err)
		}
		if r.IsPrimary {
			if err := kr.SetPrimary(r.ID); err != nil {
				return nil, fmt.Errorf("store: data key %s: %w", r.ID, err)
			}
		}
	}
	if kr.Primary() == "" {
		return nil, errors.New("store: no primary data key; the vault_keys table was edited by hand")
	}
	return kr, nil
}

// addVaultKey creates a data key, wraps it and makes it primary.
func (db *DB) addVaultKey(ctx context.Context, master secret.MasterKey, id string) (string, error) {
	dek, err := secret.NewDataKey()
	if err != nil {
		return "", fmt.Errorf("store: new data key: %w", err)
	}
	wrapped, err := master.Wrap(id, dek)
	if err != nil {
		return "", fmt.Errorf("store: wrap data key: %w", err)
	}
	err = db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		if err := q.ClearPrimaryVaultKey(ctx); err != nil {
			return err
		}
		return q.InsertVaultKey(ctx, sqlitedb.InsertVaultKeyParams{ID: id, Wrapped: wrapped, MasterFingerprint: master.Fingerprint(),
			IsPrimary: true, CreatedAt: ms(db.now())})
	})
	if err != nil {
		return "", fmt.Errorf("store: add data key: %w", err)
	}
	return id, nil
}

// VaultKeys lists the data keys with how many values each seals.
func (db *DB) VaultKeys(ctx context.Context) ([]VaultKey, error) {
	rows, err := db.qr.ListVaultKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: vault keys: %w", err)
	}
	counts, err := db.qr.CountCredentialsByKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: vault keys: %w", err)
	}
	byKey := map[string]int64{}
	for _, c := range counts {
		byKey[c.KeyID] = c.N
	}
	for _, col := range sealedColumns {
		r, err := db.query(ctx, `SELECT `+col.keyID+`, COUNT(*) FROM `+col.table+` WHERE `+col.ciphertext+` IS NOT NULL GROUP BY `+col.keyID)
		if err != nil {
			return nil, fmt.Errorf("store: vault keys: %w", err)
		}
		for r.Next() {
			var k string
			var n int64
			if err := r.Scan(&k, &n); err != nil {
				r.Close()
				return nil, err
			}
			byKey[k] += n
		}
		r.Close()
		if err := r.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]VaultKey, len(rows))
	for i, r := range rows {
		out[i] = VaultKey{ID: r.ID, Primary: r.IsPrimary, CreatedAt: fromMS(r.CreatedAt), MasterFingerprint: r.MasterFingerprint, Sealed: byKey[r.ID]}
	}
	return out, nil
}

// Vault seals and opens values with the database's keyring. It notices a
// rotation done elsewhere (by `ihub keys rotate` or another replica): Open
// reloads the keyring when it meets an unknown key id, and Seal re-reads
// the keys at most every 10 seconds so that new values use the new primary.
type Vault struct {
	db      *DB
	master  secret.MasterKey
	mu      sync.Mutex // serializes reloads
	kr      atomic.Pointer[secret.Keyring]
	checked atomic.Int64 // unix ms of the last reload
}

// OpenVault loads the keyring (creating the first data key on a new
// database) and returns the vault.
func (db *DB) OpenVault(ctx context.Context, master secret.MasterKey) (*Vault, error) {
	v := &Vault{db: db, master: master}
	if err := v.reload(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *Vault) reload(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	kr, err := v.db.LoadKeyring(ctx, v.master)
	if err != nil {
		return err
	}
	v.kr.Store(kr)
	v.checked.Store(ms(v.db.now()))
	return nil
}

// Keyring returns the current keyring.
func (v *Vault) Keyring() *secret.Keyring { return v.kr.Load() }

// Seal seals plaintext with the current primary key.
func (v *Vault) Seal(aad, plaintext []byte) ([]byte, error) {
	if ms(v.db.now())-v.checked.Load() > VaultReloadInterval.Milliseconds() {
		if err := v.reload(context.Background()); err != nil {
			v.db.log.Warn("could not refresh the vault keyring; sealing with the key in memory", "error", err)
			v.checked.Store(ms(v.db.now()))
		}
	}
	return v.kr.Load().Seal(aad, plaintext)
}

// Open opens a sealed value, reloading the keyring once if the value was
// sealed with a key this process has not seen.
func (v *Vault) Open(aad, sealed []byte) ([]byte, error) {
	pt, err := v.kr.Load().Open(aad, sealed)
	if errors.Is(err, secret.ErrUnknownKey) {
		if rerr := v.reload(context.Background()); rerr != nil {
			return nil, rerr
		}
		return v.kr.Load().Open(aad, sealed)
	}
	return pt, err
}

// RotateResult reports a key rotation.
type RotateResult struct {
	NewKeyID   string
	PreviousID string
	Resealed   int64
	Duration   time.Duration
}

// RotateKey adds a data key, makes it primary, and re-seals every value
// sealed with an older key, batchSize values per transaction, while servers
// may be running (they pick the new key up as Vault describes). A value
// changed concurrently is skipped by the key-id compare in
// ResealCredential, and found again by the next batch if it still needs it.
func (db *DB) RotateKey(ctx context.Context, v *Vault, batchSize int) (RotateResult, error) {
	start := db.now()
	if batchSize <= 0 {
		batchSize = 1000
	}
	keys, err := db.qw.ListVaultKeys(ctx)
	if err != nil {
		return RotateResult{}, fmt.Errorf("store: vault keys: %w", err)
	}
	next := 1
	for _, k := range keys {
		if n, err := strconv.Atoi(strings.TrimPrefix(k.ID, "k")); err == nil && n >= next {
			next = n + 1
		}
	}
	id := "k" + strconv.Itoa(next)
	res := RotateResult{NewKeyID: id, PreviousID: v.Keyring().Primary()}
	if _, err := db.addVaultKey(ctx, v.master, id); err != nil {
		if isUnique(err) {
			return res, errors.New("store: another key rotation is running")
		}
		return res, err
	}
	if err := v.reload(ctx); err != nil {
		return res, err
	}
	n, err := db.ResealRemaining(ctx, v, batchSize)
	res.Resealed = n
	res.Duration = db.now().Sub(start)
	return res, err
}

// VaultReloadInterval bounds how long a running server keeps sealing with
// a key that is no longer primary (Vault.Seal re-reads the keys this often).
const VaultReloadInterval = 10 * time.Second

// ResealRemaining re-seals, with the primary key, every value still sealed
// with another one, and returns how many it changed. `ihub keys rotate`
// runs it again once VaultReloadInterval has passed after a rotation, to
// catch values that servers sealed with the old key in the meantime.
func (db *DB) ResealRemaining(ctx context.Context, v *Vault, batchSize int) (int64, error) {
	if batchSize <= 0 {
		batchSize = 1000
	}
	if err := v.reload(ctx); err != nil {
		return 0, err
	}
	primary := v.Keyring().Primary()
	var total int64
	for {
		attempted, changed, err := db.resealBatch(ctx, v.Keyring(), primary, batchSize)
		if err != nil {
			return total, err
		}
		total += changed
		if attempted == 0 {
			break
		}
	}
	for _, col := range sealedColumns {
		for {
			attempted, changed, err := db.resealColumn(ctx, v.Keyring(), primary, col, batchSize)
			if err != nil {
				return total, err
			}
			total += changed
			if attempted == 0 {
				break
			}
		}
	}
	return total, nil
}

// sealedColumn is a sealed value outside integration_credentials: its
// table, columns and the additional data it was sealed with.
type sealedColumn struct {
	table, ciphertext, keyID string
	aad                      func(id string) []byte
}

// sealedColumns are the webhook endpoints' current and previous secrets,
// and the subscriptions' signing secrets and NATS credentials (ids are the
// tables' "id").
var sealedColumns = []sealedColumn{
	{"webhook_endpoints", "secret_ciphertext", "secret_key_id", func(id string) []byte { return webhook.SecretAAD(id, "secret") }},
	{"webhook_endpoints", "prev_secret_ciphertext", "prev_secret_key_id", func(id string) []byte { return webhook.SecretAAD(id, "previous") }},
	{"subscriptions", "secret_ciphertext", "secret_key_id", func(id string) []byte { return webhook.SecretAAD(id, "subscription") }},
	{"subscriptions", "target_secret_ciphertext", "target_secret_key_id", webhook.TargetSecretAAD},
}

// checkPrimary fails if a key other than primary became primary (another
// rotation started): re-sealing must not go back to an older key.
func checkPrimary(ctx context.Context, q sqlitedb.Querier, primary string) error {
	keys, err := q.ListVaultKeys(ctx)
	if err != nil {
		return fmt.Errorf("store: rotate: %w", err)
	}
	for _, k := range keys {
		if k.IsPrimary && k.ID != primary {
			return fmt.Errorf("store: rotate: key %s became primary during this rotation (another rotation is running); run `ihub keys rotate` again once it ends", k.ID)
		}
	}
	return nil
}

// resealColumn is resealBatch for one sealedColumn.
func (db *DB) resealColumn(ctx context.Context, kr *secret.Keyring, primary string, col sealedColumn, batchSize int) (int64, int64, error) {
	var attempted, changed int64
	err := db.inRawTx(ctx, func(t rawTx) error {
		if err := checkPrimary(ctx, t.q, primary); err != nil {
			return err
		}
		r, err := t.query(ctx, `SELECT id, `+col.ciphertext+`, `+col.keyID+` FROM `+col.table+`
 WHERE `+col.ciphertext+` IS NOT NULL AND `+col.keyID+` <> ? ORDER BY id LIMIT ?`, primary, batchSize)
		if err != nil {
			return fmt.Errorf("store: rotate %s.%s: %w", col.table, col.ciphertext, err)
		}
		type row struct {
			id, keyID string
			ct        []byte
		}
		var rows []row
		for r.Next() {
			var x row
			if err := r.Scan(&x.id, &x.ct, &x.keyID); err != nil {
				r.Close()
				return err
			}
			rows = append(rows, x)
		}
		r.Close()
		if err := r.Err(); err != nil {
			return err
		}
		ss := make([]stmt, 0, len(rows))
		for _, x := range rows {
			pt, err := kr.Open(col.aad(x.id), x.ct)
			if err != nil {
				return fmt.Errorf("store: rotate: open %s %s: %w", col.table, x.id, err)
			}
			ct, err := kr.Seal(col.aad(x.id), pt)
			clear(pt)
			if err != nil {
				return fmt.Errorf("store: rotate: seal: %w", err)
			}
			// Skipped if the value changed meanwhile (the key id differs).
			ss = append(ss, stmt{`UPDATE ` + col.table + ` SET ` + col.ciphertext + ` = ?, ` + col.keyID + ` = ?
 WHERE id = ? AND ` + col.keyID + ` = ?`, []any{ct, primary, x.id, x.keyID}})
		}
		// A value changed meanwhile is counted but left alone; if it is
		// still on an old key, the next batch finds it again.
		attempted, changed = int64(len(rows)), int64(len(rows))
		return t.execAll(ctx, ss)
	})
	return attempted, changed, err
}

// resealBatch re-seals up to batchSize values not sealed with primary and
// returns how many it found and how many it changed (a value changed
// concurrently is skipped; the next batch finds it again if it must).
func (db *DB) resealBatch(ctx context.Context, kr *secret.Keyring, primary string, batchSize int) (int64, int64, error) {
	var attempted, changed int64
	err := db.inTx(ctx, func(q sqlitedb.Querier, native any) error {
		// Another rotation may have made a newer key primary since this one
		// started: stop rather than re-seal values back to an older key.
		if err := checkPrimary(ctx, q, primary); err != nil {
			return err
		}
		rows, err := q.ListCredentialsNotSealedWith(ctx, sqlitedb.ListCredentialsNotSealedWithParams{KeyID: primary, Lim: int64(batchSize)})
		if err != nil {
			return fmt.Errorf("store: rotate: %w", err)
		}
		batch := pgdb.ResealCredentialsParams{NewKeyID: primary}
		for _, r := range rows {
			aad := integration.CredentialAAD(r.IntegrationID, r.Field)
			pt, err := kr.Open(aad, r.Ciphertext)
			if err != nil {
				return fmt.Errorf("store: rotate: open %s/%s: %w", r.IntegrationID, r.Field, err)
			}
			ct, err := kr.Seal(aad, pt)
			clear(pt)
			if err != nil {
				return fmt.Errorf("store: rotate: seal: %w", err)
			}
			if kid, err := secret.KeyIDOf(ct); err != nil || kid != primary {
				return fmt.Errorf("store: rotate: sealed with key %q, not the new primary %s", kid, primary)
			}
			if _, isPG := native.(pgx.Tx); isPG {
				// PostgreSQL: one UPDATE for the batch (below), not a
				// round trip per row.
				batch.IntegrationIds = append(batch.IntegrationIds, r.IntegrationID)
				batch.Fields = append(batch.Fields, r.Field)
				batch.Ciphertexts = append(batch.Ciphertexts, ct)
				batch.OldKeyIds = append(batch.OldKeyIds, r.KeyID)
			} else {
				n, err := q.ResealCredential(ctx, sqlitedb.ResealCredentialParams{Ciphertext: ct, NewKeyID: primary,
					IntegrationID: r.IntegrationID, Field: r.Field, OldKeyID: r.KeyID})
				if err != nil {
					return fmt.Errorf("store: rotate: %w", err)
				}
				changed += n
			}
			attempted++
		}
		if tx, ok := native.(pgx.Tx); ok && len(batch.Fields) > 0 {
			n, err := pgdb.New(tx).ResealCredentials(ctx, batch)
			if err != nil {
				return fmt.Errorf("store: rotate: %w", err)
			}
			changed += n
		}
		return nil
	})
	return attempted, changed, err
}
