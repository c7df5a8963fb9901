package secret_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"ihub/internal/secret"
)

func TestValue(t *testing.T) {
	t.Parallel()
	v := secret.NewValue("hunter2")
	if got := v.Reveal(); got != "hunter2" {
		t.Errorf("Reveal = %q, want %q", got, "hunter2")
	}
	if v.IsZero() {
		t.Errorf("IsZero = true for a non-empty value")
	}
	if !secret.NewValue("").IsZero() || !(secret.Value{}).IsZero() {
		t.Errorf("IsZero = false for an empty value")
	}
}

// renderings returns the ways a secret could reach a log line or a response
// by mistake, by name.
func renderings(t *testing.T, x any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out["fmt "+verb] = fmt.Sprintf(verb, x)
		out["fmt "+verb+" in struct"] = fmt.Sprintf(verb, struct{ Token any }{x})
	}
	out["fmt Sprint"] = fmt.Sprint(x)
	out["fmt Sprintln slice"] = fmt.Sprintln([]any{x})
	for name, v := range map[string]any{"json": x, "json field": struct{ Token any }{x}, "json map": map[string]any{"token": x}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%s) = %v", name, err)
		}
		out[name] = string(b)
	}
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		log := slog.New(newHandler(&buf))
		log.Info("msg", "token", x)
		log.Info("msg", slog.Any("token", x))
		log.Info("msg", slog.Group("g", "token", x))
		log.With("token", x).Info("msg")
		out[name] = buf.String()
	}
	return out
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0x5a, 0xc3, 0x17, 0x99}, 8)
	mk, err := secret.ParseMasterKey(base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		value     any
		forbidden []string
	}{
		{"Value", secret.NewValue("hunter2-s3cr3t"), []string{"hunter2", "s3cr3t"}},
		{"*Value", ptr(secret.NewValue("hunter2-s3cr3t")), []string{"hunter2", "s3cr3t"}},
		{"MasterKey", mk, []string{
			base64.StdEncoding.EncodeToString(raw)[:12],
			base64.RawURLEncoding.EncodeToString(raw)[:12],
			hex.EncodeToString(raw)[:12],
			string(raw[:8]),
			fmt.Sprint(raw[:4])[1:12], // decimal bytes, as %v of a []byte prints them
		}},
		{"*MasterKey", &mk, []string{base64.StdEncoding.EncodeToString(raw)[:12], hex.EncodeToString(raw)[:12]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for how, got := range renderings(t, tt.value) {
				if !strings.Contains(got, "[REDACTED]") {
					t.Errorf("%s = %q, want [REDACTED]", how, got)
				}
				for _, f := range tt.forbidden {
					if strings.Contains(got, f) {
						t.Errorf("%s = %q, leaks %q", how, got, f)
					}
				}
			}
		})
	}
}

func TestMasterKeyOtherVerbs(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0x5a, 0xc3, 0x17, 0x99}, 8)
	mk, err := secret.ParseMasterKey(base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
	// Verbs that skip String (such as %d) go through reflection; the key
	// bytes must not be reachable that way either.
	for _, verb := range []string{"%d", "%x", "%X", "%o", "%b", "%c", "%U", "%e", "%t"} {
		got := fmt.Sprintf(verb, mk)
		for _, f := range []string{hex.EncodeToString(raw)[:8], strings.ToUpper(hex.EncodeToString(raw)[:8]), "90 195 23 153", "5ac31799"} {
			if strings.Contains(got, f) {
				t.Errorf("Sprintf(%q, key) = %q, leaks key bytes", verb, got)
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
