package vtiger_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/vtiger"
	"ihub/internal/provider/vtiger/vtigerfake"
	"ihub/internal/secret"
)

func newClient(t *testing.T, f *vtigerfake.Server) *vtiger.Client {
	t.Helper()
	c, err := vtiger.NewClient(f.URL(), providertest.HTTPClient(), vtigerfake.DefaultUser, secret.NewValue(vtigerfake.DefaultAccessKey))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func calls(f *vtigerfake.Server) map[string]int {
	return map[string]int{"getchallenge": f.Calls("getchallenge"), "login": f.Calls("login"),
		"query": f.Calls("query"), "listtypes": f.Calls("listtypes")}
}

// TestSessionReuse checks that one login serves many calls.
func TestSessionReuse(t *testing.T) {
	t.Parallel()
	f := fake(t, vtigerfake.Options{})
	c := newClient(t, f)
	for range 3 {
		if _, err := c.ListTypes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(map[string]int{"getchallenge": 1, "login": 1, "query": 0, "listtypes": 3}, calls(f)); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
}

// TestReloginOnExpiredSession checks that an INVALID_SESSIONID answer
// triggers one new login and a retry.
func TestReloginOnExpiredSession(t *testing.T) {
	t.Parallel()
	f := fake(t, vtigerfake.Options{})
	c := newClient(t, f)
	if _, err := c.Query(t.Context(), "SELECT * FROM Accounts"); err != nil {
		t.Fatal(err)
	}
	f.ExpireSessions()
	rows, err := c.Query(t.Context(), "SELECT accountname FROM Accounts WHERE accountname = 'Nkosi Web';")
	if err != nil {
		t.Fatalf("Query() after expiry error = %v", err)
	}
	if diff := cmp.Diff([]map[string]any{{"id": "11x1", "accountname": "Nkosi Web"}}, rows); diff != "" {
		t.Errorf("Query() mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"getchallenge": 2, "login": 2, "query": 3, "listtypes": 0}, calls(f)); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
}

// TestConcurrentCallsShareOneLogin runs calls in parallel on a fresh
// client: they must wait for a single login.
func TestConcurrentCallsShareOneLogin(t *testing.T) {
	t.Parallel()
	f := fake(t, vtigerfake.Options{})
	c := newClient(t, f)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := c.ListTypes(t.Context())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := f.Calls("login"); got != 1 {
		t.Errorf("logins = %d, want 1", got)
	}
}

// TestLoginWire checks the login exchange byte for byte: getchallenge as
// a GET with the user name, login as a form POST with accessKey =
// md5hex(token + access key) (computed independently), then the session
// name on later calls.
func TestLoginWire(t *testing.T) {
	t.Parallel()
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Form.Encode())
		switch r.Form.Get("operation") {
		case "getchallenge":
			_, _ = io.WriteString(w, `{"success":true,"result":{"token":"5f2a1b3c4d5e6","serverTime":1700000000,"expireTime":1700000300}}`)
		case "login":
			_, _ = io.WriteString(w, `{"success":true,"result":{"sessionName":"sess0123456789","userId":"19x1","version":"0.22","vtigerVersion":"7.5.0"}}`)
		default:
			_, _ = io.WriteString(w, `{"success":true,"result":{"types":["Contacts"],"information":{}}}`)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := vtiger.NewClient(srv.URL+"/crm/", providertest.HTTPClient(), "admin", secret.NewValue("Xq7Lr2Vb9Tk4Mz1N"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListTypes(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /crm/webservice.php operation=getchallenge&username=admin",
		"POST /crm/webservice.php accessKey=075b36745d9d07470831770980ef8210&operation=login&username=admin",
		"GET /crm/webservice.php operation=listtypes&sessionName=sess0123456789",
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
}

// TestExpiredChallengeRetried checks that a challenge expiring before the
// login (INVALID_AUTH_TOKEN) is fetched again once.
func TestExpiredChallengeRetried(t *testing.T) {
	t.Parallel()
	var logins int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		switch r.Form.Get("operation") {
		case "getchallenge":
			_, _ = io.WriteString(w, `{"success":true,"result":{"token":"tok"}}`)
		case "login":
			logins++
			if logins == 1 {
				_, _ = io.WriteString(w, `{"success":false,"error":{"code":"INVALID_AUTH_TOKEN","message":"Specified token is invalid or expired"}}`)
				return
			}
			_, _ = io.WriteString(w, `{"success":true,"result":{"sessionName":"s1","userId":"19x1"}}`)
		}
	}))
	t.Cleanup(srv.Close)
	c, _ := vtiger.NewClient(srv.URL, providertest.HTTPClient(), "admin", secret.NewValue("key-123456"))
	if _, err := c.Login(t.Context()); err != nil || logins != 2 {
		t.Errorf("Login() = %v after %d logins, want success after 2", err, logins)
	}
}
