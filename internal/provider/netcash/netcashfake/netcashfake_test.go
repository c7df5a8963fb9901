package netcashfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/netcash/netcashfake"
	"ihub/internal/provider/providertest"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	s := netcashfake.New(netcashfake.Options{})
	t.Cleanup(s.Close)
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	tests := []struct {
		name, method, path, ctype, body string
		want                            int
		contains                        string
	}{
		{"malformed xml", "POST", netcashfake.Path, "application/soap+xml", "<s:Envelope", 500, "DeserializationFailed"},
		{"wrong action", "POST", netcashfake.Path, "application/soap+xml",
			`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action>http://tempuri.org/INIWS_Partner/Other</a:Action></s:Header><s:Body/></s:Envelope>`,
			500, "ActionNotSupported"},
		{"soap 1.1 content type", "POST", netcashfake.Path, "text/xml", "<x/>", 415, ""},
		{"GET", "GET", netcashfake.Path, "", "", 405, ""},
		{"other path", "POST", "/NIWS/other.svc", "application/soap+xml", "", 404, "Service not found"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequestWithContext(t.Context(), tt.method, s.URL()+tt.path, strings.NewReader(tt.body))
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want || !strings.Contains(string(b), tt.contains) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.name, resp.StatusCode, b, tt.want, tt.contains)
		}
	}
}
