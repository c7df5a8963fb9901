package integration_test

import (
	"errors"
	"testing"

	"ihub/internal/apperr"
	"ihub/internal/integration"
	"ihub/internal/provider"
	"ihub/internal/secret"
)

// TestProviderFailureGone: a provider answer that says the destination is
// gone for good keeps that mark through ProviderFailure (a chat
// subscription reads it to stop), with the kind and message it had, and
// without the provider's error as cause (its text may hold a credential).
func TestProviderFailureGone(t *testing.T) {
	t.Parallel()
	conn := provider.Connection{Credentials: map[string]secret.Value{"webhookUrl": secret.NewValue("https://hooks.example/T/B/s3cr3t-0123456789")}}
	tests := []struct {
		name     string
		err      error
		wantKind apperr.Kind
		wantGone bool
	}{
		{"gone", &provider.Error{Kind: provider.ErrNotFound, Status: 410, Code: "channel_is_archived", Message: "channel_is_archived", Gone: true},
			apperr.NotFound, true},
		{"not found, not gone", &provider.Error{Kind: provider.ErrNotFound, Status: 404, Message: "Not Found"},
			apperr.NotFound, false},
		{"gone bot path (in a 200)", &provider.Error{Kind: provider.ErrProvider, Code: "is_archived", Message: "is_archived", Gone: true},
			apperr.BadGateway, true},
		{"auth", &provider.Error{Kind: provider.ErrAuth, Status: 403, Message: "invalid_token"},
			apperr.BadGateway, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := (&integration.Service{}).ProviderFailure(tt.err, conn)
			if k := apperr.KindOf(got); k != tt.wantKind {
				t.Errorf("ProviderFailure(%v) kind = %v, want %v", tt.err, k, tt.wantKind)
			}
			if g := errors.Is(got, provider.ErrGone); g != tt.wantGone {
				t.Errorf("errors.Is(ProviderFailure(%v), provider.ErrGone) = %v, want %v", tt.err, g, tt.wantGone)
			}
			if pe, ok := errors.AsType[*provider.Error](got); ok {
				t.Errorf("ProviderFailure(%v) keeps the provider's error %v as cause, want it dropped", tt.err, pe)
			}
		})
	}
}
