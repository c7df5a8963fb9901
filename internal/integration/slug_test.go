package integration_test

import (
	"testing"

	"ihub/internal/integration"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"WHM 1", "whm-1"},
		{"  Billing -- WHMCS (prod) ", "billing-whmcs-prod"},
		{"Ünïcode ☃ only", "n-code-only"},
		{"☃☃☃", "integration"},
		{"a very long name that goes on and on and on and on and on and on and on", "a-very-long-name-that-goes-on-and-on-and-on-and-on-and-o"},
	} {
		if got := integration.Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
