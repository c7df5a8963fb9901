package whm_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whm"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/secret"
)

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, whmfake.Options{})
	limited := fake(t, whmfake.Options{
		Tokens: map[string]string{"res1": "RES1TOKEN0123456789ABCDEFGHIJKLM"},
		Apps:   []string{"listaccts", "showbw"},
	})
	wrongToken := conn(f.URL(), whmfake.DefaultUser, "WRONGTOKEN0123456789ABCDEFGHIJKL")
	reseller := conn(limited.URL(), "res1", "RES1TOKEN0123456789ABCDEFGHIJKLM")
	wrongPath := conn(f.URL()+"/not-whm", whmfake.DefaultUser, whmfake.DefaultToken)
	users := func(want ...string) func(t *testing.T, out any) {
		return func(t *testing.T, out any) {
			t.Helper()
			var got []string
			for _, a := range out.(whm.ListAccountsOutput).Accounts {
				got = append(got, a.User)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("accounts mismatch (-want +got):\n%s", diff)
			}
		}
	}
	providertest.Actions{
		Provider: whm.New(),
		Conn:     func(base string) provider.Connection { return conn(base, whmfake.DefaultUser, whmfake.DefaultToken) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "list all", Action: "list_accounts", Want: providertest.Want{OK: true, Contains: `"user":"alpha"`}},
			{Name: "list exact user", Action: "list_accounts", Input: `{"search":"charlie","searchType":"user","searchMethod":"exact"}`,
				Want: providertest.Want{OK: true}, Output: users("charlie")},
			{Name: "list reseller sees its own", Action: "list_accounts", Conn: &reseller,
				Want: providertest.Want{OK: true}, Output: users("charlie")},
			{Name: "list no match is empty", Action: "list_accounts", Input: `{"search":"zulu","searchType":"user","searchMethod":"exact"}`,
				Want: providertest.Want{OK: true, Contains: `{"accounts":[]}`}},
			{Name: "list wrong token", Action: "list_accounts", Conn: &wrongToken,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "Access denied"}},
			{Name: "list wrong base path", Action: "list_accounts", Conn: &wrongPath,
				Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound}},

			{Name: "create", Action: "create_account",
				Input: `{"username":"delta","domain":"delta.example","password":"s3cret-Pa55word!","plan":"gold","contactEmail":"d@delta.example","quotaMB":500}`,
				Want:  providertest.Want{OK: true}, Output: func(t *testing.T, out any) {
					want := whm.CreateAccountOutput{Account: whm.CreatedAccount{User: "delta", Domain: "delta.example",
						IP: "192.0.2.10", Package: "gold", Nameservers: []string{"ns1.example.test", "ns2.example.test"},
						Message: "Account Creation Ok"}}
					if diff := cmp.Diff(want, out); diff != "" {
						t.Errorf("output mismatch (-want +got):\n%s", diff)
					}
				}},
			{Name: "create existing account", Action: "create_account",
				Input: `{"username":"alpha","domain":"other.example","password":"s3cret-Pa55word!"}`,
				Want:  providertest.Want{Kind: provider.ErrProvider, Contains: "The account 'alpha' already exists."}},
			{Name: "create without permission", Action: "create_account", Conn: &reseller,
				Input: `{"username":"echo","domain":"echo.example","password":"s3cret-Pa55word!"}`,
				Want:  providertest.Want{Kind: provider.ErrAuth, Contains: "Access denied"}},

			{Name: "create with a blank user name", Action: "create_account",
				Input: `{"username":" ","domain":"echo.example","password":"s3cret-Pa55word!"}`,
				Want:  providertest.Want{Input: true, Field: "username"}},
			{Name: "create with a blank domain", Action: "create_account",
				Input: `{"username":"echo","domain":"  ","password":"s3cret-Pa55word!"}`,
				Want:  providertest.Want{Input: true, Field: "domain"}},
			{Name: "create without a password", Action: "create_account",
				Input: `{"username":"echo","domain":"echo.example","password":""}`,
				Want:  providertest.Want{Input: true, Field: "password"}},
			{Name: "suspend a blank user", Action: "suspend_account", Input: `{"user":" "}`,
				Want: providertest.Want{Input: true, Field: "user"}},
			{Name: "unsuspend a blank user", Action: "unsuspend_account", Input: `{"user":" "}`,
				Want: providertest.Want{Input: true, Field: "user"}},

			{Name: "suspend", Action: "suspend_account", Input: `{"user":"alpha","reason":"Non-payment"}`,
				Want: providertest.Want{OK: true, Contains: `"suspended":true`}},
			{Name: "suspend unknown account", Action: "suspend_account", Input: `{"user":"zulu"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "does not exist"}},
			{Name: "unsuspend", Action: "unsuspend_account", Input: `{"user":"bravo"}`,
				Want: providertest.Want{OK: true, Contains: `"suspended":false`}},
			{Name: "unsuspend unknown account", Action: "unsuspend_account", Input: `{"user":"zulu"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "does not exist"}},

			{Name: "disk usage of one account", Action: "account_disk_usage", Input: `{"user":"alpha"}`,
				Want: providertest.Want{OK: true}, Output: func(t *testing.T, out any) {
					limit := int64(1000 << 10)
					want := whm.DiskUsageOutput{Accounts: []whm.DiskUsage{{User: "alpha", BlocksUsed: 120 << 10,
						BlocksLimit: &limit, InodesUsed: 4200}}}
					if diff := cmp.Diff(want, out); diff != "" {
						t.Errorf("output mismatch (-want +got):\n%s", diff)
					}
				}},
			{Name: "disk usage of all", Action: "account_disk_usage", Want: providertest.Want{OK: true, Contains: `"user":"charlie"`}},

			{Name: "bandwidth", Action: "bandwidth", Input: `{"month":11,"year":2026,"search":"bravo","searchType":"user"}`,
				Want: providertest.Want{OK: true}, Output: func(t *testing.T, out any) {
					want := whm.BandwidthOutput{Report: whm.BandwidthReport{Month: 11, Year: 2026, TotalUsed: 52428800,
						Accounts: []whm.AccountBandwidth{{User: "bravo", Domain: "bravo.example", TotalBytes: 52428800}}}}
					if diff := cmp.Diff(want, out); diff != "" {
						t.Errorf("output mismatch (-want +got):\n%s", diff)
					}
				}},

			{Name: "autossl one user", Action: "start_autossl", Input: `{"user":"charlie"}`,
				Want: providertest.Want{OK: true, Contains: `"pid":`}},
			{Name: "autossl all users", Action: "start_autossl", Want: providertest.Want{OK: true, Contains: `"pid":`}},
			{Name: "autossl unknown user", Action: "start_autossl", Input: `{"user":"zulu"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "does not exist"}},
		},
	}.Run(t)
}

func TestActionsChangeTheFake(t *testing.T) {
	t.Parallel()
	f := fake(t, whmfake.Options{})
	p := whm.New()
	cl, err := p.NewClient(providertest.HTTPClient(), conn(f.URL(), whmfake.DefaultUser, whmfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	run := func(name, input string) {
		t.Helper()
		a, ok := provider.FindAction(p, name)
		if !ok {
			t.Fatalf("no action %s", name)
		}
		if _, err := a.Run(t.Context(), cl, []byte(input)); err != nil {
			t.Fatalf("%s(%s) error = %v", name, input, err)
		}
	}
	run("create_account", `{"username":"delta","domain":"delta.example","password":"s3cret-Pa55word!"}`)
	run("suspend_account", `{"user":"delta","reason":"Abuse"}`)
	var got *whmfake.Account
	for _, a := range f.Accounts() {
		if a.User == "delta" {
			got = &a
		}
	}
	if got == nil || !got.Suspended || got.SuspendReason != "Abuse" || got.Owner != "root" {
		t.Fatalf("fake account delta = %+v, want suspended by root for Abuse", got)
	}
	run("unsuspend_account", `{"user":"delta"}`)
	for _, a := range f.Accounts() {
		if a.User == "delta" && a.Suspended {
			t.Errorf("delta still suspended after unsuspend_account")
		}
	}
}

func TestCreateAccountRequest(t *testing.T) {
	t.Parallel()
	const password = "Very-s3cret-password"
	var method, rawQuery, contentType string
	var form url.Values
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		method, rawQuery, contentType = r.Method, r.URL.RawQuery, r.Header.Get("Content-Type")
		b, _ := io.ReadAll(r.Body)
		form, _ = url.ParseQuery(string(b))
		_, _ = io.WriteString(w, `{"data":{},"metadata":{"command":"createacct","reason":"Password `+password+` rejected","result":0,"version":1}}`)
	})
	_, err := c.CreateAccount(t.Context(), whm.CreateAccountOptions{Username: "delta", Domain: "delta.example", Password: secret.NewValue(password)})
	if method != http.MethodPost || rawQuery != "" || contentType != "application/x-www-form-urlencoded" {
		t.Errorf("request = %s ?%q %q, want a POST form without a query", method, rawQuery, contentType)
	}
	want := url.Values{"api.version": {"1"}, "username": {"delta"}, "domain": {"delta.example"}, "password": {password}}
	if diff := cmp.Diff(want, form); diff != "" {
		t.Errorf("form mismatch (-want +got):\n%s", diff)
	}
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Message != "Password [REDACTED] rejected" {
		t.Errorf("CreateAccount() error = %v, want the password redacted", err)
	}
}

func TestReportQuirks(t *testing.T) {
	t.Parallel()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/showbw"):
			_, _ = io.WriteString(w, `{"data":{"acct":[{"user":"a","maindomain":"a.example","totalbytes":"1024","limit":"unlimited"},`+
				`{"user":"b","domain":"b.example","totalbytes":5,"limit":0},{"user":"c","domain":"c.example","totalbytes":0,"limit":"2048"}],`+
				`"month":"3","year":2026,"totalused":"1029"},"metadata":{"command":"showbw","reason":"OK","result":1,"version":1}}`)
		case strings.HasSuffix(r.URL.Path, "/get_disk_usage"):
			_, _ = io.WriteString(w, `{"data":{"accounts":[{"user":"a","blocks_used":"10","blocks_limit":null,"inodes_used":3,"inodes_limit":"100"}]},`+
				`"metadata":{"command":"get_disk_usage","reason":"OK","result":"1","version":1}}`)
		default:
			_, _ = io.WriteString(w, `{"data":{"pid":"321"},"metadata":{"command":"x","reason":"OK","result":1,"version":1}}`)
		}
	})
	bw, err := c.Bandwidth(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	lim := int64(2048)
	wantBW := &whm.BandwidthReport{Month: 3, Year: 2026, TotalUsed: 1029, Accounts: []whm.AccountBandwidth{
		{User: "a", Domain: "a.example", TotalBytes: 1024}, {User: "b", Domain: "b.example", TotalBytes: 5},
		{User: "c", Domain: "c.example", Limit: &lim}}}
	if diff := cmp.Diff(wantBW, bw); diff != "" {
		t.Errorf("Bandwidth() mismatch (-want +got):\n%s", diff)
	}
	du, err := c.DiskUsage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	il := int64(100)
	if diff := cmp.Diff([]whm.DiskUsage{{User: "a", BlocksUsed: 10, InodesUsed: 3, InodesLimit: &il}}, du); diff != "" {
		t.Errorf("DiskUsage() mismatch (-want +got):\n%s", diff)
	}
	pid, err := c.StartAutoSSL(t.Context(), "a")
	if err != nil || pid != 321 {
		t.Errorf("StartAutoSSL() = %d, %v; want 321", pid, err)
	}
}

func TestClientMethodsRejectMissingUser(t *testing.T) {
	t.Parallel()
	var hits int
	c := setup(t, func(w http.ResponseWriter, r *http.Request) { hits++ })
	ctx := t.Context()
	calls := map[string]func() error{
		"SuspendAccount":   func() error { _, err := c.SuspendAccount(ctx, " ", nil); return err },
		"UnsuspendAccount": func() error { _, err := c.UnsuspendAccount(ctx, ""); return err },
		"CreateAccount": func() error {
			_, err := c.CreateAccount(ctx, whm.CreateAccountOptions{Username: "a", Domain: "a.example"})
			return err
		},
	}
	for name, call := range calls {
		var perr *provider.Error
		if err := call(); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s() error = %v, want invalid", name, err)
		}
	}
	if hits != 0 {
		t.Errorf("server saw %d requests, want 0", hits)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := whm.New()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Get("Authorization") }))
	t.Cleanup(srv.Close)
	c := conn(srv.URL+"/", "root", testToken)
	base, err := p.ProxyBase(c)
	if err != nil || base.String() != srv.URL {
		t.Fatalf("ProxyBase() = %v, %v; want %s", base, err, srv.URL)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base.JoinPath("json-api", "version").String(), nil)
	if err := p.Authorize(t.Context(), req, c); err != nil {
		t.Fatal(err)
	}
	resp, err := providertest.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "whm root:"+testToken {
		t.Errorf("Authorization = %q, want whm root:<token>", got)
	}
	for name, bad := range map[string]provider.Connection{
		"no token":      conn(srv.URL, "root", ""),
		"no user":       conn(srv.URL, "", testToken),
		"newline":       conn(srv.URL, "root", "abc\ndef"),
		"colon in user": conn(srv.URL, "ro:ot", testToken),
	} {
		var perr *provider.Error
		if err := p.Authorize(t.Context(), req.Clone(t.Context()), bad); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: Authorize() error = %v, want invalid", name, err)
		}
	}
	if _, err := p.ProxyBase(conn("ftp://x", "root", testToken)); err == nil {
		t.Error("ProxyBase(ftp://x) error = nil, want invalid")
	}
}
