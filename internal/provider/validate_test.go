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

// TestCheckAuthOptions: with alternative ways to authenticate, one must be
// complete; the message names every way, and nothing of the values.
func TestCheckAuthOptions(t *testing.T) {
	d := provider.Descriptor{
		ID: "test", Username: provider.UsageOptional,
		Fields: []provider.Field{
			{Key: "identifier", Type: provider.FieldSecret, Sensitive: true},
			{Key: "secret", Type: provider.FieldSecret, Sensitive: true},
			{Key: "password", Type: provider.FieldSecret, Sensitive: true},
		},
		AuthOptions: [][]string{{"identifier", "secret"}, {provider.AuthOptionUsername, "password"}},
	}
	missing := &apperr.FieldError{Field: "credentials",
		Message: "are not enough to authenticate: set credentials.identifier with credentials.secret, or username with credentials.password"}
	for _, tc := range []struct {
		name     string
		username string
		set      []string
		want     *apperr.FieldError
	}{
		{"nothing", "", nil, missing},
		{"identifier only", "", []string{"identifier"}, missing},
		{"password without username", "", []string{"password"}, missing},
		{"blank username", "  ", []string{"password"}, missing},
		{"username without password", "admin", []string{"secret"}, missing},
		{"identifier and secret", "", []string{"identifier", "secret"}, nil},
		{"username and password", "admin", []string{"password"}, nil},
		{"both ways", "admin", []string{"identifier", "secret", "password"}, nil},
	} {
		set := map[string]bool{}
		for _, k := range tc.set {
			set[k] = true
		}
		if diff := cmp.Diff(tc.want, d.CheckAuthOptions(tc.username, set)); diff != "" {
			t.Errorf("%s: CheckAuthOptions() (-want +got):\n%s", tc.name, diff)
		}
	}
	d.AuthOptions = nil
	if got := d.CheckAuthOptions("", nil); got != nil {
		t.Errorf("without options: CheckAuthOptions() = %v, want nil", got)
	}
}

// TestValidateDescriptorAuthOptions: an auth option names optional
// credential fields, or the username where it is used.
func TestValidateDescriptorAuthOptions(t *testing.T) {
	base := provider.Descriptor{
		ID: "test", Name: "Test", Category: provider.Categories[0], AuthKind: provider.AuthAPIToken,
		BaseURL: provider.UsageNone, Username: provider.UsageOptional,
		Fields: []provider.Field{
			{Key: "token", Label: "Token", Type: provider.FieldSecret, Sensitive: true},
			{Key: "key", Label: "Key", Type: provider.FieldSecret, Sensitive: true, Required: true},
			{Key: "region", Label: "Region", Type: provider.FieldString},
		},
	}
	for _, tc := range []struct {
		name     string
		options  [][]string
		username provider.Usage
		wantErr  bool
	}{
		{"token or username", [][]string{{"token"}, {"username"}}, provider.UsageOptional, false},
		{"unknown field", [][]string{{"nope"}}, provider.UsageOptional, true},
		{"a setting", [][]string{{"region"}}, provider.UsageOptional, true},
		{"a required credential", [][]string{{"key"}}, provider.UsageOptional, true},
		{"an empty option", [][]string{{}}, provider.UsageOptional, true},
		{"an unused username", [][]string{{"username"}}, provider.UsageNone, true},
	} {
		d := base
		d.AuthOptions, d.Username = tc.options, tc.username
		if err := provider.ValidateDescriptor(d); (err != nil) != tc.wantErr {
			t.Errorf("%s: ValidateDescriptor() = %v, want error %v", tc.name, err, tc.wantErr)
		}
	}
}
