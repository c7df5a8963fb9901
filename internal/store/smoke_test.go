package store_test

import (
	"context"
	"testing"

	"ihub/internal/store/storetest"
)

func TestSmokeOpen(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			db := storetest.Open(t, e)
			if err := db.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
