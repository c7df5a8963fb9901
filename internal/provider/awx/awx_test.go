package awx_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/awx"
	"ihub/internal/provider/awx/awxfake"
	"ihub/internal/provider/providertest"
)

func fake(t *testing.T, opts awxfake.Options) *awxfake.Server {
	t.Helper()
	s := awxfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_awx",
		BaseURL:       baseURL,
		Settings:      map[string]any{awx.FieldAPIPath: "/api/v2/"},
		Credentials:   providertest.Creds(awx.FieldToken, token, awx.FieldWebhookPassword, "awx-notification-password"),
	}
}

func okConn(baseURL string) provider.Connection { return conn(baseURL, awxfake.DefaultToken) }

func basicConn(baseURL, user, password string) provider.Connection {
	return provider.Connection{
		BaseURL:     baseURL,
		Username:    user,
		Credentials: providertest.Creds(awx.FieldPassword, password),
	}
}

func failOn(suffix string, rep *awxfake.Reply) func(*http.Request) *awxfake.Reply {
	return func(r *http.Request) *awxfake.Reply {
		if strings.HasSuffix(r.URL.Path, suffix) {
			return rep
		}
		return nil
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ok := fake(t, awxfake.Options{})
	gateway := fake(t, awxfake.Options{APIPath: "/api/controller/v2/"})
	basic := fake(t, awxfake.Options{Basic: true})
	pingFails := fake(t, awxfake.Options{Fail: failOn("/ping/", awxfake.HTMLPage(http.StatusBadGateway, "502 Bad Gateway"))})
	forbidden := fake(t, awxfake.Options{Fail: failOn("/me/", awxfake.Detail(http.StatusForbidden, "You do not have permission to perform this action."))})
	echo := fake(t, awxfake.Options{Fail: failOn("/me/", awxfake.Detail(http.StatusUnauthorized, "Invalid token "+awxfake.DefaultToken))})
	limited := fake(t, awxfake.Options{Fail: failOn("/me/", awxfake.TooManyRequests(20*time.Second))})
	login := fake(t, awxfake.Options{Fail: failOn("/me/", awxfake.HTMLPage(http.StatusOK, "Ansible AWX"))})
	hang := fake(t, awxfake.Options{Fail: awxfake.Hang})

	gw := okConn(gateway.URL())
	gw.Settings = map[string]any{awx.FieldAPIPath: "/api/controller/v2/"}

	providertest.Run(t, awx.New(),
		providertest.CheckerCase{
			Name: "ok",
			Conn: okConn(ok.URL()),
			Want: providertest.Want{OK: true, Contains: "Connected to AWX 24.6.1 as admin",
				Details: []string{"username", "userId", "isSuperuser", "isSystemAuditor", "version"}},
		},
		providertest.CheckerCase{
			Name: "ok behind the AAP gateway path",
			Conn: gw,
			Want: providertest.Want{OK: true, Contains: "as admin"},
		},
		providertest.CheckerCase{
			Name: "ok with basic auth",
			Conn: basicConn(basic.URL(), awxfake.DefaultUser, awxfake.DefaultPassword),
			Want: providertest.Want{OK: true, Contains: "as admin"},
		},
		providertest.CheckerCase{
			Name: "ping failure keeps the test successful",
			Conn: okConn(pingFails.URL()),
			Want: providertest.Want{OK: true, Contains: "Connected to AWX as admin", Details: []string{"note"}},
		},
		providertest.CheckerCase{
			Name: "wrong token",
			Conn: conn(ok.URL(), "WrongToken000000000000000000000000"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "401 Unauthorized — Authentication credentials were not provided"},
		},
		providertest.CheckerCase{
			Name: "basic auth disabled",
			Conn: basicConn(ok.URL(), awxfake.DefaultUser, awxfake.DefaultPassword),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
		},
		providertest.CheckerCase{
			Name: "wrong password",
			Conn: basicConn(basic.URL(), awxfake.DefaultUser, "not-the-password"),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Invalid username/password."},
		},
		providertest.CheckerCase{
			Name: "forbidden",
			Conn: okConn(forbidden.URL()),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "You do not have permission"},
		},
		providertest.CheckerCase{
			Name: "token echoed by the server is redacted",
			Conn: okConn(echo.URL()),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"},
		},
		providertest.CheckerCase{
			Name: "rate limited by a proxy",
			Conn: okConn(limited.URL()),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Status: http.StatusTooManyRequests, RetryAfter: true, Contains: "Request was throttled."},
		},
		providertest.CheckerCase{
			Name: "HTML page with 200 (UI, not the API)",
			Conn: okConn(login.URL()),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Ansible AWX"},
		},
		providertest.CheckerCase{
			Name: "wrong API path",
			Conn: okConn(gateway.URL()),
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound},
		},
		providertest.CheckerCase{
			Name: "bad API path setting",
			Conn: func() provider.Connection {
				c := okConn(ok.URL())
				c.Settings = map[string]any{awx.FieldAPIPath: "/api/../v2/"}
				return c
			}(),
			Want: providertest.Want{Kind: provider.ErrInvalid},
		},
		providertest.CheckerCase{
			Name: "no credentials",
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
	f := fake(t, awxfake.Options{Tokens: map[string]awxfake.Token{
		awxfake.DefaultToken:                  {User: awxfake.User{ID: 1, Username: "admin", IsSuperuser: true}, Scope: "write"},
		"ReadOnlyToken0000000000000000000000": {User: awxfake.User{ID: 3, Username: "viewer"}, Scope: "read"},
	}})
	readOnly := conn(f.URL(), "ReadOnlyToken0000000000000000000000")
	wrong := conn(f.URL(), "WrongToken000000000000000000000000")

	providertest.Actions{
		Provider: awx.New(),
		Conn:     okConn,
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "list_job_templates", Action: "list_job_templates", Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(awx.ListJobTemplatesOutput)
					if o.Count != 4 || len(o.JobTemplates) != 4 || o.HasNext || o.JobTemplates[0].Name != "Deploy web" {
						t.Errorf("list_job_templates = %+v, want the 4 seeded templates", o)
					}
				}},
			{Name: "list_job_templates by name", Action: "list_job_templates", Input: `{"name":"Patch servers"}`,
				Want: providertest.Want{OK: true, Contains: `"playbook":"patch.yml"`}},
			{Name: "list_job_templates paged", Action: "list_job_templates", Input: `{"pageSize":2,"page":1}`,
				Want: providertest.Want{OK: true, Contains: `"hasNext":true`}},
			{Name: "list_job_templates wrong token", Action: "list_job_templates", Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized}},
			{Name: "launch_job_template", Action: "launch_job_template", Input: `{"id":7,"extraVars":{"version":"1.2.3"},"limit":"web01"}`,
				Want: providertest.Want{OK: true, Contains: `"status":"pending"`},
				Output: func(t *testing.T, out any) {
					o := out.(awx.LaunchJobTemplateOutput)
					if o.Job <= 100 || o.IgnoredFields != nil {
						t.Errorf("launch_job_template = %+v, want a job and nothing ignored", o)
					}
					if diff := cmp.Diff(map[string]any{"version": "1.2.3"}, f.JobExtraVars(o.Job)); diff != "" {
						t.Errorf("extra vars mismatch (-want +got):\n%s", diff)
					}
				}},
			{Name: "launch_job_template ignores unprompted vars", Action: "launch_job_template", Input: `{"id":8,"extraVars":{"x":1}}`,
				Want: providertest.Want{OK: true, Contains: `"ignoredFields":{"extra_vars":{"x":1}}`}},
			{Name: "launch_job_template needs passwords", Action: "launch_job_template", Input: `{"id":9}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadRequest, Contains: "passwords_needed_to_start: vault_password"}},
			{Name: "launch_job_template no execute permission", Action: "launch_job_template", Input: `{"id":10}`,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden}},
			{Name: "launch_job_template read-only token", Action: "launch_job_template", Input: `{"id":7}`, Conn: &readOnly,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden}},
			{Name: "launch_job_template not found", Action: "launch_job_template", Input: `{"id":404}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "Not found."}},
			{Name: "job_status not found", Action: "job_status", Input: `{"id":99999}`,
				Want: providertest.Want{Kind: provider.ErrNotFound}},
			{Name: "job_status", Action: "job_status", Input: `{"id":42}`, Want: providertest.Want{OK: true, Contains: `"done":true`},
				Output: func(t *testing.T, out any) {
					if o := out.(awx.JobStatusOutput); o.Job.Status != "successful" || o.Job.Failed || o.Job.Finished == nil {
						t.Errorf("job_status = %+v, want the seeded successful job", o.Job)
					}
				}},
		},
	}.Run(t)
}

// TestJobLifecycle launches a job and polls it to completion.
func TestJobLifecycle(t *testing.T) {
	t.Parallel()
	f := fake(t, awxfake.Options{})
	c, err := awx.NewClient(f.URL(), "", providertest.HTTPClient(), awx.Credentials{Token: providertest.Creds("t", awxfake.DefaultToken)["t"]})
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.LaunchJobTemplate(t.Context(), 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for range 5 {
		j, err := c.Job(t.Context(), l.Job)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, j.Status)
	}
	if diff := cmp.Diff([]string{"pending", "waiting", "running", "failed", "failed"}, seen); diff != "" {
		t.Errorf("job states mismatch (-want +got):\n%s", diff)
	}
}

func TestID(t *testing.T) {
	t.Parallel()
	if got := awx.New().Descriptor().ID; got != "awx" || awx.ID != "awx" {
		t.Errorf("awx.New().Descriptor().ID = %q, want %q", got, "awx")
	}
}
