package whm_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whm"
	"ihub/internal/provider/whm/whmfake"
)

// fake starts a whmfake server closed at the end of the test.
func fake(t *testing.T, opts whmfake.Options) *whmfake.Server {
	t.Helper()
	s := whmfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, user, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_whm",
		BaseURL:       baseURL,
		Username:      user,
		Credentials:   providertest.Creds(whm.FieldAPIToken, token),
	}
}

// failOn returns a Fail hook that answers rep for calls of fn only.
func failOn(fn string, rep *whmfake.Reply) func(*http.Request) *whmfake.Reply {
	return func(r *http.Request) *whmfake.Reply {
		if strings.HasSuffix(r.URL.Path, "/"+fn) {
			return rep
		}
		return nil
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	const (
		user  = whmfake.DefaultUser
		token = whmfake.DefaultToken
	)
	ok := fake(t, whmfake.Options{})
	tlsFake := fake(t, whmfake.Options{TLS: true})
	reseller := fake(t, whmfake.Options{
		Tokens: map[string]string{"reseller1": "RESELLERTOKEN0123456789ABCDEFGH"},
		Apps:   []string{"applist", "version", "listaccts", "suspendacct"},
	})
	applistDenied := fake(t, whmfake.Options{Fail: failOn("applist", whmfake.AccessDenied())})
	applistFailed := fake(t, whmfake.Options{Fail: failOn("applist", whmfake.Failure("applist", "Internal failure"))})
	versionFailed := fake(t, whmfake.Options{Fail: failOn("version", whmfake.Failure("version", "The license is not valid."))})
	echoesToken := fake(t, whmfake.Options{Fail: failOn("version", whmfake.Failure("version", "Bad token whm root:"+token))})
	limited := fake(t, whmfake.Options{Fail: failOn("version", whmfake.TooManyRequests(30*time.Second))})
	badGateway := fake(t, whmfake.Options{Fail: failOn("version", whmfake.HTMLPage(http.StatusBadGateway, "502 Bad Gateway", "nginx"))})
	htmlForbidden := fake(t, whmfake.Options{Fail: failOn("version", whmfake.HTMLPage(http.StatusForbidden, "Request blocked by the firewall", "You don't have permission to access this resource."))})
	loginPage := fake(t, whmfake.Options{Fail: failOn("version", whmfake.HTMLPage(http.StatusOK, "WHM Login", "Log in to WHM"))})
	hugeError := fake(t, whmfake.Options{Fail: failOn("version", &whmfake.Reply{Status: http.StatusInternalServerError, Body: strings.Repeat("cpsrvd internal error ", 100_000)})})
	hang := fake(t, whmfake.Options{Fail: whmfake.Hang})

	providertest.Run(t, whm.New(),
		providertest.CheckerCase{
			Name: "ok",
			Conn: conn(ok.URL(), user, token),
			Want: providertest.Want{OK: true, Contains: "Connected to WHM 11.118.0.5 as root",
				Details: []string{"version", "applicationCount", "permissions", "missingPermissions"}},
		},
		providertest.CheckerCase{
			Name:   "ok over TLS",
			Conn:   conn(tlsFake.URL(), user, token),
			Client: tlsFake.Client(),
			Want:   providertest.Want{OK: true, Contains: "as root"},
		},
		providertest.CheckerCase{
			Name: "ok reseller with few permissions",
			Conn: conn(reseller.URL(), "reseller1", "RESELLERTOKEN0123456789ABCDEFGH"),
			Want: providertest.Want{OK: true, Contains: "as reseller1", Details: []string{"permissions"}},
		},
		providertest.CheckerCase{
			Name: "applist denied keeps the test successful",
			Conn: conn(applistDenied.URL(), user, token),
			Want: providertest.Want{OK: true, Details: []string{"version", "note"}},
		},
		providertest.CheckerCase{
			Name: "applist failure keeps the test successful",
			Conn: conn(applistFailed.URL(), user, token),
			Want: providertest.Want{OK: true, Details: []string{"note"}},
		},
		providertest.CheckerCase{
			Name: "wrong token",
			Conn: conn(ok.URL(), user, "WRONGTOKEN0123456789ABCDEFGHIJKL"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "403 Forbidden — Access denied"},
		},
		providertest.CheckerCase{
			Name: "unknown user",
			Conn: conn(ok.URL(), "nobody", token),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden},
		},
		providertest.CheckerCase{
			Name: "HTML 403 page",
			Conn: conn(htmlForbidden.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "403 Forbidden — Request blocked by the firewall"},
		},
		providertest.CheckerCase{
			Name: "result 0 is a provider error with the reason",
			Conn: conn(versionFailed.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "The license is not valid."},
		},
		providertest.CheckerCase{
			Name: "token echoed by the server is redacted",
			Conn: conn(echoesToken.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "rate limited",
			Conn: conn(limited.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true},
		},
		providertest.CheckerCase{
			Name: "HTML 502 page",
			Conn: conn(badGateway.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadGateway},
		},
		providertest.CheckerCase{
			Name: "HTML page with 200 (not a WHM port)",
			Conn: conn(loginPage.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "WHM Login"},
		},
		providertest.CheckerCase{
			Name: "huge error body",
			Conn: conn(hugeError.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusInternalServerError},
		},
		providertest.CheckerCase{
			Name: "unreachable",
			Conn: conn(providertest.ClosedURL(t), user, token),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"},
		},
		providertest.CheckerCase{
			Name: "TLS certificate not trusted",
			Conn: conn(tlsFake.URL(), user, token),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "certificate"},
		},
		providertest.CheckerCase{
			Name:    "deadline",
			Conn:    conn(hang.URL(), user, token),
			Timeout: 150 * time.Millisecond,
			Want:    providertest.Want{Kind: provider.ErrTransport},
		},
		providertest.CheckerCase{
			Name:        "cancelled",
			Conn:        conn(hang.URL(), user, token),
			CancelAfter: 100 * time.Millisecond,
			Want:        providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"},
		},
	)
}

func TestTestDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  whmfake.Options
		user  string
		token string
		want  map[string]any
	}{
		{
			name:  "root token",
			opts:  whmfake.Options{},
			user:  whmfake.DefaultUser,
			token: whmfake.DefaultToken,
			want: map[string]any{
				"version":          "11.118.0.5",
				"applicationCount": len(whmfake.AllApps()),
				"permissions": []string{"listaccts", "createacct", "suspendacct", "unsuspendacct",
					"showbw", "get_disk_usage", "start_autossl_check_for_one_user"},
				"missingPermissions": []string{},
			},
		},
		{
			name: "limited reseller token",
			opts: whmfake.Options{
				Version: "11.126.0.1",
				Tokens:  map[string]string{"res": "RESTOKEN0123456789ABCDEFGHIJKLMN"},
				Apps:    []string{"version", "applist", "listaccts", "showbw"},
			},
			user:  "res",
			token: "RESTOKEN0123456789ABCDEFGHIJKLMN",
			want: map[string]any{
				"version":          "11.126.0.1",
				"applicationCount": 4,
				"permissions":      []string{"listaccts", "showbw"},
				"missingPermissions": []string{"createacct", "suspendacct", "unsuspendacct", "get_disk_usage",
					"start_autossl_check_for_one_user"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fake(t, tt.opts)
			res, err := whm.New().Test(t.Context(), providertest.HTTPClient(), conn(f.URL(), tt.user, tt.token))
			if err != nil {
				t.Fatalf("Test() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, res.Details); diff != "" {
				t.Errorf("Test() details mismatch (-want +got):\n%s", diff)
			}
			if got := f.Calls("version") + f.Calls("applist"); got != 2 {
				t.Errorf("version+applist calls = %d, want 2", got)
			}
		})
	}
}

func TestTestApplistNote(t *testing.T) {
	t.Parallel()
	f := fake(t, whmfake.Options{Fail: failOn("applist", whmfake.AccessDenied())})
	res, err := whm.New().Test(t.Context(), providertest.HTTPClient(), conn(f.URL(), whmfake.DefaultUser, whmfake.DefaultToken))
	if err != nil {
		t.Fatalf("Test() error = %v", err)
	}
	want := "could not list the functions this token may call: 403 Forbidden — Access denied"
	if got := res.Details["note"]; got != want {
		t.Errorf("Test() details[note] = %q, want %q", got, want)
	}
	if _, ok := res.Details["permissions"]; ok {
		t.Errorf("Test() details = %v, want no permissions when applist failed", res.Details)
	}
}

func TestID(t *testing.T) {
	t.Parallel()
	if got := whm.New().Descriptor().ID; got != "whm" {
		t.Errorf("whm.New().Descriptor().ID = %q, want %q", got, "whm")
	}
}
