package googlemaps_test

import (
	"testing"

	"ihub/internal/provider/googlemaps"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := googlemaps.New()
	if got, want := p.Descriptor().ID, "google_maps"; got != want {
		t.Errorf("googlemaps.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != googlemaps.ID {
		t.Errorf("googlemaps.ID = %q, want the descriptor's id %q", googlemaps.ID, got)
	}
	providertest.Run(t, p)
}
