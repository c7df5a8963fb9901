package netcash_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/netcash"
	"ihub/internal/provider/netcash/netcashfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts netcashfake.Options) *netcashfake.Server {
	t.Helper()
	s := netcashfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, account, serviceKey string, vendorKey ...string) provider.Connection {
	c := provider.Connection{
		IntegrationID: "int_netcash",
		BaseURL:       baseURL,
		Settings:      map[string]any{netcash.FieldAccountNumber: account},
		Credentials:   providertest.Creds(netcash.FieldServiceKey, serviceKey),
	}
	if len(vendorKey) > 0 {
		c.Credentials[netcash.FieldSoftwareVendorKey] = secret.NewValue(vendorKey[0])
	}
	return c
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := netcash.New()
	if got, want := p.Descriptor().ID, "netcash"; got != want {
		t.Errorf("netcash.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != netcash.ID {
		t.Errorf("netcash.ID = %q, want the descriptor's id %q", netcash.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const (
		acct = netcashfake.DefaultAccount
		key  = netcashfake.DefaultServiceKey
	)
	ok := fake(t, netcashfake.Options{})
	ownVendor := fake(t, netcashfake.Options{VendorKey: "5b6c7d8e-own-vendor-key-000000000000"})
	inactive := fake(t, netcashfake.Options{PayNowInactive: true})
	locked := fake(t, netcashfake.Options{LockedOut: true})
	fault := fake(t, netcashfake.Options{Fail: func(*http.Request) *netcashfake.Reply {
		return netcashfake.Fault("a:InternalServiceFault", "The server was unable to process the request due to an internal error.")
	}})
	echoKey := fake(t, netcashfake.Options{Fail: func(*http.Request) *netcashfake.Reply {
		return netcashfake.Fault("a:Bad", "Invalid key "+key)
	}})
	loginPage := fake(t, netcashfake.Options{Fail: func(*http.Request) *netcashfake.Reply {
		h := http.Header{}
		h.Set("Content-Type", "text/html")
		return &netcashfake.Reply{Status: 200, Header: h, Body: "<!DOCTYPE html><html><head><title>NetCash - Login</title></head><body><p>x</body></html>"}
	}})
	hang := fake(t, netcashfake.Options{Fail: netcashfake.Hang})

	providertest.Run(t, netcash.New(),
		providertest.CheckerCase{
			Name: "ok",
			Conn: conn(ok.URL(), acct, key),
			Want: providertest.Want{OK: true, Contains: "Connected to NetCash account 51234567890: Pay Now service key validated",
				Details: []string{"accountStatus", "serviceStatus"}},
		},
		providertest.CheckerCase{
			Name: "own vendor key",
			Conn: conn(ownVendor.URL(), acct, key, "5b6c7d8e-own-vendor-key-000000000000"),
			Want: providertest.Want{OK: true},
		},
		providertest.CheckerCase{
			Name: "default vendor key rejected by a server expecting another",
			Conn: conn(ownVendor.URL(), acct, key),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "account status 103: the software vendor key is not valid"},
		},
		providertest.CheckerCase{
			Name: "wrong service key",
			Conn: conn(ok.URL(), acct, "00000000-wrong-key-0000-000000000000"),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "service status 106"},
		},
		providertest.CheckerCase{
			Name: "wrong account",
			Conn: conn(ok.URL(), "59999999999", key),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "account status 104"},
		},
		providertest.CheckerCase{
			Name: "pay now not active",
			Conn: conn(inactive.URL(), acct, key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "service status 105: the Pay Now service is not active"},
		},
		providertest.CheckerCase{
			Name: "locked out",
			Conn: conn(locked.URL(), acct, key),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true, Contains: "locked out"},
		},
		providertest.CheckerCase{
			Name: "SOAP fault",
			Conn: conn(fault.URL(), acct, key),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: 500, Contains: "SOAP fault: The server was unable to process the request"},
		},
		providertest.CheckerCase{
			Name: "key echoed in a fault is redacted",
			Conn: conn(echoKey.URL(), acct, key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "HTML page with 200",
			Conn: conn(loginPage.URL(), acct, key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "NetCash - Login"},
		},
		providertest.CheckerCase{
			Name: "account number not digits",
			Conn: conn(ok.URL(), "51234<x>", key),
			Want: providertest.Want{Kind: provider.ErrInvalid},
		},
		providertest.CheckerCase{
			Name: "unreachable",
			Conn: conn(providertest.ClosedURL(t), acct, key),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"},
		},
		providertest.CheckerCase{
			Name:    "deadline",
			Conn:    conn(hang.URL(), acct, key),
			Timeout: 150 * time.Millisecond,
			Want:    providertest.Want{Kind: provider.ErrTransport},
		},
		providertest.CheckerCase{
			Name:        "cancelled",
			Conn:        conn(hang.URL(), acct, key),
			CancelAfter: 100 * time.Millisecond,
			Want:        providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"},
		},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, netcashfake.Options{})
	wrong := conn(f.URL(), netcashfake.DefaultAccount, "00000000-wrong-key-0000-000000000000")
	providertest.Actions{
		Provider: netcash.New(),
		Conn: func(baseURL string) provider.Connection {
			return conn(baseURL, netcashfake.DefaultAccount, netcashfake.DefaultServiceKey)
		},
		FakeURL: f.URL(),
		Cases: []providertest.ActionCase{
			{
				Name: "valid", Action: "validate_service_key",
				Output: func(t *testing.T, out any) {
					want := netcash.ValidateOutput{Validation: netcash.Validation{
						AccountStatus: "001", AccountMessage: "validated", ServiceStatus: "001", ServiceMessage: "validated",
					}}
					if diff := cmp.Diff(want, out); diff != "" {
						t.Errorf("output mismatch (-want +got):\n%s", diff)
					}
				},
				Want: providertest.Want{OK: true},
			},
			{
				Name: "wrong key", Action: "validate_service_key", Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Contains: "106"},
			},
		},
	}.Run(t)
}

// TestRequestEnvelope checks the SOAP request NetCash's WCF service needs:
// the SOAP 1.2 content type with the action, WS-Addressing headers, the
// data-contract namespace on the request's fields and escaped values.
func TestRequestEnvelope(t *testing.T) {
	t.Parallel()
	var got struct{ method, path, ctype, body string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.path, got.ctype, got.body = r.Method, r.URL.Path, r.Header.Get("Content-Type"), string(b)
		w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
		_, _ = io.WriteString(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><ValidateServiceKeyResponse xmlns="http://tempuri.org/">`+
			`<ValidateServiceKeyResult xmlns:b="x"><b:AccountStatus>001</b:AccountStatus><b:ServiceInfo><b:ServiceInfoResponse>`+
			`<b:ServiceId>14</b:ServiceId><b:ServiceStatus>001</b:ServiceStatus></b:ServiceInfoResponse></b:ServiceInfo>`+
			`</ValidateServiceKeyResult></ValidateServiceKeyResponse></s:Body></s:Envelope>`)
	}))
	t.Cleanup(srv.Close)
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	c, err := netcash.NewClient(srv.URL, hc, "51234567890", secret.NewValue("key<&>"), secret.Value{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ValidateServiceKey(t.Context()); err != nil {
		t.Fatalf("ValidateServiceKey() error = %v", err)
	}
	if got.method != "POST" || got.path != "/NIWS/NIWS_Partner.svc" {
		t.Errorf("request = %s %s, want POST /NIWS/NIWS_Partner.svc", got.method, got.path)
	}
	if want := `application/soap+xml; charset=utf-8; action="http://tempuri.org/INIWS_Partner/ValidateServiceKey"`; got.ctype != want {
		t.Errorf("Content-Type = %q, want %q", got.ctype, want)
	}
	for _, want := range []string{
		`<a:Action s:mustUnderstand="1">http://tempuri.org/INIWS_Partner/ValidateServiceKey</a:Action>`,
		`<a:To s:mustUnderstand="1">` + srv.URL + `/NIWS/NIWS_Partner.svc</a:To>`,
		`xmlns:nc="http://schemas.datacontract.org/2004/07/NC.DG.TMS.C.WCF.NIWS"`,
		`<nc:MerchantAccount>51234567890</nc:MerchantAccount>`,
		`<nc:ServiceInfo><nc:ServiceId>14</nc:ServiceId><nc:ServiceKey>key&lt;&amp;&gt;</nc:ServiceKey></nc:ServiceInfo>`,
		`<nc:SoftwareVendorKey>` + netcash.DefaultSoftwareVendorKey + `</nc:SoftwareVendorKey>`,
	} {
		if !strings.Contains(got.body, want) {
			t.Errorf("envelope lacks %s:\n%s", want, got.body)
		}
	}
}

func TestClientResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   provider.Error
	}{
		{"no account status", 200, `<s:Envelope xmlns:s="x"><s:Body/></s:Envelope>`,
			provider.Error{Kind: provider.ErrProvider, Message: "NetCash answered ValidateServiceKey without an account status"}},
		{"no pay now service", 200, `<s:Envelope xmlns:s="x"><s:Body><r><AccountStatus>001</AccountStatus></r></s:Body></s:Envelope>`,
			provider.Error{Kind: provider.ErrProvider, Message: "NetCash did not report on the Pay Now service key"}},
		{"unknown account status", 200, `<s:Envelope xmlns:s="x"><s:Body><r><AccountStatus>200</AccountStatus></r></s:Body></s:Envelope>`,
			provider.Error{Kind: provider.ErrProvider, Code: "200", Message: "NetCash account status 200: NetCash status 200"}},
		{"Text outside a fault is not a fault", 200, `<s:Envelope xmlns:s="x"><s:Body><Text>hi</Text><r><AccountStatus>103</AccountStatus></r></s:Body></s:Envelope>`,
			provider.Error{Kind: provider.ErrAuth, Code: "103", Message: "NetCash account status 103: the software vendor key is not valid"}},
		{"soap 1.1 fault in 200", 200, `<soap:Envelope xmlns:soap="x"><soap:Body><soap:Fault><faultcode>a</faultcode><faultstring>Boom</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
			provider.Error{Kind: provider.ErrProvider, Message: "NetCash SOAP fault: Boom"}},
		{"415 without body", 415, ``, provider.Error{Kind: provider.ErrProvider, Status: 415}},
		{"not xml", 200, `{"ok":true}`,
			provider.Error{Kind: provider.ErrProvider, Message: `expected a SOAP answer from NetCash; check the base URL (normally empty, for https://ws.netcash.co.za); it answered: {"ok":true}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			hc := providertest.HTTPClient()
			defer hc.CloseIdleConnections()
			c, err := netcash.NewClient(srv.URL, hc, "51234567890", secret.NewValue("service-key-123456"), secret.Value{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ValidateServiceKey(t.Context())
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("ValidateServiceKey() error = %v, want a *provider.Error", err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
