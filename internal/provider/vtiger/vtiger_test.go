package vtiger_test

import (
	"net/http"
	"testing"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/vtiger"
	"ihub/internal/provider/vtiger/vtigerfake"
)

func fake(t *testing.T, opts vtigerfake.Options) *vtigerfake.Server {
	t.Helper()
	s := vtigerfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, user, accessKey string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_vtiger",
		BaseURL:       baseURL,
		Username:      user,
		Credentials:   providertest.Creds(vtiger.FieldAccessKey, accessKey),
	}
}

func okConn(baseURL string) provider.Connection {
	return conn(baseURL, vtigerfake.DefaultUser, vtigerfake.DefaultAccessKey)
}

// onOperation answers rep for one operation only.
func onOperation(op string, rep *vtigerfake.Reply) func(*http.Request) *vtigerfake.Reply {
	return func(r *http.Request) *vtigerfake.Reply {
		if r.ParseForm() == nil && r.Form.Get("operation") == op {
			return rep
		}
		return nil
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ok := fake(t, vtigerfake.Options{})
	v6 := fake(t, vtigerfake.Options{VtigerVersion: "6.5.0", APIVersion: "0.2"})
	typesDenied := fake(t, vtigerfake.Options{Fail: onOperation("listtypes", vtigerfake.Failure("ACCESS_DENIED", "Permission to perform the operation is denied"))})
	undefined := fake(t, vtigerfake.Options{Fail: onOperation("login", vtigerfake.Failure("ACCESSKEY_UNDEFINED", "Access key for the user is undefined"))})
	echo := fake(t, vtigerfake.Options{Fail: onOperation("login", vtigerfake.Failure("INVALID_USER_CREDENTIALS", "bad key "+vtigerfake.DefaultAccessKey))})
	limited := fake(t, vtigerfake.Options{Fail: onOperation("getchallenge", vtigerfake.TooManyRequests(45*time.Second))})
	login := fake(t, vtigerfake.Options{Fail: onOperation("getchallenge", vtigerfake.HTMLPage(http.StatusOK, "vtiger CRM - Login"))})
	maint := fake(t, vtigerfake.Options{Fail: onOperation("getchallenge", vtigerfake.HTMLPage(http.StatusServiceUnavailable, "Service Unavailable - maintenance"))})
	hang := fake(t, vtigerfake.Options{Fail: vtigerfake.Hang})
	hangList := fake(t, vtigerfake.Options{Fail: func(r *http.Request) *vtigerfake.Reply {
		if r.URL.Query().Get("operation") == "listtypes" {
			return vtigerfake.Hang(r)
		}
		return nil
	}})

	providertest.Run(t, vtiger.New(),
		providertest.CheckerCase{
			Name: "ok",
			Conn: okConn(ok.URL()),
			Want: providertest.Want{OK: true, Contains: "Connected to vTiger 7.5.0 as admin",
				Details: []string{"vtigerVersion", "apiVersion", "userId", "moduleCount"}},
		},
		providertest.CheckerCase{
			Name: "ok vTiger 6",
			Conn: okConn(v6.URL()),
			Want: providertest.Want{OK: true, Contains: "vTiger 6.5.0"},
		},
		providertest.CheckerCase{
			Name: "listtypes denied keeps the test successful",
			Conn: okConn(typesDenied.URL()),
			Want: providertest.Want{OK: true, Details: []string{"note"}},
		},
		providertest.CheckerCase{
			Name: "wrong access key is auth in a 200 answer",
			Conn: conn(ok.URL(), vtigerfake.DefaultUser, "WrongAccessKey00"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 0, Contains: "Invalid username or password"},
		},
		providertest.CheckerCase{
			Name: "unknown user",
			Conn: conn(ok.URL(), "nobody", vtigerfake.DefaultAccessKey),
			Want: providertest.Want{Kind: provider.ErrAuth},
		},
		providertest.CheckerCase{
			Name: "access key undefined",
			Conn: okConn(undefined.URL()),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Access key for the user is undefined"},
		},
		providertest.CheckerCase{
			Name: "access key echoed by the server is redacted",
			Conn: okConn(echo.URL()),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "rate limited by a proxy",
			Conn: okConn(limited.URL()),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true},
		},
		providertest.CheckerCase{
			Name: "HTML login page with 200",
			Conn: okConn(login.URL()),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "vtiger CRM - Login"},
		},
		providertest.CheckerCase{
			Name: "maintenance page",
			Conn: okConn(maint.URL()),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusServiceUnavailable, Contains: "maintenance"},
		},
		providertest.CheckerCase{
			Name: "wrong base URL path",
			Conn: okConn(ok.URL() + "/crm"),
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound},
		},
		providertest.CheckerCase{
			Name: "no user name",
			Conn: conn(ok.URL(), "", vtigerfake.DefaultAccessKey),
			Want: providertest.Want{Kind: provider.ErrInvalid},
		},
		providertest.CheckerCase{
			Name: "unreachable",
			Conn: okConn(providertest.ClosedURL(t)),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"},
		},
		providertest.CheckerCase{
			Name:    "deadline during the challenge",
			Conn:    okConn(hang.URL()),
			Timeout: 150 * time.Millisecond,
			Want:    providertest.Want{Kind: provider.ErrTransport, Contains: "deadline exceeded"},
		},
		providertest.CheckerCase{
			Name:        "cancelled after login",
			Conn:        okConn(hangList.URL()),
			CancelAfter: 100 * time.Millisecond,
			Want:        providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"},
		},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, vtigerfake.Options{})
	wrong := conn(f.URL(), vtigerfake.DefaultUser, "WrongAccessKey00")

	providertest.Actions{
		Provider: vtiger.New(),
		Conn:     okConn,
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "query", Action: "query", Input: `{"query":"SELECT firstname, lastname, email FROM Contacts WHERE lastname = 'Nkosi'"}`,
				Want: providertest.Want{OK: true, Contains: `"email":"thandi@nkosi.example"`},
				Output: func(t *testing.T, out any) {
					o := out.(vtiger.QueryOutput)
					if o.Count != 1 || o.Records[0]["id"] != "12x1" {
						t.Errorf("query = %+v, want contact 12x1", o)
					}
				}},
			{Name: "query all with limit", Action: "query", Input: `{"query":"select * from Contacts order by lastname limit 1, 5;"}`,
				Want: providertest.Want{OK: true, Contains: `"count":2`}},
			{Name: "query nothing matches", Action: "query", Input: `{"query":"SELECT * FROM Leads WHERE company LIKE '%Acme%';"}`,
				Want: providertest.Want{OK: true, Contains: `"records":[]`}},
			{Name: "query syntax error", Action: "query", Input: `{"query":"SELECT FROM WHERE;"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Syntax Error"}},
			{Name: "query unknown module", Action: "query", Input: `{"query":"SELECT * FROM Invoices;"}`,
				Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Permission to perform the operation is denied"}},
			{Name: "query must be a select", Action: "query", Input: `{"query":"DELETE FROM Contacts;"}`,
				Want: providertest.Want{Input: true, Field: "query"}},
			{Name: "query wrong access key", Action: "query", Input: `{"query":"SELECT * FROM Contacts;"}`, Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth}},
			{Name: "list_types", Action: "list_types", Want: providertest.Want{OK: true, Contains: `"Contacts"`},
				Output: func(t *testing.T, out any) {
					o := out.(vtiger.ListTypesOutput)
					if len(o.Types) != 4 || o.Information["Contacts"].Label != "Contacts" {
						t.Errorf("list_types = %+v", o)
					}
				}},
		},
	}.Run(t)
}

func TestID(t *testing.T) {
	t.Parallel()
	if got := vtiger.New().Descriptor().ID; got != "vtiger" || vtiger.ID != "vtiger" {
		t.Errorf("vtiger.New().Descriptor().ID = %q, want %q", got, "vtiger")
	}
}
