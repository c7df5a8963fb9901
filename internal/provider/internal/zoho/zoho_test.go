package zoho

import (
	"slices"
	"strings"
	"testing"

	"ihub/internal/provider"
)

func TestDataCentersMatchTheEnum(t *testing.T) {
	t.Parallel()
	dcs := DataCenters()
	f, ok := provider.Descriptor{Fields: Fields("Zoho X")}.Field(FieldDataCenter)
	if !ok {
		t.Fatalf("Fields() has no %s field", FieldDataCenter)
	}
	if len(f.Options) != len(dcs) {
		t.Errorf("dataCenter options = %v, want the %d data centres", f.Options, len(dcs))
	}
	for _, k := range f.Options {
		dc, ok := dcs[k]
		if !ok {
			t.Errorf("dataCenter option %q has no DataCenters entry", k)
			continue
		}
		if !strings.HasPrefix(dc.AccountsServer, "https://accounts.zoho") || !strings.HasPrefix(dc.APIDomain, "https://www.zohoapis.") {
			t.Errorf("DataCenters()[%q] = %+v, want Zoho https hosts", k, dc)
		}
	}
	if !slices.Contains(f.Options, "us") || f.Default != "us" {
		t.Errorf("dataCenter default = %v, want us", f.Default)
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	extra := provider.Field{Key: "orgId", Label: "Org", Type: provider.FieldString, Help: "x"}
	fields := Fields("Zoho X", extra)
	var keys []string
	for _, f := range fields {
		keys = append(keys, f.Key)
		if f.Type == provider.FieldSecret != f.Sensitive {
			t.Errorf("field %s: type %s, sensitive %v", f.Key, f.Type, f.Sensitive)
		}
	}
	want := []string{FieldClientID, FieldClientSecret, FieldDataCenter, FieldAccessToken, FieldRefreshToken, "orgId"}
	if !slices.Equal(keys, want) {
		t.Errorf("Fields() keys = %v, want %v", keys, want)
	}
	d := provider.Descriptor{
		ID: "zoho_x", Name: "Zoho X", Category: provider.CategoryCRM, AuthKind: provider.AuthOAuth2,
		BaseURL: provider.UsageNone, Username: provider.UsageNone, Fields: fields,
		Capabilities: []provider.Capability{provider.CapOAuth}, OAuth: OAuth("ZohoX.all"),
	}
	if err := provider.ValidateDescriptor(d); err != nil {
		t.Errorf("ValidateDescriptor(zoho fields) = %v", err)
	}
}
