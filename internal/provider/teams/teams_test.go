package teams_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/teams"
	"ihub/internal/provider/teams/teamsfake"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts teamsfake.Options) *teamsfake.Server {
	t.Helper()
	s := teamsfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(webhookURL string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_teams",
		Credentials:   providertest.Creds(teams.FieldWebhookURL, webhookURL),
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := teams.New()
	if got := p.Descriptor().ID; got != teams.ID {
		t.Errorf("teams.ID = %q, want the descriptor's id %q", teams.ID, got)
	}
	if _, ok := any(p).(provider.Checker); ok {
		t.Errorf("teams is a provider.Checker; it has no read-only endpoint and must not post to test")
	}
	providertest.Run(t, p)
}

func TestActions(t *testing.T) {
	t.Parallel()
	ok := fake(t, teamsfake.Options{})
	failing := fake(t, teamsfake.Options{LegacyDeliveryFailure: true})
	throttled := fake(t, teamsfake.Options{Fail: func(*http.Request) *teamsfake.Reply {
		r := teamsfake.Error(http.StatusTooManyRequests, "WorkflowTriggerIsThrottled", "The workflow trigger is throttled.")
		r.Header.Set("Retry-After", "12")
		return r
	}})
	wrongSig := conn(teamsfake.WorkflowURL(ok.URL(), teamsfake.DefaultWorkflowID, "WrongSignature0123456789abcdefghij"))
	noSig := conn(ok.URL() + "/workflows/" + teamsfake.DefaultWorkflowID + "/triggers/manual/paths/invoke?api-version=2016-06-01")
	unknown := conn(teamsfake.WorkflowURL(ok.URL(), "ffffffffffffffffffffffffffffffff", teamsfake.DefaultSig))
	legacy := conn(ok.LegacyURL())
	legacyFailing := conn(failing.LegacyURL())
	limited := conn(throttled.WebhookURL())

	providertest.Actions{
		Provider: teams.New(),
		Conn: func(u string) provider.Connection {
			return conn(teamsfake.WorkflowURL(u, teamsfake.DefaultWorkflowID, teamsfake.DefaultSig))
		},
		FakeURL: ok.URL(),
		Cases: []providertest.ActionCase{
			{Name: "send", Action: "send_message", Input: `{"text":"Disk full on server1"}`,
				Want: providertest.Want{OK: true, Contains: `"status":202`}},
			{Name: "send card with facts and link", Action: "send_message",
				Input: `{"title":"Alert","text":"CPU high","facts":[{"title":"Host","value":"web1"}],"linkUrl":"https://example.com/x"}`,
				Want:  providertest.Want{OK: true}},
			{Name: "legacy connector", Action: "send_message", Conn: &legacy, Input: `{"text":"hi"}`,
				Want: providertest.Want{OK: true, Contains: "legacy Office 365 connector"}},
			{Name: "legacy delivery failure in a 200", Action: "send_message", Conn: &legacyFailing, Input: `{"text":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Webhook message delivery failed"}},
			{Name: "wrong signature", Action: "send_message", Conn: &wrongSig, Input: `{"text":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "signature is not valid"}},
			{Name: "no signature", Action: "send_message", Conn: &noSig, Input: `{"text":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrAuth}},
			{Name: "deleted workflow", Action: "send_message", Conn: &unknown, Input: `{"text":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "could not be found"}},
			{Name: "throttled", Action: "send_message", Conn: &limited, Input: `{"text":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true, Contains: "throttled"}},
			{Name: "empty text", Action: "send_message", Input: `{"text":" "}`,
				Want: providertest.Want{Input: true, Field: "text"}},
		},
	}.Run(t)
}

func TestCardReachesTheFlow(t *testing.T) {
	t.Parallel()
	f := fake(t, teamsfake.Options{})
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	c, err := teams.NewClient(hc, secret.NewValue(f.WebhookURL()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Post(t.Context(), teams.CardMessage(teams.Card{Title: "T", Text: "body"}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusAccepted {
		t.Errorf("Post status = %d, want 202", res.Status)
	}
	// A body without a card is accepted (202) but the flow run fails: the
	// asynchronous failure Teams users only see in the run history.
	if _, err := c.Post(t.Context(), map[string]any{"hello": "world"}); err != nil {
		t.Fatal(err)
	}
	want := []teamsfake.Run{{Texts: []string{"T", "body"}}, {Failed: true, Reason: "The request has no Adaptive Card attachment."}}
	if diff := cmp.Diff(want, f.Runs()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
}

func TestErrorsHideTheURL(t *testing.T) {
	t.Parallel()
	f := fake(t, teamsfake.Options{Fail: func(r *http.Request) *teamsfake.Reply {
		return teamsfake.Error(http.StatusBadRequest, "InvalidTemplate", "bad request to "+r.URL.String()+" sig="+r.URL.Query().Get("sig"))
	}})
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	c, err := teams.NewClient(hc, secret.NewValue(f.WebhookURL()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Post(t.Context(), teams.CardMessage(teams.Card{Text: "x"}))
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrProvider || perr.Code != "InvalidTemplate" {
		t.Fatalf("Post error = %#v, want provider error InvalidTemplate", err)
	}
	for _, s := range []string{teamsfake.DefaultSig, teamsfake.DefaultWorkflowID} {
		if got := err.Error(); strings.Contains(got, s) {
			t.Errorf("error %q contains a secret part of the URL %q", got, s)
		}
	}
}

func TestNewClientRejects(t *testing.T) {
	t.Parallel()
	hc := providertest.HTTPClient()
	for _, u := range []string{"", "ftp://x.logic.azure.com/workflows/1", "https://u:p@x.logic.azure.com/w", "https://x.logic.azure.com", "not a url"} {
		_, err := teams.NewClient(hc, secret.NewValue(u))
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("NewClient(%q) error = %v, want kind invalid", u, err)
		}
	}
}
