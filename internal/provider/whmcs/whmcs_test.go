package whmcs_test

import (
	"net/http"
	"testing"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whmcs"
	"ihub/internal/provider/whmcs/whmcsfake"
)

func fake(t *testing.T, opts whmcsfake.Options) *whmcsfake.Server {
	t.Helper()
	s := whmcsfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, identifier, secret string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_whmcs",
		BaseURL:       baseURL,
		Credentials: providertest.Creds(whmcs.FieldIdentifier, identifier, whmcs.FieldSecret, secret,
			whmcs.FieldWebhookSecret, "whsec-whmcs-hook-module-secret"),
	}
}

func okConn(baseURL string) provider.Connection {
	return conn(baseURL, whmcsfake.DefaultIdentifier, whmcsfake.DefaultSecret)
}

func legacyConn(baseURL, user, password string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_whmcs",
		BaseURL:       baseURL,
		Username:      user,
		Credentials:   providertest.Creds(whmcs.FieldPassword, password),
	}
}

func onAction(action string, rep *whmcsfake.Reply) func(*http.Request) *whmcsfake.Reply {
	return func(r *http.Request) *whmcsfake.Reply {
		if r.ParseForm() == nil && r.PostForm.Get("action") == action {
			return rep
		}
		return nil
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ok := fake(t, whmcsfake.Options{})
	restricted := fake(t, whmcsfake.Options{RestrictIP: true})
	denied := fake(t, whmcsfake.Options{Denied: []string{"WhmcsDetails"}})
	echo := fake(t, whmcsfake.Options{Fail: onAction("WhmcsDetails", whmcsfake.Error("Authentication Failed for "+whmcsfake.DefaultSecret))})
	limited := fake(t, whmcsfake.Options{Fail: onAction("WhmcsDetails", whmcsfake.TooManyRequests(30*time.Second))})
	ipPage := fake(t, whmcsfake.Options{Fail: onAction("WhmcsDetails", &whmcsfake.Reply{Status: http.StatusForbidden,
		Body: `{"result":"error","message":"Invalid IP 203.0.113.9"}`})})
	login := fake(t, whmcsfake.Options{Fail: onAction("WhmcsDetails", whmcsfake.HTMLPage(http.StatusOK, "Admin Login - WHMCS"))})
	maint := fake(t, whmcsfake.Options{Fail: onAction("WhmcsDetails", whmcsfake.HTMLPage(http.StatusServiceUnavailable, "Down for Maintenance"))})
	hang := fake(t, whmcsfake.Options{Fail: whmcsfake.Hang})

	withKey := okConn(restricted.URL())
	withKey.Credentials[whmcs.FieldAccessKey] = providertest.Creds("k", whmcsfake.DefaultAccessKey)["k"]

	providertest.Run(t, whmcs.New(),
		providertest.CheckerCase{
			Name: "ok",
			Conn: okConn(ok.URL()),
			Want: providertest.Want{OK: true, Contains: "Connected to WHMCS 8.10.1", Details: []string{"version", "canonicalVersion", "auth"}},
		},
		providertest.CheckerCase{
			Name: "ok legacy admin login",
			Conn: legacyConn(ok.URL(), whmcsfake.DefaultAdminUser, whmcsfake.DefaultAdminPassword),
			Want: providertest.Want{OK: true, Contains: "Connected to WHMCS 8.10.1 as admin"},
		},
		providertest.CheckerCase{
			Name: "ok legacy admin login with the MD5 entered",
			Conn: legacyConn(ok.URL(), whmcsfake.DefaultAdminUser, whmcsfake.MD5(whmcsfake.DefaultAdminPassword)),
			Want: providertest.Want{OK: true},
		},
		providertest.CheckerCase{
			Name: "ok with access key past the IP allow-list",
			Conn: withKey,
			Want: providertest.Want{OK: true},
		},
		providertest.CheckerCase{
			Name: "wrong secret is auth in a 200 answer",
			Conn: conn(ok.URL(), whmcsfake.DefaultIdentifier, "WrongSecret0123456789abcdefghijk"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 0, Contains: "Authentication Failed"},
		},
		providertest.CheckerCase{
			Name: "wrong admin password",
			Conn: legacyConn(ok.URL(), whmcsfake.DefaultAdminUser, "not-the-password"),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Authentication Failed"},
		},
		providertest.CheckerCase{
			Name: "IP not allow-listed",
			Conn: okConn(restricted.URL()),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Invalid IP 127.0.0.1"},
		},
		providertest.CheckerCase{
			Name: "IP not allow-listed with 403",
			Conn: okConn(ipPage.URL()),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "403 Forbidden — Invalid IP 203.0.113.9"},
		},
		providertest.CheckerCase{
			Name: "role lacks the action",
			Conn: okConn(denied.URL()),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: `Invalid Permissions: API action "whmcsdetails" is not allowed`},
		},
		providertest.CheckerCase{
			Name: "secret echoed by the server is redacted",
			Conn: okConn(echo.URL()),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "rate limited by a proxy",
			Conn: okConn(limited.URL()),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true},
		},
		providertest.CheckerCase{
			Name: "HTML page with 200",
			Conn: okConn(login.URL()),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Admin Login - WHMCS"},
		},
		providertest.CheckerCase{
			Name: "maintenance page",
			Conn: okConn(maint.URL()),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusServiceUnavailable, Contains: "Down for Maintenance"},
		},
		providertest.CheckerCase{
			Name: "wrong base URL path",
			Conn: okConn(ok.URL() + "/billing"),
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound},
		},
		providertest.CheckerCase{
			Name: "identifier without secret",
			Conn: conn(ok.URL(), whmcsfake.DefaultIdentifier, ""),
			Want: providertest.Want{Kind: provider.ErrInvalid},
		},
		providertest.CheckerCase{
			Name: "no credentials at all",
			Conn: provider.Connection{BaseURL: ok.URL()},
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "not set"},
		},
		providertest.CheckerCase{
			Name: "unreachable",
			Conn: okConn(providertest.ClosedURL(t)),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"},
		},
		providertest.CheckerCase{
			Name:    "deadline",
			Conn:    okConn(hang.URL()),
			Timeout: 150 * time.Millisecond,
			Want:    providertest.Want{Kind: provider.ErrTransport, Contains: "deadline exceeded"},
		},
		providertest.CheckerCase{
			Name:        "cancelled",
			Conn:        okConn(hang.URL()),
			CancelAfter: 100 * time.Millisecond,
			Want:        providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"},
		},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, whmcsfake.Options{})
	denied := fake(t, whmcsfake.Options{Denied: []string{"GetStats"}})
	deniedConn := okConn(denied.URL())
	wrong := conn(f.URL(), whmcsfake.DefaultIdentifier, "WrongSecret0123456789abcdefghijk")
	legacy := legacyConn(f.URL(), whmcsfake.DefaultAdminUser, whmcsfake.DefaultAdminPassword)

	providertest.Actions{
		Provider: whmcs.New(),
		Conn:     okConn,
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "get_clients", Action: "get_clients", Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(whmcs.GetClientsOutput)
					if o.TotalResults != 3 || len(o.Clients) != 3 || o.Clients[0].Email != "thandi@nkosi.example" {
						t.Errorf("get_clients = %+v, want the 3 seeded clients", o)
					}
				}},
			{Name: "get_clients search", Action: "get_clients", Input: `{"search":"silva","status":"Closed"}`,
				Want: providertest.Want{OK: true, Contains: `"lastname":"Silva"`}},
			{Name: "get_clients empty page", Action: "get_clients", Input: `{"limitStart":10}`,
				Want: providertest.Want{OK: true, Contains: `"clients":[]`}},
			{Name: "get_clients legacy login", Action: "get_clients", Conn: &legacy, Want: providertest.Want{OK: true}},
			{Name: "get_clients wrong secret", Action: "get_clients", Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Authentication Failed"}},
			{Name: "get_client_details", Action: "get_client_details", Input: `{"clientId":1,"stats":true}`,
				Want: providertest.Want{OK: true, Contains: `"dueinvoicesbalance":"$15.95 USD"`},
				Output: func(t *testing.T, out any) {
					o := out.(whmcs.GetClientDetailsOutput)
					if o.Client.FullName != "Thandi Nkosi" || o.Client.Status != "Active" {
						t.Errorf("get_client_details = %+v", o.Client)
					}
				}},
			{Name: "get_client_details drops the password hash", Action: "get_client_details", Input: `{"email":"ana@silva.example"}`,
				Output: func(t *testing.T, out any) {
					o := out.(whmcs.GetClientDetailsOutput)
					if o.Client.ID != 3 || o.Stats != nil {
						t.Errorf("get_client_details = %+v", o)
					}
				}, Want: providertest.Want{OK: true}},
			{Name: "get_client_details not found", Action: "get_client_details", Input: `{"clientId":99}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "Client Not Found"}},
			{Name: "get_client_details needs id or email", Action: "get_client_details",
				Want: providertest.Want{Input: true, Field: "clientId"}},
			{Name: "get_products", Action: "get_products", Input: `{"module":"cpanel"}`,
				Want: providertest.Want{OK: true, Contains: `"monthly":"5.95"`},
				Output: func(t *testing.T, out any) {
					if o := out.(whmcs.GetProductsOutput); o.TotalResults != 2 || len(o.Products) != 2 {
						t.Errorf("get_products = %+v, want the 2 cPanel products", o)
					}
				}},
			{Name: "get_products none", Action: "get_products", Input: `{"gid":9}`,
				Want: providertest.Want{OK: true, Contains: `"products":[]`}},
			{Name: "open_ticket", Action: "open_ticket",
				Input: `{"deptId":1,"subject":"Site down","message":"Please help","clientId":1,"priority":"High"}`,
				Want:  providertest.Want{OK: true, Contains: `"tid":"51675`}},
			{Name: "open_ticket as guest", Action: "open_ticket",
				Input: `{"deptId":2,"subject":"Question","message":"Hi","name":"Guest","email":"guest@example.org","noEmail":true}`,
				Want:  providertest.Want{OK: true}},
			{Name: "open_ticket unknown department", Action: "open_ticket",
				Input: `{"deptId":9,"subject":"x","message":"y","clientId":1}`,
				Want:  providertest.Want{Kind: provider.ErrNotFound, Contains: "Department ID not found"}},
			{Name: "open_ticket needs a client or name and email", Action: "open_ticket",
				Input: `{"deptId":1,"subject":"x","message":"y"}`,
				Want:  providertest.Want{Input: true, Field: "clientId"}},
			{Name: "get_invoice", Action: "get_invoice", Input: `{"invoiceId":1001}`,
				Want: providertest.Want{OK: true, Contains: `"status":"Unpaid"`},
				Output: func(t *testing.T, out any) {
					o := out.(whmcs.GetInvoiceOutput)
					if o.Invoice.InvoiceID != 1001 || o.Invoice.Balance != "15.95" || len(o.Invoice.Items) != 2 {
						t.Errorf("get_invoice = %+v", o.Invoice)
					}
				}},
			{Name: "get_invoice not found", Action: "get_invoice", Input: `{"invoiceId":4242}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "Invoice ID Not Found"}},
			{Name: "get_stats", Action: "get_stats", Want: providertest.Want{OK: true, Contains: `"income_thismonth":"$14.95 USD"`}},
			{Name: "get_stats not permitted", Action: "get_stats", Conn: &deniedConn,
				Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Invalid Permissions"}},
		},
	}.Run(t)
}

func TestID(t *testing.T) {
	t.Parallel()
	if got := whmcs.New().Descriptor().ID; got != "whmcs" || whmcs.ID != "whmcs" {
		t.Errorf("whmcs.New().Descriptor().ID = %q, want %q", got, "whmcs")
	}
}
