package zohodesk_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/zohodesk"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := zohodesk.New()
	if got, want := p.Descriptor().ID, "zoho_desk"; got != want {
		t.Errorf("zohodesk.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != zohodesk.ID {
		t.Errorf("zohodesk.ID = %q, want the descriptor's id %q", zohodesk.ID, got)
	}
	providertest.Run(t, p)
}
