package httpapi_test

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/app/apptest"
	"ihub/internal/auth"
	"ihub/internal/provider/bitbucket/bitbucketfake"
	"ihub/internal/provider/clickatell/clickatellfake"
	"ihub/internal/provider/cpanel/cpanelfake"
	"ihub/internal/provider/discord/discordfake"
	"ihub/internal/provider/generichttp/generichttpfake"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/gitlab/gitlabfake"
	"ihub/internal/provider/plesk/pleskfake"
	"ihub/internal/provider/resend/resendfake"
	"ihub/internal/provider/slack/slackfake"
	"ihub/internal/provider/smswebhook/smswebhookfake"
	"ihub/internal/provider/teams/teamsfake"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/provider/whmcs/whmcsfake"
	"ihub/internal/store/storetest"
)

const whmToken = "WHMTOKEN0123456789ABCDEFGHIJKLMN"

// whmEnv starts ihub with a WHM integration "w" against a fake; seen
// collects the Authorization headers the fake received.
func whmEnv(t *testing.T, e storetest.Engine) (*apptest.Env, *whmfake.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	fake := whmfake.New(whmfake.Options{Tokens: map[string]string{"root": whmToken},
		Fail: func(r *http.Request) *whmfake.Reply {
			mu.Lock()
			seen = append(seen, r.Header.Get("Authorization")+" | cookie="+r.Header.Get("Cookie"))
			mu.Unlock()
			return nil
		}})
	t.Cleanup(fake.Close)
	env := apptest.New(t, e, apptest.Options{})
	r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "w", "provider": "whm",
		"baseUrl": fake.URL(), "username": "root", "credentials": map[string]any{"apiToken": whmToken}})
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	return env, fake, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env, fake, _ := whmEnv(t, e)
			reader := env.UserToken(auth.RoleITManager)

			var list struct {
				Provider string
				Actions  []struct {
					Name        string
					Mutating    bool
					InputSchema map[string]any
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/integrations/w/actions", reader, nil), &list)
			byName := map[string]bool{}
			for _, a := range list.Actions {
				byName[a.Name] = a.Mutating
				if a.InputSchema["type"] != "object" || strings.Contains(mustJSON(t, a.InputSchema), "$ref") {
					t.Errorf("%s input schema = %v, want a self-contained object schema", a.Name, a.InputSchema)
				}
			}
			if mut, ok := byName["list_accounts"]; !ok || mut {
				t.Errorf("actions = %v, want list_accounts, not mutating", byName)
			}
			if !byName["create_account"] {
				t.Errorf("create_account is not listed as mutating: %v", byName)
			}

			r := call(t, env, "POST", "/api/v1/integrations/w/actions/list_accounts", reader, map[string]any{})
			if r.Status != 200 || !strings.Contains(string(r.Body), `"accounts"`) {
				t.Fatalf("list_accounts = %d %s", r.Status, r.Body)
			}

			const password = "Sup3r-Secret-Passw0rd!"
			create := map[string]any{"username": "newacct", "domain": "new.example.com", "password": password}
			if r := call(t, env, "POST", "/api/v1/integrations/w/actions/create_account", reader, create); r.Status != 403 ||
				!strings.Contains(string(r.Body), "integrations:manage") {
				t.Errorf("create_account as it_manager = %d %s, want 403 naming integrations:manage", r.Status, r.Body)
			}
			r = call(t, env, "POST", "/api/v1/integrations/w/actions/create_account", env.AdminToken, create)
			if r.Status != 200 || strings.Contains(string(r.Body), password) {
				t.Fatalf("create_account = %d %s", r.Status, r.Body)
			}
			if fake.Calls("createacct") != 1 {
				t.Errorf("the fake saw %d createacct calls, want 1", fake.Calls("createacct"))
			}
			act := call(t, env, "GET", "/api/v1/activity?action=integration.action_run", env.AdminToken, nil)
			if !strings.Contains(string(act.Body), "newacct") || !strings.Contains(string(act.Body), "[REDACTED]") ||
				strings.Contains(string(act.Body), password) {
				t.Errorf("activity = %s, want the run with its input and the password redacted", act.Body)
			}

			// Bad input never reaches the provider.
			before := fake.Requests()
			for _, tc := range []struct {
				name, path string
				body       any
				status     int
				field      string
			}{
				{"unknown action", "/api/v1/integrations/w/actions/drop_database", map[string]any{}, 404, ""},
				{"unknown integration", "/api/v1/integrations/nope/actions/list_accounts", map[string]any{}, 404, ""},
				{"missing field", "/api/v1/integrations/w/actions/create_account", map[string]any{"username": "abc", "domain": "a.example"}, 422, "body.password"},
				{"missing field, empty object", "/api/v1/integrations/w/actions/suspend_account", map[string]any{}, 422, "body.user"},
				{"wrong type", "/api/v1/integrations/w/actions/suspend_account", map[string]any{"user": 42}, 422, "body.user"},
				{"bad enum", "/api/v1/integrations/w/actions/list_accounts", map[string]any{"searchType": "shoe size"}, 422, "body.searchType"},
				{"pattern", "/api/v1/integrations/w/actions/create_account", map[string]any{"username": "Robert'); DROP", "domain": "a.example", "password": "x"}, 422, "body.username"},
				{"unknown field", "/api/v1/integrations/w/actions/list_accounts", map[string]any{"serch": "x"}, 422, "body.serch"},
				{"not an object", "/api/v1/integrations/w/actions/list_accounts", "[1,2]", 422, "body"},
				{"not JSON", "/api/v1/integrations/w/actions/list_accounts", "{nope", 400, ""},
			} {
				r := call(t, env, "POST", tc.path, env.AdminToken, tc.body)
				if r.Status != tc.status && !(tc.status == 400 && r.Status == 422) {
					t.Errorf("%s: status %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
					continue
				}
				p, ok := readProblem(t, r)
				if !ok {
					t.Errorf("%s: not a problem: %s", tc.name, r.Body)
					continue
				}
				if got := p.locations(); tc.field != "" && !slices.Equal(got, []string{tc.field}) {
					t.Errorf("%s: problem locations = %q, want [%s]: %s", tc.name, got, tc.field, r.Body)
				}
				if strings.Contains(string(r.Body), "DROP") {
					t.Errorf("%s: the problem echoes the submitted value: %s", tc.name, r.Body)
				}
			}
			if fake.Requests() != before {
				t.Errorf("bad input reached the provider: %d requests", fake.Requests()-before)
			}
		})
	}
}

func TestActionProviderFailures(t *testing.T) {
	t.Parallel()
	env, _, _ := whmEnv(t, storetest.Engines(t)[0])
	rate := whmfake.New(whmfake.Options{Tokens: map[string]string{"root": whmToken},
		Fail: func(*http.Request) *whmfake.Reply { return whmfake.TooManyRequests(30 * time.Second) }})
	t.Cleanup(rate.Close)
	html := whmfake.New(whmfake.Options{Fail: func(*http.Request) *whmfake.Reply {
		return whmfake.HTMLPage(503, "503 Service Unavailable", "maintenance")
	}})
	t.Cleanup(html.Close)
	for _, tc := range []struct {
		name, base, token string
		status            int
		want              string
	}{
		{"wrong token", "", "WRONGTOKEN0123456789ABCDEFGHIJKLM", 502, "rejected the integration's credentials"},
		{"rate limited", rate.URL(), whmToken, 429, "rate limiting"},
		{"html error page", html.URL(), whmToken, 502, "503 Service Unavailable"},
		{"unreachable", "http://127.0.0.1:1", whmToken, 502, "cannot reach"},
	} {
		body := map[string]any{"credentials": map[string]any{"apiToken": tc.token}}
		if tc.base != "" {
			body["baseUrl"] = tc.base
		}
		if r := call(t, env, "PATCH", "/api/v1/integrations/w", env.AdminToken, body); r.Status != 200 {
			t.Fatalf("%s: patch = %d %s", tc.name, r.Status, r.Body)
		}
		r := call(t, env, "POST", "/api/v1/integrations/w/actions/list_accounts", env.AdminToken, map[string]any{})
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s: = %d %s, want %d containing %q", tc.name, r.Status, r.Body, tc.status, tc.want)
		}
		if tc.status == 429 && r.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After header", tc.name)
		}
		if strings.Contains(string(r.Body), tc.token) || strings.Contains(string(r.Body), "<") {
			t.Errorf("%s: the answer leaks the token or raw HTML: %s", tc.name, r.Body)
		}
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env, _, seen := whmEnv(t, e)
			r := call(t, env, "GET", "/api/v1/integrations/w/proxy/json-api/version?api.version=1", env.AdminToken, nil,
				"Cookie", "ihub_session=caller-cookie", "X-Custom", "kept")
			if r.Status != 200 || !strings.Contains(string(r.Body), `"version"`) {
				t.Fatalf("proxy GET = %d %s", r.Status, r.Body)
			}
			got := seen()
			if len(got) == 0 || got[len(got)-1] != "whm root:"+whmToken+" | cookie=" {
				t.Errorf("the provider saw %q, want ihub's WHM credentials and no caller cookie", got)
			}
			if strings.Contains(string(r.Body), whmToken) {
				t.Errorf("the answer contains the token")
			}

			// Permission: it_manager may read integrations but not proxy; a
			// token scoped to integrations:proxy may.
			if r := call(t, env, "GET", "/api/v1/integrations/w/proxy/json-api/version", env.UserToken(auth.RoleITManager), nil); r.Status != 403 {
				t.Errorf("proxy as it_manager = %d, want 403", r.Status)
			}
			var tok struct{ Token string }
			decode(t, call(t, env, "POST", "/api/v1/tokens", env.AdminToken, map[string]any{"name": "proxy only",
				"scopes": []string{"integrations:proxy"}}), &tok)
			if r := call(t, env, "GET", "/api/v1/integrations/w/proxy/json-api/version", tok.Token, nil); r.Status != 200 {
				t.Errorf("proxy with a proxy-scoped token = %d %s, want 200", r.Status, r.Body)
			}

			for _, tc := range []struct {
				name, path string
				status     int
			}{
				{"dot-dot", "/api/v1/integrations/w/proxy/json-api/%2e%2e/%2e%2e/etc/passwd", 422},
				{"encoded slash", "/api/v1/integrations/w/proxy/json-api%2Fversion", 422},
				{"unknown integration", "/api/v1/integrations/nope/proxy/json-api/version", 404},
				{"NUL in the integration", "/api/v1/integrations/w%00/proxy/json-api/version", 404},
				{"provider error status relayed", "/api/v1/integrations/w/proxy/json-api/nosuchfunction?api.version=1", 200},
			} {
				r := call(t, env, "GET", tc.path, env.AdminToken, nil)
				if r.Status != tc.status {
					t.Errorf("%s: = %d %s, want %d", tc.name, r.Status, r.Body, tc.status)
				}
			}

			// The path after /proxy/ is the provider's: ihub's own text rules
			// (UTF-8 without NUL, for what it reads) do not apply to it.
			if r := call(t, env, "GET", "/api/v1/integrations/w/proxy/json-api/%FF?api.version=1", env.AdminToken, nil); strings.Contains(string(r.Body), "not UTF-8") {
				t.Errorf("a provider path that is not UTF-8 = %d %s; want it passed on", r.Status, r.Body)
			}

			// Metrics: the calls above are recorded with endpoint templates.
			if err := env.App.Calls.Flush(t.Context()); err != nil {
				t.Fatal(err)
			}
			var m struct {
				TotalRequests int64
				Endpoints     []struct{ Endpoint string }
				CircuitState  string
			}
			decode(t, call(t, env, "GET", "/api/v1/integrations/w/metrics?window=24h", env.AdminToken, nil), &m)
			if m.TotalRequests < 3 || m.CircuitState != "closed" {
				t.Errorf("metrics = %+v, want at least 3 requests and a closed breaker", m)
			}
			if !strings.Contains(mustJSON(t, m.Endpoints), "GET /json-api/version") {
				t.Errorf("endpoints = %+v, want GET /json-api/version", m.Endpoints)
			}
			if r := call(t, env, "GET", "/api/v1/integrations/w/metrics?window=5y", env.AdminToken, nil); r.Status != 422 ||
				!strings.Contains(string(r.Body), "query.window") {
				t.Errorf("metrics with a bad window = %d %s, want 422 naming query.window", r.Status, r.Body)
			}
		})
	}
}

// TestProxyRedirect: a provider's redirect is relayed to the caller, never
// followed, whatever host it names.
func TestProxyRedirect(t *testing.T) {
	t.Parallel()
	fake := whmfake.New(whmfake.Options{Tokens: map[string]string{"root": whmToken},
		Fail: func(r *http.Request) *whmfake.Reply {
			return &whmfake.Reply{Status: 302, Header: http.Header{"Location": {"http://169.254.169.254/latest/meta-data/"}}}
		}})
	t.Cleanup(fake.Close)
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "w", "provider": "whm",
		"baseUrl": fake.URL(), "username": "root", "credentials": map[string]any{"apiToken": whmToken}}); r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", env.Server.URL+"/api/v1/integrations/w/proxy/json-api/version", nil)
	req.Header.Set("Authorization", "Bearer "+env.AdminToken)
	noFollow := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 || resp.Header.Get("Location") == "" || fake.Requests() != 1 {
		t.Errorf("proxy = %d (Location %q) after %d upstream requests, want the 302 relayed after 1",
			resp.StatusCode, resp.Header.Get("Location"), fake.Requests())
	}
}

// TestActionsManyProviders lists and runs the actions of providers whose
// input and output types share Go names (ListReposInput, SendSMSInput,
// SendMessageInput, SendEmailInput, ListDomainsInput) in one server: each
// provider must answer with its own schemas, whichever was used first.
func TestActionsManyProviders(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	start := func(url string, closer func()) string {
		t.Cleanup(closer)
		return url
	}
	gh := githubfake.New(githubfake.Options{})
	gl := gitlabfake.New(gitlabfake.Options{})
	bb := bitbucketfake.New(bitbucketfake.Options{})
	ca := clickatellfake.New(clickatellfake.Options{})
	sw := smswebhookfake.New(smswebhookfake.Options{})
	sl := slackfake.New(slackfake.Options{})
	dc := discordfake.New(discordfake.Options{})
	tm := teamsfake.New(teamsfake.Options{})
	rs := resendfake.New(resendfake.Options{})
	cp := cpanelfake.New(cpanelfake.Options{})
	pl := pleskfake.New(pleskfake.Options{})
	tests := []struct {
		provider string
		create   map[string]any
		action   string
		input    map[string]any
		// field is an input property of this provider's schema that its
		// namesakes lack.
		field string
	}{
		{"github", map[string]any{"baseUrl": start(gh.URL(), gh.Close), "credentials": map[string]any{"token": githubfake.DefaultToken}},
			"list_repos", map[string]any{"perPage": 2}, ""},
		{"gitlab", map[string]any{"baseUrl": start(gl.URL(), gl.Close), "credentials": map[string]any{"token": gitlabfake.DefaultToken}},
			"list_repos", map[string]any{"perPage": 2}, ""},
		{"bitbucket", map[string]any{"baseUrl": start(bb.URL(), bb.Close), "username": bitbucketfake.DefaultEmail,
			"settings": map[string]any{"workspace": bitbucketfake.DefaultWorkspace}, "credentials": map[string]any{"apiToken": bitbucketfake.DefaultToken}},
			"list_repos", map[string]any{"pageLen": 2}, "pageLen"},
		{"clickatell", map[string]any{"baseUrl": start(ca.URL(), ca.Close), "settings": map[string]any{"from": "27820000001"},
			"credentials": map[string]any{"apiKey": clickatellfake.DefaultAPIKey}},
			"send_sms", map[string]any{"to": "27821234567", "message": "Disk full on web1"}, ""},
		{"sms_webhook", map[string]any{"baseUrl": start(sw.URL(), sw.Close), "settings": map[string]any{"authMode": "bearer"},
			"credentials": map[string]any{"token": smswebhookfake.DefaultToken}},
			"send_sms", map[string]any{"to": "+27821234567", "message": "Disk full on web1"}, ""},
		{"slack", map[string]any{"credentials": map[string]any{"webhookUrl": start(sl.WebhookURL(), sl.Close)}},
			"send_message", map[string]any{"text": "Disk full"}, "text"},
		{"discord", map[string]any{"credentials": map[string]any{"webhookUrl": start(dc.WebhookURL(), dc.Close)}},
			"send_message", map[string]any{"content": "Disk full"}, "content"},
		{"teams", map[string]any{"credentials": map[string]any{"webhookUrl": start(tm.WebhookURL(), tm.Close)}},
			"send_message", map[string]any{"text": "Disk full", "facts": []any{map[string]any{"title": "Host", "value": "web1"}}}, "facts"},
		{"resend", map[string]any{"baseUrl": start(rs.URL(), rs.Close), "settings": map[string]any{"from": "ihub <alerts@example.com>"},
			"credentials": map[string]any{"apiKey": resendfake.FullKey}},
			"send_email", map[string]any{"to": []string{"ops@example.net"}, "subject": "Disk full", "text": "server1 is at 99%"}, ""},
		{"cpanel", map[string]any{"baseUrl": start(cp.URL(), cp.Close), "username": cpanelfake.DefaultUser,
			"credentials": map[string]any{"apiToken": cpanelfake.DefaultToken}}, "list_domains", map[string]any{}, ""},
		{"plesk", map[string]any{"baseUrl": start(pl.URL(), pl.Close), "credentials": map[string]any{"apiKey": pleskfake.DefaultAPIKey}},
			"list_domains", map[string]any{}, ""},
	}
	ids := map[string]string{}
	for _, tc := range tests {
		body := map[string]any{"name": tc.provider, "provider": tc.provider}
		maps.Copy(body, tc.create)
		r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, body)
		if r.Status != 201 {
			t.Fatalf("create %s = %d %s", tc.provider, r.Status, r.Body)
		}
		var it struct{ ID string }
		decode(t, r, &it)
		ids[tc.provider] = it.ID
	}
	// Twice round: the second time every provider's schemas come from a
	// registry that holds all the others'.
	for round := range 2 {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%d/%s", round, tc.provider), func(t *testing.T) {
				r := call(t, env, "GET", "/api/v1/integrations/"+ids[tc.provider]+"/actions", env.AdminToken, nil)
				if r.Status != 200 {
					t.Fatalf("GET %s/actions = %d %s, want 200", tc.provider, r.Status, r.Body)
				}
				type action struct {
					Name        string
					InputSchema struct{ Properties map[string]any }
				}
				var list struct {
					Provider string
					Actions  []action
				}
				decode(t, r, &list)
				i := slices.IndexFunc(list.Actions, func(a action) bool { return a.Name == tc.action })
				if list.Provider != tc.provider || i < 0 {
					t.Fatalf("GET %s/actions = %s, want the provider's %s action", tc.provider, r.Body, tc.action)
				}
				if _, ok := list.Actions[i].InputSchema.Properties[tc.field]; tc.field != "" && !ok {
					t.Errorf("%s %s input schema = %v, want its own property %q", tc.provider, tc.action,
						list.Actions[i].InputSchema.Properties, tc.field)
				}
				r = call(t, env, "POST", "/api/v1/integrations/"+ids[tc.provider]+"/actions/"+tc.action, env.AdminToken, tc.input)
				if r.Status != 200 {
					t.Errorf("POST %s/actions/%s = %d %s, want 200", tc.provider, tc.action, r.Status, r.Body)
				}
			})
		}
	}
	if strings.Contains(env.Logs.String(), "panic") {
		t.Errorf("the server panicked:\n%s", env.Logs.String())
	}
}

// TestRunActionBody: how the body of an action run is read. No body is {};
// the body must be a JSON object sent as application/json.
func TestRunActionBody(t *testing.T) {
	t.Parallel()
	env, fake, _ := whmEnv(t, storetest.Engines(t)[0])
	tests := []struct {
		name, action string
		body         any // nil: no body
		contentType  string
		status       int
		want         []fieldProblem
		detail       string
	}{
		{name: "no body", action: "list_accounts", status: 200},
		{name: "no body, no content type", action: "list_accounts", body: "", status: 200},
		{name: "empty object", action: "list_accounts", body: "{}", status: 200},
		{name: "json without content type", action: "list_accounts", body: `{"search":"alpha"}`, status: 200},
		{name: "json with charset", action: "list_accounts", body: `{"search":"alpha"}`,
			contentType: "application/json; charset=utf-8", status: 200},
		{name: "no body, required input", action: "suspend_account", status: 422,
			want: []fieldProblem{{"body.user", "expected required property user to be present"}}},
		{name: "array", action: "list_accounts", body: "[1,2]", status: 422,
			want: []fieldProblem{{"body", "must be a JSON object"}}},
		{name: "string", action: "list_accounts", body: `"x"`, status: 422,
			want: []fieldProblem{{"body", "must be a JSON object"}}},
		{name: "null", action: "list_accounts", body: "null", status: 422,
			want: []fieldProblem{{"body", "must be a JSON object, not null"}}},
		{name: "whitespace body", action: "list_accounts", body: " \n", status: 200},
		{name: "whitespace body, required input", action: "suspend_account", body: "\t", status: 422,
			want: []fieldProblem{{"body.user", "expected required property user to be present"}}},
		{name: "form content type (curl -d)", action: "list_accounts", body: `{"search":"alpha"}`,
			contentType: "application/x-www-form-urlencoded", status: 415,
			detail: "send the body as JSON with Content-Type: application/json"},
		{name: "text content type", action: "list_accounts", body: `{"search":"alpha"}`,
			contentType: "text/plain", status: 415, detail: "send the body as JSON with Content-Type: application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var headers []string
			if tc.contentType != "" {
				headers = []string{"Content-Type", tc.contentType}
			} else if tc.body != nil {
				headers = []string{"Content-Type", ""}
			}
			r := call(t, env, "POST", "/api/v1/integrations/w/actions/"+tc.action, env.AdminToken, tc.body, headers...)
			if r.Status != tc.status {
				t.Fatalf("POST %s %q (%s) = %d %s, want %d", tc.action, tc.body, tc.contentType, r.Status, r.Body, tc.status)
			}
			if tc.status == 200 {
				return
			}
			p, ok := readProblem(t, r)
			if !ok {
				return
			}
			if diff := cmp.Diff(tc.want, p.Errors, cmpopts.EquateEmpty()); tc.want != nil && diff != "" {
				t.Errorf("POST %s %q errors mismatch (-want +got):\n%s", tc.action, tc.body, diff)
			}
			if tc.detail != "" && p.Detail != tc.detail {
				t.Errorf("POST %s %q detail = %q, want %q", tc.action, tc.body, p.Detail, tc.detail)
			}
			if strings.Contains(string(r.Body), "Go value") || strings.Contains(string(r.Body), "map[string]") {
				t.Errorf("POST %s %q = %s: Go internals in the answer", tc.action, tc.body, r.Body)
			}
		})
	}
	if n := fake.Calls("suspendacct"); n != 0 {
		t.Errorf("the fake saw %d suspendacct calls, want 0", n)
	}
}

// TestActionInputErrors: an input that passes the schema but that the
// provider's action refuses is a 422 naming the field, in words, like a
// schema failure; a configuration the action cannot work with stays 409.
func TestActionInputErrors(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	wf := whmcsfake.New(whmcsfake.Options{})
	t.Cleanup(wf.Close)
	hf := generichttpfake.New(generichttpfake.Options{})
	t.Cleanup(hf.Close)
	sf := slackfake.New(slackfake.Options{})
	t.Cleanup(sf.Close)
	gh := githubfake.New(githubfake.Options{})
	t.Cleanup(gh.Close)
	for _, create := range []map[string]any{
		{"name": "billing", "provider": "whmcs", "baseUrl": wf.URL(),
			"credentials": map[string]any{"identifier": whmcsfake.DefaultIdentifier, "secret": whmcsfake.DefaultSecret}},
		{"name": "api", "provider": "http", "baseUrl": hf.URL(), "settings": map[string]any{"authMode": "bearer"},
			"credentials": map[string]any{"token": generichttpfake.DefaultToken}},
		{"name": "chat", "provider": "slack", "credentials": map[string]any{"webhookUrl": sf.WebhookURL()}},
		{"name": "code", "provider": "github", "baseUrl": gh.URL(), "credentials": map[string]any{"token": githubfake.DefaultToken}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, create); r.Status != 201 {
			t.Fatalf("create %s = %d %s", create["provider"], r.Status, r.Body)
		}
	}
	// The subtests are parallel: they run after this function returns, so
	// the fakes are checked once they are done.
	t.Cleanup(func() {
		for name, n := range map[string]int{"WHMCS": wf.Requests(), "GitHub": gh.Requests()} {
			if n != 0 {
				t.Errorf("the %s fake saw %d requests, want 0: refused input never reaches the provider", name, n)
			}
		}
	})
	tests := []struct {
		name, path string
		body       string
		status     int
		field      string
	}{
		{"integer out of range", "billing/actions/get_invoice", `{"invoiceId":1e30}`, 422, "body.invoiceId"},
		{"one of two fields required", "billing/actions/get_client_details", `{}`, 422, "body.clientId"},
		{"dot segments in a path", "api/actions/request", `{"method":"GET","path":"/../../etc/passwd"}`, 422, "body.path"},
		{"a repository name the pattern lets through", "code/actions/list_commits", `{"owner":"octocat","repo":".."}`, 422, "body.repo"},
		{"a webhook URL that is not http(s)", "code/actions/create_repo_webhook",
			`{"owner":"octocat","repo":"Spoon-Knife","url":"ftp://hub.example.com/h"}`, 422, "body.url"},
		{"configuration: a channel needs a bot token", "chat/actions/send_message", `{"text":"x","channel":"#alerts"}`, 409, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, env, "POST", "/api/v1/integrations/"+tc.path, env.AdminToken, tc.body)
			if r.Status != tc.status {
				t.Fatalf("POST %s %s = %d %s, want %d", tc.path, tc.body, r.Status, r.Body, tc.status)
			}
			p, ok := readProblem(t, r)
			if !ok {
				return
			}
			if tc.field != "" {
				if got := p.locations(); !slices.Equal(got, []string{tc.field}) || p.Errors[0].Message == "" {
					t.Errorf("POST %s %s errors = %+v, want one naming %s with a message", tc.path, tc.body, p.Errors, tc.field)
				}
				if strings.Contains(p.Detail, "configuration") {
					t.Errorf("POST %s %s detail = %q, want it to be about the input", tc.path, tc.body, p.Detail)
				}
			}
			for _, internal := range []string{"Go struct", "Go value", "json:", "GetInvoiceInput", " of type "} {
				if strings.Contains(string(r.Body), internal) {
					t.Errorf("POST %s %s = %s: it shows Go internals (%q)", tc.path, tc.body, r.Body, internal)
				}
			}
		})
	}
}

// TestActionTimeout: an action's own deadline bounds it, not the outbound
// client's shorter per-request limit (which cut 60 s actions at 30 s).
// Both are shortened here: 150 ms per request, 600 ms per action.
func TestActionTimeout(t *testing.T) {
	t.Parallel()
	const egress, action = 150 * time.Millisecond, 600 * time.Millisecond
	tests := []struct {
		name   string
		fail   func(*http.Request) *whmfake.Reply
		status int
		// minimum and maximum time to the answer
		min, max time.Duration
	}{
		{"answer after the per-request limit, within the action's", func(*http.Request) *whmfake.Reply {
			time.Sleep(2 * egress)
			return nil
		}, 200, 2 * egress, action},
		{"no answer", whmfake.Hang, 504, action, action + 5*time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := whmfake.New(whmfake.Options{Tokens: map[string]string{"root": whmToken}, Fail: tc.fail})
			t.Cleanup(fake.Close)
			env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{EgressTimeout: egress, ActionTimeout: action})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "w", "provider": "whm",
				"baseUrl": fake.URL(), "username": "root", "credentials": map[string]any{"apiToken": whmToken}}); r.Status != 201 {
				t.Fatalf("create = %d %s", r.Status, r.Body)
			}
			start := time.Now()
			r := call(t, env, "POST", "/api/v1/integrations/w/actions/list_accounts", env.AdminToken, nil)
			took := time.Since(start)
			if r.Status != tc.status || took < tc.min || took > tc.max {
				t.Errorf("list_accounts = %d after %v (%s), want %d after %v to %v", r.Status, took, r.Body, tc.status, tc.min, tc.max)
			}
		})
	}
}
