package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/integration"
	"ihub/internal/provider"
)

// humaJSON encodes v the way huma does: encoding/json, no HTML escaping.
func humaJSON(t testing.TB, v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestIntegrationPageJSON: the hand-written page encoder must produce
// exactly what huma's encoder makes of the page of integrationBody values,
// for awkward strings and empty or missing fields too.
func TestIntegrationPageJSON(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 11, 22, 4, 5, 6, 789_000_000, time.UTC)
	local := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("SAST", 2*3600))
	id, e, lat := "srv-1", "403 Forbidden — <Access> \"denied\" & more\n\t\x01 \u2028 \xff", int64(84)
	tricky := []string{"", "plain", `quote " and \ back`, "<script>&amp;</script>", "ctrl \x00\x1f\x7f", "bad utf8 \xc3\x28 \xff",
		"line \u2028 para \u2029", "emoji 🙂 and ünïcode"}
	for _, s := range tricky {
		items := []integration.Integration{
			{},
			{ID: s, Slug: s, Name: s, Provider: s, BaseURL: s, Username: s, Category: provider.Category(s),
				Settings:    map[string]any{"a": 1.5, s: []any{s, true, nil}, "nested": map[string]any{"z": s}},
				Labels:      map[string]string{"env": s, s: "v", "b": "c"},
				Credentials: map[string]time.Time{"token": ts, s: local},
				IsActive:    true, LinkedServerID: &id, HealthCheckIntervalMinutes: 15, AllowPrivateNetwork: true, TLSSkipVerify: true,
				Health: integration.Health{Status: integration.HealthStatus(s), LastCheckedAt: &ts, LastConnectedAt: &local,
					LastError: &e, LastLatencyMs: &lat, ConsecutiveFailures: 3},
				Version: 7, CreatedAt: ts, UpdatedAt: local},
			{Settings: map[string]any{}, Labels: map[string]string{}, Credentials: map[string]time.Time{}},
		}
		bodies := make([]IntegrationBody, len(items))
		for i, in := range items {
			bodies[i] = integrationBody(in)
		}
		want := humaJSON(t, listIntegrationsBody{Items: bodies, NextCursor: s})
		got, err := encodeIntegrationPage(items, s)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, string(*got)); diff != "" {
			t.Errorf("the page encoder differs from encoding/json for %q (-want +got):\n%s", s, diff)
		}
		pageBuffers.Put(got)
	}
}

func BenchmarkIntegrationPageJSON(b *testing.B) {
	ts := time.Now().UTC()
	in := integration.Integration{ID: "int_0123456789", Slug: "github-sample", Name: "github sample", Provider: "github",
		Category: "vcs", BaseURL: "https://api.github.com", Settings: map[string]any{},
		Labels: map[string]string{"env": "prod", "team": "team-1"}, Credentials: map[string]time.Time{"token": ts},
		Health: integration.Health{Status: "unknown"}, Version: 1, CreatedAt: ts, UpdatedAt: ts, HealthCheckIntervalMinutes: 15}
	page := make([]integration.Integration, 50)
	for i := range page {
		page[i] = in
	}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			bodies := make([]IntegrationBody, len(page))
			for i, it := range page {
				bodies[i] = integrationBody(it)
			}
			humaJSON(b, listIntegrationsBody{Items: bodies})
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		for b.Loop() {
			p, err := encodeIntegrationPage(page, "")
			if err != nil {
				b.Fatal(err)
			}
			pageBuffers.Put(p)
		}
	})
}
