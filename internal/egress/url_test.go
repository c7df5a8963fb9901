package egress_test

import (
	"errors"
	"strings"
	"testing"

	"ihub/internal/egress"
)

func TestValidateBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string // the parsed URL's String(), when valid
		wantErr string
	}{
		{in: "https://whm.example.com:2087", want: "https://whm.example.com:2087"},
		{in: "https://api.example.com/v2/", want: "https://api.example.com/v2/"},
		{in: "http://10.0.0.5:8080/hook?x=1", want: "http://10.0.0.5:8080/hook?x=1"},
		{in: "  https://example.com\n", want: "https://example.com"},
		{in: "HTTPS://Example.com", want: "https://Example.com"},
		{in: "https://[2001:db8::1]:443/", want: "https://[2001:db8::1]:443/"},
		{in: "http://localhost:1", want: "http://localhost:1"},
		{in: "http://h:65535", want: "http://h:65535"},
		{in: "https://example.com./x", want: "https://example.com./x"},
		{in: "https://my_host.internal", want: "https://my_host.internal"},
		{in: "https://xn--bcher-kva.example", want: "https://xn--bcher-kva.example"},
		{in: "https://1password.com", want: "https://1password.com"},
		{in: "https://0x.example", want: "https://0x.example"},
		{in: "http://[fe80::1%25eth0]:80/", want: "http://[fe80::1%25eth0]:80/"},

		{in: "", wantErr: "must not be empty"},
		{in: "http://2130706433/", wantErr: "host must be a name, or an IP address written in full (such as 192.0.2.10)"},
		{in: "http://127.1/", wantErr: "host must be a name, or an IP address written in full (such as 192.0.2.10)"},
		{in: "http://0177.0.0.1/", wantErr: "host must be a name, or an IP address written in full (such as 192.0.2.10)"},
		{in: "http://0x7f.0.0.1/", wantErr: "host must be a name, or an IP address written in full (such as 192.0.2.10)"},
		{in: "http://127.0.0.1./", wantErr: "host must be a name, or an IP address written in full (such as 192.0.2.10)"},
		{in: "http://0x7F000001/", wantErr: "host must be a name, or an IP address written in full (such as 192.0.2.10)"},
		{in: "http://127.0.0.1%09/", wantErr: "must be a valid URL"},
		{in: "http://a..b/", wantErr: "host must be a name or an IP address"},
		{in: "http://a.b!c/", wantErr: "host must be a name or an IP address"},
		{in: "   ", wantErr: "must not be empty"},
		{in: "example.com", wantErr: "must use http or https"},
		{in: "ftp://example.com", wantErr: "must use http or https"},
		{in: "file:///etc/passwd", wantErr: "must use http or https"},
		{in: "gopher://h:70/", wantErr: "must use http or https"},
		{in: "javascript:alert(1)", wantErr: "must use http or https"},
		{in: "//example.com/x", wantErr: "must use http or https"},
		{in: "https://", wantErr: "must include a host"},
		{in: "https:///path", wantErr: "must include a host"},
		{in: "https:example.com", wantErr: "must include a host"},
		{in: "http://:8080/", wantErr: "must include a host"},
		{in: "https://h:0", wantErr: "port must be between 1 and 65535"},
		{in: "https://h:65536", wantErr: "port must be between 1 and 65535"},
		{in: "https://h:99999999999999999999", wantErr: "port must be between 1 and 65535"},
		{in: "https://h:", wantErr: "port must be between 1 and 65535"},
		{in: "https://h:abc", wantErr: "must be a valid URL"},
		{in: "https://h/x#frag", wantErr: "must not contain a fragment"},
		{in: "https://h/x#", wantErr: "must not contain a fragment"},
		{in: "https://admin:hunter2@h/", wantErr: "must not contain credentials"},
		{in: "https://tok3n@h/", wantErr: "must not contain credentials"},
		{in: "https://@h/", wantErr: "must not contain credentials"},
		{in: "https://[::1/", wantErr: "must be a valid URL"},
		{in: "https://exa mple.com/", wantErr: "must be a valid URL"},
		{in: "https://h/\x7f", wantErr: "must be a valid URL"},
		{in: "https://h/%zz-s3cr3t", wantErr: "must be a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			u, err := egress.ValidateBaseURL(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateBaseURL(%q) = %v, want nil", tt.in, err)
				}
				if got := u.String(); got != tt.want {
					t.Errorf("ValidateBaseURL(%q) = %q, want %q", tt.in, got, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateBaseURL(%q) = %v, nil; want error %q", tt.in, u, tt.wantErr)
			}
			if got := err.Error(); got != tt.wantErr {
				t.Errorf("ValidateBaseURL(%q) error = %q, want %q", tt.in, got, tt.wantErr)
			}
			if !errors.Is(err, egress.ErrInvalidURL) {
				t.Errorf("ValidateBaseURL(%q) error does not wrap ErrInvalidURL", tt.in)
			}
			for _, s := range []string{"hunter2", "tok3n", "s3cr3t", "admin"} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("ValidateBaseURL(%q) error %q echoes %q", tt.in, err, s)
				}
			}
			if u != nil {
				t.Errorf("ValidateBaseURL(%q) returned a URL with an error", tt.in)
			}
		})
	}
}
