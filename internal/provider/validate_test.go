package provider_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/apperr"
	"ihub/internal/provider"
)

// TestValidateOneErrorPerField: a field given with a wrong value is reported
// once, for what is wrong with it; only a field not given is "required",
// and a wrong value is not replaced by the default.
func TestValidateOneErrorPerField(t *testing.T) {
	t.Parallel()
	d := provider.Descriptor{ID: "test", Fields: []provider.Field{
		{Key: "host", Type: provider.FieldURL, Required: true},
		{Key: "port", Type: provider.FieldInteger, Default: 443},
		{Key: "token", Type: provider.FieldSecret, Required: true, Sensitive: true},
		{Key: "extra", Type: provider.FieldSecret, Sensitive: true},
	}}
	settings := []struct {
		name string
		in   map[string]any
		want []apperr.FieldError
		out  map[string]any
	}{
		{"valid", map[string]any{"host": "https://h.example"}, nil, map[string]any{"host": "https://h.example", "port": int64(443)}},
		{"missing", map[string]any{}, []apperr.FieldError{{Field: "settings.host", Message: "is required"}}, map[string]any{"port": int64(443)}},
		{"required of the wrong type", map[string]any{"host": 5}, []apperr.FieldError{{Field: "settings.host", Message: "must be a string"}}, map[string]any{"port": int64(443)}},
		{"defaulted of the wrong type", map[string]any{"host": "https://h.example", "port": "x"},
			[]apperr.FieldError{{Field: "settings.port", Message: "must be an integer"}}, map[string]any{"host": "https://h.example"}},
	}
	for _, tc := range settings {
		out, errs := d.ValidateSettings(tc.in)
		if diff := cmp.Diff(tc.want, errs); diff != "" {
			t.Errorf("settings %s: errors (-want +got):\n%s", tc.name, diff)
		}
		if diff := cmp.Diff(tc.out, out); diff != "" {
			t.Errorf("settings %s: values (-want +got):\n%s", tc.name, diff)
		}
	}
	creds := []struct {
		name    string
		in      map[string]any
		present map[string]bool
		want    []apperr.FieldError
	}{
		{"valid", map[string]any{"token": "t"}, nil, nil},
		{"missing", map[string]any{"extra": "x"}, nil, []apperr.FieldError{{Field: "credentials.token", Message: "is required"}}},
		{"a number", map[string]any{"token": 5}, nil, []apperr.FieldError{{Field: "credentials.token", Message: "must be a string"}}},
		{"a number, stored before", map[string]any{"token": 5}, map[string]bool{"token": true}, []apperr.FieldError{{Field: "credentials.token", Message: "must be a string"}}},
		{"deleted though stored", map[string]any{"token": nil}, map[string]bool{"token": true}, []apperr.FieldError{{Field: "credentials.token", Message: "is required"}}},
		{"unknown and missing", map[string]any{"nope": "x"}, nil, []apperr.FieldError{
			{Field: "credentials.nope", Message: "is not a credential of provider test"}, {Field: "credentials.token", Message: "is required"}}},
	}
	for _, tc := range creds {
		_, errs := d.ValidateCredentials(tc.in, tc.present)
		if diff := cmp.Diff(tc.want, errs); diff != "" {
			t.Errorf("credentials %s: errors (-want +got):\n%s", tc.name, diff)
		}
	}
}
