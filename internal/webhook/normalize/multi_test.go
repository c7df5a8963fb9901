package normalize

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNormalizeAll: a delivery that reports several changes makes one event
// per change, in the payload's order, the first being the one Normalize
// gives (as before deliveries were split); every other delivery makes one.
func TestNormalizeAll(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, provider string
		header         http.Header
		body           string
		want           []Event
	}{
		{
			// git push --follow-tags: the branch moves and a tag is created,
			// in one delivery.
			name: "bitbucket push of a branch and a new tag", provider: "bitbucket",
			header: hdr("X-Event-Key", "repo:push", "X-Request-UUID", "afe5a5b4-ea3f-4a1b-a9ba-8b1b8a05c6f6"),
			body: `{"actor":{"display_name":"Ann","nickname":"ann"},"repository":{"full_name":"team/repo"},
"push":{"changes":[
{"new":{"type":"branch","name":"main","target":{"hash":"c0ffee"}},"old":{"type":"branch","name":"main","target":{"hash":"beef"}},
"created":false,"closed":false,"forced":false,"commits":[{"hash":"c0ffee"}],"links":{"html":{"href":"https://bitbucket.org/team/repo/branches/compare/c0ffee..beef"}}},
{"new":{"type":"annotated_tag","name":"v2.0","target":{"hash":"c0ffee"}},"old":null,"created":true,"closed":false,"forced":false,"commits":[]}]}}`,
			want: []Event{
				{
					Type: "code.push", RawType: "repo:push", Subject: "team/repo",
					Data: map[string]any{
						"repository": "team/repo", "ref": "refs/heads/main", "branch": "main", "before": "beef", "after": "c0ffee", "commit_count": int64(1),
						"url": "https://bitbucket.org/team/repo/branches/compare/c0ffee..beef", "actor": "ann",
						"created": false, "deleted": false, "forced": false,
					},
				},
				{
					Type: "code.tag.created", RawType: "repo:push", Subject: "team/repo",
					Data: map[string]any{"repository": "team/repo", "tag": "v2.0", "sha": "c0ffee", "actor": "ann"},
				},
			},
		},
		{
			name: "bitbucket push deleting a tag and a branch", provider: "bitbucket",
			header: hdr("X-Event-Key", "repo:push"),
			body: `{"actor":{"nickname":"ann"},"repository":{"full_name":"team/repo"},"push":{"changes":[
{"new":null,"old":{"type":"tag","name":"v1","target":{"hash":"aaa"}},"created":false,"closed":true},
{"new":null,"old":{"type":"branch","name":"topic","target":{"hash":"bbb"}},"created":false,"closed":true,"commits":[]}]}}`,
			want: []Event{
				{
					Type: "code.tag.deleted", RawType: "repo:push", Subject: "team/repo",
					Data: map[string]any{"repository": "team/repo", "tag": "v1", "sha": "aaa", "actor": "ann"},
				},
				{
					Type: "code.push", RawType: "repo:push", Subject: "team/repo",
					Data: map[string]any{
						"repository": "team/repo", "ref": "refs/heads/topic", "branch": "topic", "before": "bbb", "commit_count": int64(0),
						"actor": "ann", "created": false, "deleted": true, "forced": false,
					},
				},
			},
		},
		{
			name: "bitbucket server refs changed: a branch and a tag", provider: "bitbucket",
			header: hdr("X-Event-Key", "repo:refs_changed"),
			body: `{"date":"2017-09-19T09:58:11+1000","actor":{"name":"admin"},"repository":{"slug":"r","project":{"key":"P"}},"changes":[
{"ref":{"id":"refs/heads/master","displayId":"master","type":"BRANCH"},"refId":"refs/heads/master","fromHash":"aaa","toHash":"bbb","type":"UPDATE"},
{"ref":{"id":"refs/tags/v1","displayId":"v1","type":"TAG"},"refId":"refs/tags/v1","fromHash":"0000000000000000000000000000000000000000","toHash":"bbb","type":"ADD"}]}`,
			want: []Event{
				{
					Type: "code.push", RawType: "repo:refs_changed", Subject: "P/r", OccurredAt: at("2017-09-18T23:58:11Z"),
					Data: map[string]any{
						"repository": "P/r", "ref": "refs/heads/master", "branch": "master", "before": "aaa", "after": "bbb",
						"created": false, "deleted": false, "actor": "admin",
					},
				},
				{
					Type: "code.tag.created", RawType: "repo:refs_changed", Subject: "P/r", OccurredAt: at("2017-09-18T23:58:11Z"),
					Data: map[string]any{"repository": "P/r", "tag": "v1", "sha": "bbb", "actor": "admin"},
				},
			},
		},
		{
			name: "zoho desk batch of 3", provider: "zoho_desk",
			body: `[{"eventType":"Ticket_Add","eventTime":"1700000000000","payload":{"id":"t-1","ticketNumber":"101","subject":"Printer on fire","status":"Open"}},
{"eventType":"Ticket_Thread_Add","eventTime":"1700000001000","payload":{"id":"th-1","ticketId":"t-1","direction":"out"}},
{"eventType":"Ticket_Update","eventTime":"1700000002000","payload":{"id":"t-1","status":"Closed"},"prevState":{"status":"Open"}}]`,
			want: []Event{
				{
					Type: "ticket.created", RawType: "Ticket_Add", Subject: "t-1", OccurredAt: at("2023-11-14T22:13:20Z"),
					Data: map[string]any{"ticket_id": "t-1", "ticket_mask": "101", "title": "Printer on fire", "status": "Open", "event_count": int64(3)},
				},
				{
					Type: "ticket.replied", RawType: "Ticket_Thread_Add", Subject: "t-1", OccurredAt: at("2023-11-14T22:13:21Z"),
					Data: map[string]any{"ticket_id": "t-1", "reply_id": "th-1", "author": "agent"},
				},
				{
					Type: "ticket.closed", RawType: "Ticket_Update", Subject: "t-1", OccurredAt: at("2023-11-14T22:13:22Z"),
					Data: map[string]any{"ticket_id": "t-1", "status": "Closed"},
				},
			},
		},
		{
			name: "zoho desk single event", provider: "zoho_desk",
			body: `[{"eventType":"Ticket_Add","payload":{"id":"t-2"}}]`,
			want: []Event{{Type: "ticket.created", RawType: "Ticket_Add", Subject: "t-2", Data: map[string]any{"ticket_id": "t-2"}}},
		},
		{
			name: "terraform notification with 2 triggers", provider: "terraform",
			body: `{"payload_version":1,"notification_configuration_id":"nc-1","run_url":"https://app.terraform.io/app/acme/ws/runs/run-1","run_id":"run-1",
"run_message":"Scale","run_created_at":"2019-01-25T18:34:00.000Z","run_created_by":"creator","workspace_id":"ws-1","workspace_name":"ws",
"organization_name":"acme","notifications":[
{"message":"Needs attention","trigger":"run:needs_attention","run_status":"planned","run_updated_at":"2019-01-25T18:35:00.000Z","run_updated_by":"planner"},
{"message":"Applied","trigger":"run:completed","run_status":"applied","run_updated_at":"2019-01-25T18:37:04.000Z","run_updated_by":"approver"}]}`,
			want: []Event{
				{
					Type: "iac.run.needs_approval", RawType: "run:needs_attention", Subject: "run-1", OccurredAt: at("2019-01-25T18:35:00Z"),
					Data: map[string]any{"run_id": "run-1", "workspace": "ws", "organization": "acme", "url": "https://app.terraform.io/app/acme/ws/runs/run-1",
						"message": "Scale", "status": "planned", "actor": "planner"},
				},
				{
					Type: "iac.run.applied", RawType: "run:completed", Subject: "run-1", OccurredAt: at("2019-01-25T18:37:04Z"),
					Data: map[string]any{"run_id": "run-1", "workspace": "ws", "organization": "acme", "url": "https://app.terraform.io/app/acme/ws/runs/run-1",
						"message": "Scale", "status": "applied", "actor": "approver"},
				},
			},
		},
		{
			// A provider without batches: a GitHub push is one event whatever
			// its commits.
			name: "github push stays one", provider: "github",
			header: hdr("X-GitHub-Event", "create"),
			body:   `{"ref":"v1","ref_type":"tag","repository":{"full_name":"o/r"},"sender":{"login":"u"}}`,
			want: []Event{{Type: "code.tag.created", RawType: "create", Subject: "o/r",
				Data: map[string]any{"repository": "o/r", "tag": "v1", "actor": "u"}}},
		},
		{
			name: "unparsed stays one", provider: "zoho_desk", body: `[{`,
			want: []Event{{Type: "zoho_desk.unparsed"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizeAll(tc.provider, tc.header, []byte(tc.body))
			if err != nil {
				t.Fatalf("NormalizeAll: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NormalizeAll(%s) mismatch (-want +got):\n%s", tc.provider, diff)
			}
			first, err := Normalize(tc.provider, tc.header, []byte(tc.body))
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if diff := cmp.Diff(got[0], first); diff != "" {
				t.Errorf("Normalize differs from NormalizeAll's first (-all +single):\n%s", diff)
			}
		})
	}
}

// TestNormalizeAllBound: a batch of more than MaxEvents changes makes
// MaxEvents events, the first still counting them all.
func TestNormalizeAllBound(t *testing.T) {
	t.Parallel()
	const n = MaxEvents + 50
	elems := make([]string, n)
	for i := range elems {
		elems[i] = fmt.Sprintf(`{"eventType":"Ticket_Add","payload":{"id":"t-%d"}}`, i)
	}
	evs, err := NormalizeAll("zoho_desk", nil, []byte("["+strings.Join(elems, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != MaxEvents {
		t.Fatalf("NormalizeAll of a batch of %d = %d events, want %d", n, len(evs), MaxEvents)
	}
	if got := evs[0].Data["event_count"]; got != int64(n) {
		t.Errorf("first event's event_count = %v, want %d", got, n)
	}
	if got, want := evs[MaxEvents-1].Subject, fmt.Sprintf("t-%d", MaxEvents-1); got != want {
		t.Errorf("last event's subject = %q, want %q", got, want)
	}
}
