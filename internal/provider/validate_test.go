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

// TestValidateControlCharacters: single-line values (credentials among
// them) refuse every control character, so that a token cannot carry a
// header into the request it is used in; text takes line breaks and tabs
// only. The messages never hold the value.
func TestValidateControlCharacters(t *testing.T) {
	t.Parallel()
	d := provider.Descriptor{ID: "test", Fields: []provider.Field{
		{Key: "host", Type: provider.FieldString},
		{Key: "notes", Type: provider.FieldText},
		{Key: "token", Type: provider.FieldSecret, Sensitive: true},
	}}
	for _, tc := range []struct {
		name     string
		settings map[string]any
		creds    map[string]any
		want     []apperr.FieldError
	}{
		{"plain", map[string]any{"host": "h", "notes": "a\r\nb\tc"}, map[string]any{"token": "tok"}, nil},
		{"token with a header", nil, map[string]any{"token": "tok\r\nX-Evil: 1"},
			[]apperr.FieldError{{Field: "credentials.token", Message: "must be a single line, without control characters"}}},
		{"token with a tab", nil, map[string]any{"token": "to\tk"},
			[]apperr.FieldError{{Field: "credentials.token", Message: "must be a single line, without control characters"}}},
		{"token with DEL", nil, map[string]any{"token": "tok\x7f"},
			[]apperr.FieldError{{Field: "credentials.token", Message: "must be a single line, without control characters"}}},
		{"setting with an escape", map[string]any{"host": "h\x1b[0m"}, nil,
			[]apperr.FieldError{{Field: "settings.host", Message: "must be a single line, without control characters"}}},
		{"text with a C1 control", map[string]any{"notes": "a\u0085b"}, nil,
			[]apperr.FieldError{{Field: "settings.notes", Message: "must not contain control characters other than line breaks and tabs"}}},
	} {
		_, errs := d.ValidateSettings(tc.settings)
		_, cerrs := d.ValidateCredentials(tc.creds, nil)
		if diff := cmp.Diff(tc.want, append(errs, cerrs...)); diff != "" {
			t.Errorf("%s: errors (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestValidateIntegerBounds: an integer field's minimum and maximum are
// checked, each side on its own.
func TestValidateIntegerBounds(t *testing.T) {
	t.Parallel()
	d := provider.Descriptor{ID: "test", Fields: []provider.Field{
		{Key: "port", Type: provider.FieldInteger, Minimum: new(int64(1)), Maximum: new(int64(65535))},
		{Key: "min", Type: provider.FieldInteger, Minimum: new(int64(0))},
		{Key: "max", Type: provider.FieldInteger, Maximum: new(int64(10))},
	}}
	for _, tc := range []struct {
		in   map[string]any
		want []apperr.FieldError
	}{
		{map[string]any{"port": 1, "min": 0, "max": 10}, nil},
		{map[string]any{"port": 65535.0, "min": 1e9, "max": -1e9}, nil},
		{map[string]any{"port": 0}, []apperr.FieldError{{Field: "settings.port", Message: "must be between 1 and 65535"}}},
		{map[string]any{"port": 65536}, []apperr.FieldError{{Field: "settings.port", Message: "must be between 1 and 65535"}}},
		{map[string]any{"min": -1}, []apperr.FieldError{{Field: "settings.min", Message: "must be at least 0"}}},
		{map[string]any{"max": 11}, []apperr.FieldError{{Field: "settings.max", Message: "must be at most 10"}}},
	} {
		if _, errs := d.ValidateSettings(tc.in); !cmp.Equal(tc.want, errs) {
			t.Errorf("ValidateSettings(%v) = %v, want %v", tc.in, errs, tc.want)
		}
	}
	bad := provider.Descriptor{ID: "test", Name: "Test", Category: provider.Categories[0], AuthKind: provider.AuthNone,
		BaseURL: provider.UsageNone, Username: provider.UsageNone}
	for _, f := range []provider.Field{
		{Key: "a", Label: "A", Type: provider.FieldString, Minimum: new(int64(1))},
		{Key: "a", Label: "A", Type: provider.FieldInteger, Minimum: new(int64(2)), Maximum: new(int64(1))},
		{Key: "a", Label: "A", Type: provider.FieldInteger, Minimum: new(int64(2)), Default: 1},
	} {
		bad.Fields = []provider.Field{f}
		if err := provider.ValidateDescriptor(bad); err == nil {
			t.Errorf("ValidateDescriptor(field %+v) = nil, want an error", f)
		}
	}
}
