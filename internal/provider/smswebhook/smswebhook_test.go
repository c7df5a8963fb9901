package smswebhook_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/smswebhook"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := smswebhook.New()
	if got, want := p.Descriptor().ID, "sms_webhook"; got != want {
		t.Errorf("smswebhook.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != smswebhook.ID {
		t.Errorf("smswebhook.ID = %q, want the descriptor's id %q", smswebhook.ID, got)
	}
	providertest.Run(t, p)
}
