package app_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestOverlappingRotationsOneFails: a rotation during which another one
// made its key primary does not report success for a key that is not
// primary (security.md: one of two overlapping rotations fails); every
// value ends under the newest key.
func TestOverlappingRotationsOneFails(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			a := env.App
			credential := "rotation-test-credential-0123"
			if r := env.Do("POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
				"credentials": map[string]any{"token": credential}}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			done := make(chan error, 1)
			go func() {
				_, err := a.RotateKeys(t.Context(), 100, io.Discard)
				done <- err
			}()
			// The first rotation is waiting for servers to switch keys
			// (11 s) when the second one runs whole.
			time.Sleep(2 * time.Second)
			second, err := a.DB.RotateKey(t.Context(), a.Vault, 100)
			if err != nil {
				t.Fatalf("second rotation = %v", err)
			}
			err = <-done
			if err == nil || !strings.Contains(err.Error(), "made "+second.NewKeyID+" primary") {
				t.Errorf("first rotation = %v; want an error saying %s was made primary", err, second.NewKeyID)
			}
			keys, err := a.DB.VaultKeys(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if k.Primary != (k.ID == second.NewKeyID) {
					t.Errorf("key %s primary = %v; want only %s", k.ID, k.Primary, second.NewKeyID)
				}
				if !k.Primary && k.Sealed != 0 {
					t.Errorf("key %s still seals %d values", k.ID, k.Sealed)
				}
			}
		})
	}
}
