package store_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/secret"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// clock is a settable clock for store.Options.Now.
type clock struct{ ms atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ms.Store(t.UnixMilli())
	return c
}

func (c *clock) Now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *clock) Advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// plaintexts maps "integrationID/field" to the plaintext sealed there.
type plaintexts map[string]string

// seedSealed creates n integrations with the given fields, each value
// sealed with v, and returns the plaintexts.
func seedSealed(t *testing.T, db *store.DB, v *store.Vault, n int, fields ...string) plaintexts {
	t.Helper()
	pts := plaintexts{}
	for i := range n {
		in := newIntegration(i+1, fmt.Sprintf("sealed-%d", i+1))
		cs := make([]integration.SealedCredential, 0, len(fields))
		for _, f := range fields {
			pt := fmt.Sprintf("secret %s of %d", f, i+1)
			cs = append(cs, seal(t, v, in.ID, f, pt, t0))
			pts[in.ID+"/"+f] = pt
		}
		in.Credentials = credMeta(cs)
		mustCreate(t, db, in, cs)
	}
	return pts
}

// openAll opens every stored credential with v and compares it with pts; it
// returns how many values each key seals.
func openAll(t *testing.T, db *store.DB, v *store.Vault, pts plaintexts) map[string]int64 {
	t.Helper()
	ins, err := db.ListIntegrations(t.Context(), integration.Filter{Limit: 10000})
	if err != nil {
		t.Fatalf("ListIntegrations = %v", err)
	}
	byKey := map[string]int64{}
	got := plaintexts{}
	for _, in := range ins {
		for _, c := range mustCreds(t, db, in.ID) {
			kid, err := secret.KeyIDOf(c.Ciphertext)
			if err != nil {
				t.Fatalf("KeyIDOf(%s/%s) = %v", in.ID, c.Field, err)
			}
			if kid != c.KeyID {
				t.Errorf("%s/%s: key_id column %q, envelope says %q", in.ID, c.Field, c.KeyID, kid)
			}
			byKey[kid]++
			pt, err := v.Open(integration.CredentialAAD(in.ID, c.Field), c.Ciphertext)
			if err != nil {
				t.Errorf("Open(%s/%s) = %v", in.ID, c.Field, err)
				continue
			}
			got[in.ID+"/"+c.Field] = string(pt)
		}
	}
	if diff := cmp.Diff(pts, got); diff != "" {
		t.Errorf("opened values mismatch (-want +got):\n%s", diff)
	}
	return byKey
}

func vaultKeys(t *testing.T, db *store.DB) []store.VaultKey {
	t.Helper()
	ks, err := db.VaultKeys(t.Context())
	if err != nil {
		t.Fatalf("VaultKeys = %v", err)
	}
	return ks
}

var vaultKeyOpts = cmpopts.IgnoreFields(store.VaultKey{}, "CreatedAt")

func TestOpenVaultCreatesFirstKey(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		opts := e.Options(t)
		clk := newClock(t0)
		opts.Now = clk.Now
		db := openStore(t, opts)
		if got := vaultKeys(t, db); len(got) != 0 {
			t.Fatalf("VaultKeys on a new database = %v, want none", got)
		}
		m, _ := newMaster(t)
		v, err := db.OpenVault(t.Context(), m)
		if err != nil {
			t.Fatalf("OpenVault = %v", err)
		}
		want := []store.VaultKey{{ID: "k1", Primary: true, CreatedAt: t0, MasterFingerprint: m.Fingerprint()}}
		if diff := cmp.Diff(want, vaultKeys(t, db)); diff != "" {
			t.Errorf("VaultKeys mismatch (-want +got):\n%s", diff)
		}
		if got := v.Keyring().Primary(); got != "k1" {
			t.Errorf("Keyring().Primary() = %q, want k1", got)
		}
		// Opening again (a restart) loads k1 instead of adding a key.
		if _, err := db.OpenVault(t.Context(), m); err != nil {
			t.Fatalf("OpenVault again = %v", err)
		}
		if diff := cmp.Diff(want, vaultKeys(t, db)); diff != "" {
			t.Errorf("VaultKeys after reopening mismatch (-want +got):\n%s", diff)
		}

		pts := seedSealed(t, db, v, 3, "password", "token")
		if got, want := openAll(t, db, v, pts), map[string]int64{"k1": 6}; !cmp.Equal(got, want) {
			t.Errorf("values by key = %v, want %v", got, want)
		}
		want[0].Sealed = 6
		if diff := cmp.Diff(want, vaultKeys(t, db)); diff != "" {
			t.Errorf("VaultKeys after sealing mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestOpenVaultConcurrently(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		// Several replicas starting on a new database at once: all must
		// agree on the one k1.
		opts := e.Options(t)
		const replicas = 4
		dbs := make([]*store.DB, replicas)
		for i := range dbs {
			dbs[i] = openStore(t, opts)
		}
		m, _ := newMaster(t)
		vaults := make([]*store.Vault, replicas)
		errs := make([]error, replicas)
		var wg sync.WaitGroup
		for i := range dbs {
			wg.Go(func() { vaults[i], errs[i] = dbs[i].OpenVault(t.Context(), m) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("OpenVault on replica %d = %v", i, err)
			}
		}
		ks := vaultKeys(t, dbs[0])
		if len(ks) != 1 || ks[0].ID != "k1" || !ks[0].Primary {
			t.Fatalf("VaultKeys = %+v, want k1 alone, primary", ks)
		}
		// A value sealed by one replica opens on every other.
		pts := seedSealed(t, dbs[0], vaults[0], 1, "token")
		for i := 1; i < replicas; i++ {
			openAll(t, dbs[i], vaults[i], pts)
		}
	})
}

func TestRotateKey(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		opts := e.Options(t)
		clk := newClock(t0)
		opts.Now = clk.Now
		db := openStore(t, opts)
		m, _ := newMaster(t)
		v, err := db.OpenVault(t.Context(), m)
		if err != nil {
			t.Fatalf("OpenVault = %v", err)
		}
		const integrations, perIntegration = 25, 3
		pts := seedSealed(t, db, v, integrations, "apiKey", "password", "token")
		const n = integrations * perIntegration

		// A second server on the same database, started before the
		// rotation: it holds only k1.
		other := openStore(t, opts)
		ov, err := other.OpenVault(t.Context(), m)
		if err != nil {
			t.Fatalf("OpenVault (second server) = %v", err)
		}

		// A small batch size makes the rotation take several transactions.
		res, err := db.RotateKey(t.Context(), v, 7)
		if err != nil {
			t.Fatalf("RotateKey = %v", err)
		}
		if res.NewKeyID != "k2" || res.PreviousID != "k1" || res.Resealed != n {
			t.Errorf("RotateKey = %+v, want k2 replacing k1, %d resealed", res, n)
		}
		want := []store.VaultKey{
			{ID: "k1", MasterFingerprint: m.Fingerprint(), Sealed: 0},
			{ID: "k2", Primary: true, MasterFingerprint: m.Fingerprint(), Sealed: n},
		}
		if diff := cmp.Diff(want, vaultKeys(t, db), vaultKeyOpts); diff != "" {
			t.Errorf("VaultKeys after rotation mismatch (-want +got):\n%s", diff)
		}
		if got := openAll(t, db, v, pts); !cmp.Equal(got, map[string]int64{"k2": n}) {
			t.Errorf("values by key after rotation = %v, want all %d on k2", got, n)
		}
		if got := v.Keyring().Primary(); got != "k2" {
			t.Errorf("rotating vault's primary = %q, want k2", got)
		}

		// The second server meets k2 for the first time and reloads.
		if ov.Keyring().Has("k2") {
			t.Fatalf("second server knows k2 before opening a value sealed with it")
		}
		openAll(t, other, ov, pts)
		if !ov.Keyring().Has("k2") {
			t.Errorf("second server did not load k2 when opening a value sealed with it")
		}

		t.Run("a stale server seals with the new key after 10 s", func(t *testing.T) {
			third := openStore(t, opts)
			tv, err := third.OpenVault(t.Context(), m)
			if err != nil {
				t.Fatalf("OpenVault = %v", err)
			}
			if _, err := db.RotateKey(t.Context(), v, 0); err != nil {
				t.Fatalf("RotateKey = %v", err)
			}
			kidOf := func() string {
				ct, err := tv.Seal([]byte("aad"), []byte("x"))
				if err != nil {
					t.Fatalf("Seal = %v", err)
				}
				kid, err := secret.KeyIDOf(ct)
				if err != nil {
					t.Fatalf("KeyIDOf = %v", err)
				}
				return kid
			}
			if got := kidOf(); got != "k2" {
				t.Errorf("Seal right after another server's rotation used %q, want k2 (the keyring in memory)", got)
			}
			clk.Advance(11 * time.Second)
			if got := kidOf(); got != "k3" {
				t.Errorf("Seal 11 s after another server's rotation used %q, want k3", got)
			}
		})

		t.Run("rotating again", func(t *testing.T) {
			res, err := db.RotateKey(t.Context(), v, 1000)
			if err != nil {
				t.Fatalf("RotateKey = %v", err)
			}
			if res.NewKeyID != "k4" || res.Resealed != n {
				t.Errorf("RotateKey = %+v, want k4, %d resealed", res, n)
			}
			if got := openAll(t, db, v, pts); !cmp.Equal(got, map[string]int64{"k4": n}) {
				t.Errorf("values by key = %v, want all %d on k4", got, n)
			}
			openAll(t, other, ov, pts)
		})
	})
}

func TestRotateKeyUnopenableValue(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		v, _ := openVault(t, b.db)
		pts := seedSealed(t, b.db, v, 3, "token")
		// A value that cannot be opened: sealed for another row.
		in := newIntegration(9, "broken")
		bad := seal(t, v, "int_elsewhere", "token", "x", t0)
		mustCreate(t, b.db, in, []integration.SealedCredential{bad})

		if _, err := b.db.RotateKey(ctx, v, 1000); !errors.Is(err, secret.ErrDecrypt) {
			t.Errorf("RotateKey with an unopenable value = %v, want %v", err, secret.ErrDecrypt)
		}
		// The failed batch was rolled back: every value is still on k1
		// and still opens.
		ks := vaultKeys(t, b.db)
		byID := map[string]int64{}
		for _, k := range ks {
			byID[k.ID] = k.Sealed
		}
		if byID["k1"] != 4 {
			t.Errorf("values on k1 after a failed rotation = %d, want 4 (VaultKeys %+v)", byID["k1"], ks)
		}
		delete(pts, in.ID+"/token")
		for id, pt := range pts {
			intID, field, _ := strings.Cut(id, "/")
			for _, c := range mustCreds(t, b.db, intID) {
				if c.Field != field {
					continue
				}
				got, err := v.Open(integration.CredentialAAD(intID, field), c.Ciphertext)
				if err != nil || string(got) != pt {
					t.Errorf("Open(%s) after failed rotation = %q, %v; want %q", id, got, err, pt)
				}
			}
		}
	})
}

func TestWrongMasterKey(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		right, _ := newMaster(t)
		if _, err := b.db.OpenVault(t.Context(), right); err != nil {
			t.Fatalf("OpenVault = %v", err)
		}
		wrong, wrongText := newMaster(t)
		_, err := b.db.OpenVault(t.Context(), wrong)
		if !errors.Is(err, store.ErrWrongMasterKey) {
			t.Fatalf("OpenVault(wrong key) = %v, want %v", err, store.ErrWrongMasterKey)
		}
		msg := err.Error()
		for _, fp := range []string{right.Fingerprint(), wrong.Fingerprint()} {
			if !strings.Contains(msg, fp) {
				t.Errorf("OpenVault(wrong key) = %q, want it to name fingerprint %s", msg, fp)
			}
		}
		secretPart := strings.TrimPrefix(wrongText, secret.MasterKeyPrefix)
		if strings.Contains(msg, secretPart) || strings.Contains(msg, secretPart[:12]) {
			t.Errorf("OpenVault(wrong key) = %q, which contains the master key", msg)
		}
		// Nothing was added by the failed open.
		if ks := vaultKeys(t, b.db); len(ks) != 1 {
			t.Errorf("VaultKeys after a wrong key = %+v, want k1 alone", ks)
		}
	})
}

func TestSealedCredentialBoundToRow(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		v, _ := openVault(t, b.db)
		a, c := newIntegration(1, "a"), newIntegration(2, "c")
		aCreds := []integration.SealedCredential{seal(t, v, a.ID, "token", "token of a", t0), seal(t, v, a.ID, "password", "password of a", t0)}
		mustCreate(t, b.db, a, aCreds)
		mustCreate(t, b.db, c, []integration.SealedCredential{seal(t, v, c.ID, "token", "token of c", t0)})

		stolen := mustCreds(t, b.db, a.ID) // password, token
		tests := []struct {
			name  string
			to    integration.Integration
			field string
			from  integration.SealedCredential
		}{
			{"same field of another integration", c, "token", stolen[1]},
			{"another field of the same integration", a, "token", stolen[0]},
			{"another field of another integration", c, "password", stolen[0]},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				cur := mustGet(t, b.db, tt.to.ID)
				moved := tt.from
				moved.Field = tt.field
				if err := b.db.UpdateIntegration(ctx, cur, []integration.SealedCredential{moved}, nil, entry(audit.CredentialsChanged, tt.to.ID)); err != nil {
					t.Fatalf("UpdateIntegration = %v", err)
				}
				for _, got := range mustCreds(t, b.db, tt.to.ID) {
					if got.Field != tt.field {
						continue
					}
					pt, err := v.Open(integration.CredentialAAD(tt.to.ID, tt.field), got.Ciphertext)
					if !errors.Is(err, secret.ErrDecrypt) {
						t.Errorf("Open(copied ciphertext at %s/%s) = %q, %v; want %v", tt.to.ID, tt.field, pt, err, secret.ErrDecrypt)
					}
				}
			})
		}
	})
}

// TestRotateKeyWebhookSecrets: a rotation re-seals the webhook endpoints'
// secrets (current and previous), the subscriptions' signing secrets and
// their NATS credentials too, and `keys list` counts them.
func TestRotateKeyWebhookSecrets(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		db := openStore(t, e.Options(t))
		m, _ := newMaster(t)
		v, err := db.OpenVault(t.Context(), m)
		if err != nil {
			t.Fatalf("OpenVault = %v", err)
		}
		ctx := t.Context()
		in := newIntegration(1, "hooks")
		mustCreate(t, db, in, nil)
		sealWith := func(aad []byte, pt string) []byte {
			t.Helper()
			ct, err := v.Seal(aad, []byte(pt))
			if err != nil {
				t.Fatal(err)
			}
			return ct
		}
		exp := t0.Add(time.Hour)
		ep := webhook.Endpoint{ID: "whe_1", IntegrationID: in.ID, Provider: in.Provider, Name: "e", Scheme: "github",
			Settings: map[string]string{}, EventTypes: []string{}, AllowedCIDRs: []string{}, Tolerance: time.Minute,
			MaxBodyBytes: 1 << 20, IsActive: true, CreatedAt: t0, UpdatedAt: t0}
		if _, err := db.CreateWebhookEndpoint(ctx, ep, webhook.SealedSecrets{
			Current: sealWith(webhook.SecretAAD("whe_1", "secret"), "first secret"), CurrentKeyID: "k1", UpdatedAt: &t0},
			audit.Entry{}); err != nil {
			t.Fatalf("CreateWebhookEndpoint = %v", err)
		}
		// A secret rotation: the first stays valid for a grace period.
		ep.Version = 1
		if err := db.UpdateWebhookEndpoint(ctx, ep, &webhook.SealedSecrets{
			Current: sealWith(webhook.SecretAAD("whe_1", "secret"), "current secret"), CurrentKeyID: "k1",
			Previous: sealWith(webhook.SecretAAD("whe_1", "previous"), "previous secret"), PreviousKeyID: "k1",
			PreviousExpiresAt: &exp, UpdatedAt: &t0}, audit.Entry{}); err != nil {
			t.Fatalf("UpdateWebhookEndpoint = %v", err)
		}
		sub := webhook.Subscription{ID: "sub_1", Name: "s", Target: webhook.TargetNATS, URL: "nats://127.0.0.1:4222",
			Subject: "ihub", MaxConcurrency: 1, IsActive: true, CreatedAt: t0, UpdatedAt: t0, NATSAuthKind: "token",
			TargetSecret: sealWith(webhook.TargetSecretAAD("sub_1"), `{"token":"t"}`), TargetSecretKeyID: "k1"}
		if err := db.CreateSubscription(ctx, sub, sealWith(webhook.SecretAAD("sub_1", "subscription"), "whsec_x"), "k1",
			audit.Entry{}); err != nil {
			t.Fatalf("CreateSubscription = %v", err)
		}

		// An update that does not touch the credentials keeps them whole.
		sub.Name, sub.Version = "renamed", 1
		if err := db.UpdateSubscription(ctx, sub, audit.Entry{}); err != nil {
			t.Fatalf("UpdateSubscription = %v", err)
		}
		if got, _, err := db.GetSubscription(ctx, "sub_1"); err != nil || got.TargetSecretKeyID != "k1" || got.TargetSecret == nil {
			t.Fatalf("after an update: key id %q, sealed %t, %v", got.TargetSecretKeyID, got.TargetSecret != nil, err)
		}

		res, err := db.RotateKey(ctx, v, 1)
		if err != nil || res.Resealed != 4 {
			t.Fatalf("RotateKey = %+v, %v; want 4 values re-sealed", res, err)
		}
		want := []store.VaultKey{
			{ID: "k1", MasterFingerprint: m.Fingerprint(), Sealed: 0},
			{ID: "k2", Primary: true, MasterFingerprint: m.Fingerprint(), Sealed: 4},
		}
		if diff := cmp.Diff(want, vaultKeys(t, db), vaultKeyOpts); diff != "" {
			t.Errorf("VaultKeys after rotation mismatch (-want +got):\n%s", diff)
		}
		open := func(aad, ct []byte, want string) {
			t.Helper()
			kid, err := secret.KeyIDOf(ct)
			if err != nil || kid != "k2" {
				t.Errorf("%s is sealed with %q (%v), want k2", aad, kid, err)
			}
			pt, err := v.Open(aad, ct)
			if err != nil || string(pt) != want {
				t.Errorf("open %s = %q, %v; want %q", aad, pt, err, want)
			}
		}
		_, sec, err := db.GetWebhookEndpoint(ctx, "whe_1")
		if err != nil {
			t.Fatal(err)
		}
		open(webhook.SecretAAD("whe_1", "secret"), sec.Current, "current secret")
		open(webhook.SecretAAD("whe_1", "previous"), sec.Previous, "previous secret")
		if sec.CurrentKeyID != "k2" || sec.PreviousKeyID != "k2" {
			t.Errorf("key ids = %q, %q; want k2", sec.CurrentKeyID, sec.PreviousKeyID)
		}
		_, sealed, err := db.GetSubscription(ctx, "sub_1")
		if err != nil {
			t.Fatal(err)
		}
		open(webhook.SecretAAD("sub_1", "subscription"), sealed, "whsec_x")
		got, _, err := db.GetSubscription(ctx, "sub_1")
		if err != nil {
			t.Fatal(err)
		}
		open(webhook.TargetSecretAAD("sub_1"), got.TargetSecret, `{"token":"t"}`)
	})
}
