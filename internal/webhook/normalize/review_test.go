package normalize

import (
	"net/url"
	"strings"
	"testing"
)

// reviewCases are trimmed, hand-written shapes of the providers' published
// sample payloads (GitHub and GitLab webhook docs, Bitbucket's event
// payloads, Stripe's event objects, Resend's webhook pages, Twilio's status
// callbacks, Terraform's notification sample, AWS SNS's HTTP message
// examples), checked against providers.md Part C.
var longRepo = strings.Repeat("o", 39) + "/" + strings.Repeat("r", 100)

var reviewCases = []normalizeCase{
	// GitHub.
	{
		name: "github push creates a branch", provider: "github",
		header: hdr("X-GitHub-Event", "push"),
		body: `{"ref":"refs/heads/feature/x","before":"0000000000000000000000000000000000000000","after":"6113728f27ae82c7b1a177c8d03f9e96e0adf246",
"created":true,"deleted":false,"forced":false,"base_ref":null,"compare":"https://github.com/o/r/compare/feature/x","commits":[],
"head_commit":{"id":"6113728f27ae82c7b1a177c8d03f9e96e0adf246"},"repository":{"full_name":"o/r","pushed_at":1700000000},
"pusher":{"name":"octocat","email":"octocat@github.com"},"sender":{"login":"octocat"}}`,
		want: Event{
			Type: "code.push", RawType: "push", Subject: "o/r", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{
				"repository": "o/r", "ref": "refs/heads/feature/x", "branch": "feature/x",
				"before": "0000000000000000000000000000000000000000", "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
				"commit_count": int64(0), "actor": "octocat", "url": "https://github.com/o/r/compare/feature/x",
				"created": true, "deleted": false, "forced": false,
			},
		},
	},
	{
		name: "github push with a UTF-8 BOM", provider: "github",
		header: hdr("X-GitHub-Event", "push", "Content-Type", "application/json"),
		body:   "\ufeff" + `{"ref":"refs/heads/main","before":"a","after":"b","commits":[{}],"repository":{"full_name":"o/r"},"pusher":{"name":"p"}}`,
		want: Event{
			Type: "code.push", RawType: "push", Subject: "o/r",
			Data: map[string]any{
				"repository": "o/r", "ref": "refs/heads/main", "branch": "main", "before": "a", "after": "b",
				"commit_count": int64(1), "actor": "p", "created": false, "deleted": false, "forced": false,
			},
		},
	},
	{
		name: "github pull request reopened", provider: "github",
		header: hdr("X-GitHub-Event", "pull_request"),
		body: `{"action":"reopened","number":3,"pull_request":{"number":3,"title":"T","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-02-01T00:00:00Z",
"merged":false,"head":{"ref":"h"},"base":{"ref":"main"}},"repository":{"full_name":"o/r"},"sender":{"login":"s"}}`,
		want: Event{
			Type: "code.pr.opened", RawType: "pull_request.reopened", Subject: "o/r", OccurredAt: at("2026-02-01T00:00:00Z"),
			Data: map[string]any{"repository": "o/r", "number": int64(3), "title": "T", "actor": "s", "source_branch": "h", "target_branch": "main"},
		},
	},
	{
		name: "github issue closed", provider: "github",
		header: hdr("X-GitHub-Event", "issues"),
		body: `{"action":"closed","issue":{"number":5,"title":"Bug","state":"closed","html_url":"https://github.com/o/r/issues/5","created_at":"2026-01-01T00:00:00Z",
"closed_at":"2026-01-02T00:00:00Z"},"repository":{"full_name":"o/r"},"sender":{"login":"s"}}`,
		want: Event{
			Type: "issue.closed", RawType: "issues.closed", Subject: "o/r", OccurredAt: at("2026-01-02T00:00:00Z"),
			Data: map[string]any{"repository": "o/r", "number": int64(5), "title": "Bug", "actor": "s", "url": "https://github.com/o/r/issues/5"},
		},
	},
	{
		name: "github comment on a plain issue", provider: "github",
		header: hdr("X-GitHub-Event", "issue_comment"),
		body: `{"action":"created","issue":{"number":1,"pull_request":null},"comment":{"html_url":"u","user":{"login":"c"},"body":"hi",
"created_at":"2026-01-01T00:00:00Z"},"repository":{"full_name":"o/r"},"sender":{"login":"c"}}`,
		want: Event{
			Type: "comment.created", RawType: "issue_comment.created", Subject: "o/r", OccurredAt: at("2026-01-01T00:00:00Z"),
			Data: map[string]any{"repository": "o/r", "number": int64(1), "on": "issue", "actor": "c", "url": "u", "body": "hi"},
		},
	},
	{
		name: "github workflow run succeeded", provider: "github",
		header: hdr("X-GitHub-Event", "workflow_run"),
		body: `{"action":"completed","workflow_run":{"id":1,"name":"CI","head_branch":"main","head_sha":"s","conclusion":"success",
"html_url":"u","updated_at":"2026-01-01T00:00:00Z"},"repository":{"full_name":"o/r"}}`,
		want: Event{
			Type: "ci.run.succeeded", RawType: "workflow_run.completed", Subject: "o/r", OccurredAt: at("2026-01-01T00:00:00Z"),
			Data: map[string]any{"repository": "o/r", "run_id": int64(1), "name": "CI", "branch": "main", "sha": "s", "status": "success", "url": "u"},
		},
	},
	{
		name: "github workflow run cancelled kept", provider: "github",
		header: hdr("X-GitHub-Event", "workflow_run"),
		body:   `{"action":"completed","workflow_run":{"id":1,"conclusion":"cancelled"},"repository":{"full_name":"o/r"}}`,
		want: Event{Type: "github.workflow_run.completed", RawType: "workflow_run.completed", Subject: "o/r",
			Data: map[string]any{"repository": "o/r"}},
	},
	{
		name: "github delete tag", provider: "github",
		header: hdr("X-GitHub-Event", "delete"),
		body:   `{"ref":"v1","ref_type":"tag","pusher_type":"user","repository":{"full_name":"o/r"},"sender":{"login":"s"}}`,
		want: Event{
			Type: "code.tag.deleted", RawType: "delete", Subject: "o/r",
			Data: map[string]any{"repository": "o/r", "tag": "v1", "actor": "s"},
		},
	},
	{
		name: "github organization ping", provider: "github",
		header: hdr("X-GitHub-Event", "ping"),
		body:   `{"zen":"Z","hook_id":9,"hook":{"type":"Organization"},"organization":{"login":"acme"},"sender":{"login":"s"}}`,
		want:   Event{Type: "system.ping", RawType: "ping", Subject: "acme", Data: map[string]any{"hook_id": int64(9)}},
	},
	{
		name: "github top-level array", provider: "github",
		header: hdr("X-GitHub-Event", "issues"),
		body:   `[{"action":"opened"}]`,
		want:   Event{Type: "github.issues", RawType: "issues"},
	},
	{
		name: "github number as string and long title", provider: "github",
		header: hdr("X-GitHub-Event", "issues"),
		body:   `{"action":"opened","issue":{"number":"12","title":"` + strings.Repeat("é", 600) + `"},"repository":{"full_name":"o/r"}}`,
		want: Event{
			Type: "issue.created", RawType: "issues.opened", Subject: "o/r",
			Data: map[string]any{"repository": "o/r", "number": int64(12), "title": strings.Repeat("é", 512)},
		},
	},

	{
		// A GitHub full name reaches 39 + 1 + 100 bytes: the subject is an
		// id and is kept whole.
		name: "github longest repository name", provider: "github",
		header: hdr("X-GitHub-Event", "issues"),
		body:   `{"action":"opened","issue":{"number":1},"repository":{"full_name":"` + longRepo + `"}}`,
		want: Event{
			Type: "issue.created", RawType: "issues.opened", Subject: longRepo,
			Data: map[string]any{"repository": longRepo, "number": int64(1)},
		},
	},

	// GitLab.
	{
		name: "gitlab tag push", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Tag Push Hook"),
		body: `{"object_kind":"tag_push","event_name":"tag_push","before":"0000000000000000000000000000000000000000",
"after":"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7","ref":"refs/tags/v1.0.0","checkout_sha":"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
"user_id":1,"user_name":"John Smith","user_username":"jsmith","project_id":1,"project":{"name":"Example","path_with_namespace":"jsmith/example"},
"commits":[],"total_commits_count":0}`,
		want: Event{
			Type: "code.tag.created", RawType: "tag_push", Subject: "jsmith/example",
			Data: map[string]any{"repository": "jsmith/example", "tag": "v1.0.0", "sha": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", "actor": "jsmith"},
		},
	},
	{
		name: "gitlab push deletes a branch", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Push Hook"),
		body: `{"object_kind":"push","event_name":"push","before":"95790bf891e76fee5e1747ab589903a6a1f80f22","after":"0000000000000000000000000000000000000000",
"ref":"refs/heads/old","user_username":"jsmith","project":{"path_with_namespace":"g/p","web_url":"https://gitlab.example.com/g/p"},"commits":[],"total_commits_count":0}`,
		want: Event{
			Type: "code.push", RawType: "push", Subject: "g/p",
			Data: map[string]any{
				"repository": "g/p", "ref": "refs/heads/old", "branch": "old", "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
				"after": "0000000000000000000000000000000000000000", "commit_count": int64(0), "actor": "jsmith",
				"url": "https://gitlab.example.com/g/p", "created": false, "deleted": true,
			},
		},
	},
	{
		name: "gitlab merge request closed", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Merge Request Hook"),
		body: `{"object_kind":"merge_request","event_type":"merge_request","user":{"username":"root"},"project":{"path_with_namespace":"g/p"},
"object_attributes":{"iid":1,"title":"MS-Viewport","source_branch":"ms-viewport","target_branch":"master","state":"closed","action":"close",
"url":"http://example.com/g/p/-/merge_requests/1","updated_at":"2013-12-03 17:23:34 UTC"}}`,
		want: Event{
			Type: "code.pr.closed", RawType: "merge_request.close", Subject: "g/p", OccurredAt: at("2013-12-03T17:23:34Z"),
			Data: map[string]any{
				"repository": "g/p", "number": int64(1), "title": "MS-Viewport", "actor": "root",
				"source_branch": "ms-viewport", "target_branch": "master", "url": "http://example.com/g/p/-/merge_requests/1",
			},
		},
	},
	{
		name: "gitlab merge request reopened", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Merge Request Hook"),
		body:   `{"object_kind":"merge_request","user":{"username":"root"},"project":{"path_with_namespace":"g/p"},"object_attributes":{"iid":2,"action":"reopen"}}`,
		want: Event{
			Type: "code.pr.opened", RawType: "merge_request.reopen", Subject: "g/p",
			Data: map[string]any{"repository": "g/p", "number": int64(2), "actor": "root"},
		},
	},
	{
		name: "gitlab confidential issue opened", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Confidential Issue Hook"),
		body: `{"object_kind":"issue","event_type":"confidential_issue","user":{"username":"root"},"project":{"path_with_namespace":"g/p"},
"object_attributes":{"iid":23,"title":"Secret","action":"open","url":"http://example.com/g/p/-/issues/23","updated_at":"2026-01-01T00:00:00Z"}}`,
		want: Event{
			Type: "issue.created", RawType: "issue.open", Subject: "g/p", OccurredAt: at("2026-01-01T00:00:00Z"),
			Data: map[string]any{"repository": "g/p", "number": int64(23), "title": "Secret", "actor": "root", "url": "http://example.com/g/p/-/issues/23"},
		},
	},
	{
		name: "gitlab pipeline failed", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Pipeline Hook"),
		body: `{"object_kind":"pipeline","object_attributes":{"id":31,"iid":3,"name":"Pipeline for branch: master","ref":"master","tag":false,
"sha":"bcbb5ec396a2c0f828686f14fac9b80b780504f2","status":"failed","detailed_status":"failed","created_at":"2016-08-12 15:23:28 UTC",
"finished_at":"2016-08-12 15:26:29 UTC","url":"http://example.com/g/p/-/pipelines/31"},"user":{"username":"root"},"project":{"path_with_namespace":"g/p"}}`,
		want: Event{
			Type: "ci.run.failed", RawType: "pipeline.failed", Subject: "g/p", OccurredAt: at("2016-08-12T15:26:29Z"),
			Data: map[string]any{
				"repository": "g/p", "run_id": int64(31), "name": "Pipeline for branch: master", "branch": "master",
				"sha": "bcbb5ec396a2c0f828686f14fac9b80b780504f2", "status": "failed", "url": "http://example.com/g/p/-/pipelines/31",
			},
		},
	},
	{
		name: "gitlab note on issue", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Note Hook"),
		body: `{"object_kind":"note","user":{"username":"root"},"project":{"path_with_namespace":"g/p"},
"object_attributes":{"note":"Hello","noteable_type":"Issue","created_at":"2015-05-17 17:06:40 UTC","url":"http://example.com/g/p/-/issues/17#note_1241"},
"issue":{"iid":17,"title":"T"}}`,
		want: Event{
			Type: "comment.created", RawType: "note", Subject: "g/p", OccurredAt: at("2015-05-17T17:06:40Z"),
			Data: map[string]any{"repository": "g/p", "number": int64(17), "on": "issue", "actor": "root", "url": "http://example.com/g/p/-/issues/17#note_1241", "body": "Hello"},
		},
	},
	{
		name: "gitlab release update kept", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Release Hook"),
		body:   `{"object_kind":"release","action":"update","tag":"v1","project":{"path_with_namespace":"g/p"}}`,
		want:   Event{Type: "gitlab.release.update", RawType: "release.update", Subject: "g/p", Data: map[string]any{"repository": "g/p"}},
	},

	// Bitbucket Cloud.
	{
		name: "bitbucket pull request created", provider: "bitbucket",
		header: hdr("X-Event-Key", "pullrequest:created", "X-Request-UUID", "r-1"),
		body: `{"actor":{"display_name":"Ann","nickname":"ann"},"repository":{"full_name":"team/repo"},
"pullrequest":{"id":12,"title":"Add x","state":"OPEN","source":{"branch":{"name":"feat"}},"destination":{"branch":{"name":"main"}},
"links":{"html":{"href":"https://bitbucket.org/team/repo/pull-requests/12"}},"created_on":"2026-01-01T00:00:00.000000+00:00","updated_on":"2026-01-01T00:00:01.123456+00:00"}}`,
		want: Event{
			Type: "code.pr.opened", RawType: "pullrequest:created", Subject: "team/repo", OccurredAt: at("2026-01-01T00:00:01.123456Z"),
			Data: map[string]any{
				"repository": "team/repo", "number": int64(12), "title": "Add x", "actor": "ann", "source_branch": "feat",
				"target_branch": "main", "url": "https://bitbucket.org/team/repo/pull-requests/12",
			},
		},
	},
	{
		name: "bitbucket pull request rejected", provider: "bitbucket",
		header: hdr("X-Event-Key", "pullrequest:rejected"),
		body:   `{"actor":{"nickname":"ann"},"repository":{"full_name":"t/r"},"pullrequest":{"id":13,"title":"x","state":"DECLINED"}}`,
		want: Event{
			Type: "code.pr.closed", RawType: "pullrequest:rejected", Subject: "t/r",
			Data: map[string]any{"repository": "t/r", "number": int64(13), "title": "x", "actor": "ann"},
		},
	},
	{
		name: "bitbucket commit status failed", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:commit_status_updated"),
		body: `{"repository":{"full_name":"t/r"},"commit_status":{"key":"BUILD-1","name":"Build #1","state":"FAILED","refname":"main",
"url":"https://ci.example.com/1","commit":{"hash":"abc"},"updated_on":"2026-01-01T00:00:00Z"}}`,
		want: Event{
			Type: "ci.run.failed", RawType: "repo:commit_status_updated", Subject: "t/r", OccurredAt: at("2026-01-01T00:00:00Z"),
			Data: map[string]any{"repository": "t/r", "run_id": "BUILD-1", "name": "Build #1", "branch": "main", "sha": "abc", "status": "FAILED", "url": "https://ci.example.com/1"},
		},
	},
	{
		name: "bitbucket push deletes a branch", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:push"),
		body: `{"actor":{"nickname":"ann"},"repository":{"full_name":"t/r"},
"push":{"changes":[{"new":null,"old":{"type":"branch","name":"gone","target":{"hash":"c1"}},"created":false,"closed":true,"forced":false,"commits":[]}]}}`,
		want: Event{
			Type: "code.push", RawType: "repo:push", Subject: "t/r",
			Data: map[string]any{
				"repository": "t/r", "ref": "refs/heads/gone", "branch": "gone", "before": "c1", "commit_count": int64(0),
				"created": false, "deleted": true, "forced": false, "actor": "ann",
			},
		},
	},
	{
		name: "bitbucket pull request updated kept", provider: "bitbucket",
		header: hdr("X-Event-Key", "pullrequest:updated"),
		body:   `{"repository":{"full_name":"t/r"},"pullrequest":{"id":1}}`,
		want:   Event{Type: "bitbucket.pullrequest:updated", RawType: "pullrequest:updated", Subject: "t/r", Data: map[string]any{"repository": "t/r"}},
	},

	// Slack.
	{
		name: "slack message with subtype", provider: "slack",
		body: `{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A1","event":{"type":"message","subtype":"bot_message","channel":"C1","user":"U1",
"text":"hi","ts":"1355517523.000005","thread_ts":"1355517500.000001"},"type":"event_callback","event_id":"Ev1","event_time":1355517523}`,
		want: Event{
			Type: "chat.message.received", RawType: "message", Subject: "C1", OccurredAt: at("2012-12-14T20:38:43Z"),
			Data: map[string]any{
				"team": "T123ABC456", "channel": "C1", "user": "U1", "text": "hi", "ts": "1355517523.000005",
				"thread_ts": "1355517500.000001", "subtype": "bot_message",
			},
		},
	},
	{
		name: "slack shortcut kept", provider: "slack",
		header: hdr("Content-Type", form),
		body:   "payload=" + url.QueryEscape(`{"type":"shortcut","token":"t","callback_id":"cb","user":{"id":"U1"},"team":{"id":"T1"}}`),
		want:   Event{Type: "slack.shortcut", RawType: "shortcut"},
	},

	// Discord.
	{
		name: "discord ping as sent", provider: "discord",
		body: `{"application_id":"1100","id":"1176284400000000000","token":"secret-token","type":1,"user":{"id":"7"},"version":1}`,
		want: Event{Type: "system.ping", RawType: "ping", Subject: "1100", OccurredAt: snowflakeTime("1176284400000000000")},
	},

	// Stripe-shaped events on the generic http provider.
	{
		name: "stripe payment intent failed", provider: "http",
		body: `{"id":"evt_1","object":"event","api_version":"2024-06-20","created":1700000000,"type":"payment_intent.payment_failed",
"data":{"object":{"id":"pi_1","object":"payment_intent","amount":2000,"amount_received":0,"currency":"usd","customer":"cus_1",
"last_payment_error":{"code":"card_declined","message":"Your card was declined."},"metadata":{}}},"livemode":false}`,
		want: Event{
			Type: "payment.failed", RawType: "payment_intent.payment_failed", Subject: "pi_1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"transaction_id": "pi_1", "amount_minor": int64(2000), "currency": "usd", "customer_id": "cus_1", "reason": "Your card was declined."},
		},
	},
	{
		name: "stripe invoice paid", provider: "http",
		body: `{"id":"evt_2","object":"event","created":1700000000,"type":"invoice.paid","data":{"object":{"id":"in_1","object":"invoice",
"amount_due":1500,"amount_paid":1500,"currency":"eur","customer":"cus_1","status":"paid"}}}`,
		want: Event{
			Type: "invoice.paid", RawType: "invoice.paid", Subject: "in_1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"invoice_id": "in_1", "amount_minor": int64(1500), "currency": "eur", "customer_id": "cus_1", "status": "paid"},
		},
	},
	{
		// The subscription's top-level "plan" is deprecated (null with
		// several items): the price is on its items.
		name: "stripe subscription created without top-level plan", provider: "http",
		body: `{"id":"evt_3","object":"event","created":1700000000,"type":"customer.subscription.created","data":{"object":{"id":"sub_1",
"object":"subscription","customer":"cus_1","status":"active","items":{"object":"list","data":[{"id":"si_1","price":{"id":"price_1"}}]}}}}`,
		want: Event{
			Type: "subscription.created", RawType: "customer.subscription.created", Subject: "sub_1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"subscription_id": "sub_1", "customer_id": "cus_1", "status": "active", "plan": "price_1"},
		},
	},

	// Resend.
	{
		name: "resend clicked", provider: "resend",
		body: `{"type":"email.clicked","created_at":"2024-11-22T23:41:12.126Z","data":{"email_id":"e-3","from":"a@example.com","to":["b@example.com"],
"subject":"S","click":{"ipAddress":"192.0.2.1","link":"https://resend.com","timestamp":"2024-11-22T23:41:12.126Z","userAgent":"UA"}}}`,
		want: Event{
			Type: "email.clicked", RawType: "email.clicked", Subject: "e-3", OccurredAt: at("2024-11-22T23:41:12.126Z"),
			Data: map[string]any{"email_id": "e-3", "from": "a@example.com", "to": []string{"b@example.com"}, "title": "S", "link": "https://resend.com"},
		},
	},
	{
		name: "resend to as one string", provider: "resend",
		body: `{"type":"email.sent","created_at":"2024-11-22T23:41:12Z","data":{"email_id":"e-4","to":"b@example.com"}}`,
		want: Event{
			Type: "email.sent", RawType: "email.sent", Subject: "e-4", OccurredAt: at("2024-11-22T23:41:12Z"),
			Data: map[string]any{"email_id": "e-4", "to": []string{"b@example.com"}},
		},
	},

	// WHMCS.
	{
		// WHMCS docs: InvoiceCreated's "user" is "System or Admin User",
		// the one who created the invoice, not the client.
		name: "whmcs autogen invoice has no customer", provider: "whmcs",
		header: hdr("X-Hub-Event", "InvoiceCreated"),
		body:   `{"source":"autogen","user":"system","invoiceid":1002,"status":"Unpaid"}`,
		want: Event{
			Type: "invoice.created", RawType: "InvoiceCreated", Subject: "1002",
			Data: map[string]any{"invoice_id": "1002", "status": "Unpaid"},
		},
	},
	{
		name: "whmcs ticket close form", provider: "whmcs",
		header: hdr("X-Hub-Event", "TicketClose", "Content-Type", form),
		body:   "ticketid=42",
		want:   Event{Type: "ticket.closed", RawType: "TicketClose", Subject: "42", Data: map[string]any{"ticket_id": "42"}},
	},
	{
		name: "whmcs invoice unpaid", provider: "whmcs",
		header: hdr("X-Hub-Event", "InvoiceUnpaid"),
		body:   `{"invoiceid":"7"}`,
		want:   Event{Type: "invoice.reopened", RawType: "InvoiceUnpaid", Subject: "7", Data: map[string]any{"invoice_id": "7"}},
	},
	{
		name: "whmcs invoice cancelled", provider: "whmcs",
		header: hdr("X-Hub-Event", "InvoiceCancelled"),
		body:   `{"invoiceid":8}`,
		want:   Event{Type: "invoice.cancelled", RawType: "InvoiceCancelled", Subject: "8", Data: map[string]any{"invoice_id": "8"}},
	},
	{
		name: "whmcs accept order", provider: "whmcs",
		header: hdr("X-Hub-Event", "AcceptOrder"),
		body:   `{"orderid":12}`,
		want:   Event{Type: "order.accepted", RawType: "AcceptOrder", Subject: "12", Data: map[string]any{"order_id": "12"}},
	},
	{
		name: "whmcs client edit", provider: "whmcs",
		header: hdr("X-Hub-Event", "ClientEdit"),
		body:   `{"userid":7,"firstname":"Ann","email":"ann@example.com","olddata":{"email":"old@example.com"}}`,
		want: Event{
			Type: "customer.updated", RawType: "ClientEdit", Subject: "7",
			Data: map[string]any{"customer_id": "7", "firstname": "Ann", "email": "ann@example.com"},
		},
	},
	{
		name: "whmcs module create", provider: "whmcs",
		header: hdr("X-Hub-Event", "AfterModuleCreate"),
		body:   `{"params":{"serviceid":56,"userid":7,"pid":3,"domain":"d.example","username":"u","password":"p"}}`,
		want: Event{
			Type: "service.provisioned", RawType: "AfterModuleCreate", Subject: "56",
			Data: map[string]any{"service_id": "56", "customer_id": "7", "product_id": "3", "domain": "d.example", "username": "u"},
		},
	},
	{
		name: "whmcs module terminate", provider: "whmcs",
		header: hdr("X-Hub-Event", "AfterModuleTerminate"),
		body:   `{"params":{"serviceid":56}}`,
		want:   Event{Type: "service.terminated", RawType: "AfterModuleTerminate", Subject: "56", Data: map[string]any{"service_id": "56"}},
	},
	{
		name: "whmcs module unsuspend", provider: "whmcs",
		header: hdr("X-Hub-Event", "AfterModuleUnsuspend"),
		body:   `{"params":{"serviceid":56}}`,
		want:   Event{Type: "service.unsuspended", RawType: "AfterModuleUnsuspend", Subject: "56", Data: map[string]any{"service_id": "56"}},
	},

	// NetCash.
	{
		name: "netcash refused without reason", provider: "netcash",
		header: hdr("Content-Type", form),
		body:   "TransactionAccepted=false&Reference=INV-9&RequestTrace=t-9&Amount=5.00",
		want: Event{
			Type: "payment.failed", RawType: "postback", Subject: "INV-9",
			Data: map[string]any{"reference": "INV-9", "amount": "5.00", "currency": "ZAR", "transaction_id": "t-9", "accepted": false},
		},
	},
	{
		name: "netcash accepted true any case", provider: "netcash",
		body: "TransactionAccepted=True&Reference=INV-10&Reason=Success",
		want: Event{
			Type: "payment.succeeded", RawType: "postback", Subject: "INV-10",
			Data: map[string]any{"reference": "INV-10", "reason": "Success", "accepted": true},
		},
	},

	// Didit.
	{
		name: "didit abandoned", provider: "didit",
		body: `{"session_id":"s","status":"Abandoned","webhook_type":"status.updated","timestamp":1700000000}`,
		want: Event{Type: "kyc.abandoned", RawType: "status.updated", Subject: "s", OccurredAt: at("2023-11-14T22:13:20Z"), Data: map[string]any{"session_id": "s", "status": "Abandoned"}},
	},
	{
		name: "didit resubmitted", provider: "didit",
		body: `{"session_id":"s","status":"Resubmitted","webhook_type":"status.updated","timestamp":1700000000}`,
		want: Event{Type: "kyc.resubmission_requested", RawType: "status.updated", Subject: "s", OccurredAt: at("2023-11-14T22:13:20Z"), Data: map[string]any{"session_id": "s", "status": "Resubmitted"}},
	},
	{
		name: "didit in progress", provider: "didit",
		body: `{"session_id":"s","status":"In Progress","webhook_type":"status.updated","timestamp":1700000000}`,
		want: Event{Type: "kyc.started", RawType: "status.updated", Subject: "s", OccurredAt: at("2023-11-14T22:13:20Z"), Data: map[string]any{"session_id": "s", "status": "In Progress"}},
	},
	{
		name: "didit data updated", provider: "didit",
		body: `{"session_id":"s","status":"Approved","webhook_type":"data.updated","timestamp":1700000000}`,
		want: Event{Type: "kyc.updated", RawType: "data.updated", Subject: "s", OccurredAt: at("2023-11-14T22:13:20Z"), Data: map[string]any{"session_id": "s", "status": "Approved"}},
	},

	// Zoho.
	{
		name: "zoho sign rejected", provider: "zoho_sign",
		body: `{"requests":{"request_id":1000000001234,"request_name":"NDA","request_status":"declined"},"notifications":{"operation_type":"RequestRejected",
"performed_by_email":"s@example.com","performed_at":1700000000000}}`,
		want: Event{
			Type: "esign.declined", RawType: "RequestRejected", Subject: "1000000001234", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"request_id": "1000000001234", "request_name": "NDA", "request_status": "declined", "actor_email": "s@example.com"},
		},
	},
	{
		name: "zoho sign signed", provider: "zoho_sign",
		body: `{"requests":{"request_id":"1"},"notifications":{"operation_type":"RequestSigningSuccess"}}`,
		want: Event{Type: "esign.signed", RawType: "RequestSigningSuccess", Subject: "1", Data: map[string]any{"request_id": "1"}},
	},
	{
		name: "zoho crm delete several", provider: "zoho_crm",
		body: `{"server_time":1700000000000,"module":"Leads","resource_uri":"https://www.zohoapis.com/crm/v2/Leads","ids":["1","2"],"operation":"delete",
"channel_id":"100","token":"crm-secret"}`,
		want: Event{
			Type: "crm.record.deleted", RawType: "delete", Subject: "Leads", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"module": "Leads", "ids": []string{"1", "2"}, "channel_id": "100"},
		},
	},
	{
		name: "zoho billing subscription activated", provider: "zoho_billing",
		body: `{"created_time":"2016-06-14T12:26:02+0530","event_id":"5","event_type":"subscription_activated","event_time":"2016-06-14T12:26:02+0530",
"data":{"subscription":{"subscription_id":"sub-1","status":"live","customer_id":"c-1","plan":{"plan_code":"basic"}}}}`,
		want: Event{
			Type: "subscription.activated", RawType: "subscription_activated", Subject: "sub-1", OccurredAt: at("2016-06-14T06:56:02Z"),
			Data: map[string]any{"subscription_id": "sub-1", "customer_id": "c-1", "plan": "basic", "status": "live"},
		},
	},

	// Clickatell.
	{
		name: "clickatell platform callback with both status fields", provider: "clickatell",
		body: `{"integrationName":"hub","messageId":"m-1","requestId":"r-1","clientMessageId":"c-1","to":"27820000000","from":"27830000000",
"statusCode":4,"status":"RECEIVED_BY_RECIPIENT","statusDescription":"Received by recipient","timestamp":1700000000000,"apiKey":"k"}`,
		want: Event{
			Type: "sms.delivered", RawType: "status.004", Subject: "m-1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{
				"message_id": "m-1", "client_message_id": "c-1", "to": "27820000000", "from": "27830000000",
				"status": "004", "description": "Received by recipient",
			},
		},
	},
	{
		name: "clickatell out of credit", provider: "clickatell",
		body: `{"messageId":"m-2","statusCode":12,"status":"OUT_OF_CREDIT"}`,
		want: Event{Type: "sms.failed", RawType: "status.012", Subject: "m-2", Data: map[string]any{"message_id": "m-2", "status": "012"}},
	},

	{
		// The legacy HTTP API's reply (MO) callback, form-encoded.
		name: "clickatell legacy reply", provider: "clickatell",
		header: hdr("Content-Type", form),
		body:   "api_id=3523864&from=27820000001&timestamp=2015-02-04+09%3A30%3A36&text=Yes+please&charset=ISO-8859-1&udh=&moMsgId=d2b66016178dda7c3b4a701056797755&to=27830000002",
		want: Event{
			Type: "sms.received", RawType: "reply_callback", Subject: "d2b66016178dda7c3b4a701056797755", OccurredAt: at("2015-02-04T09:30:36Z"),
			Data: map[string]any{"message_id": "d2b66016178dda7c3b4a701056797755", "from": "27820000001", "to": "27830000002", "text": "Yes please"},
		},
	},

	// Twilio-shaped SMS callbacks.
	{
		name: "twilio sent", provider: "sms_webhook",
		header: hdr("Content-Type", form),
		body:   "AccountSid=AC1&From=%2B15017250604&MessageSid=SM1&MessageStatus=sent&SmsSid=SM1&SmsStatus=sent&To=%2B15558675310&ApiVersion=2010-04-01",
		want: Event{
			Type: "sms.sent", RawType: "sent", Subject: "SM1",
			Data: map[string]any{"message_id": "SM1", "to": "+15558675310", "from": "+15017250604", "status": "sent"},
		},
	},
	{
		name: "twilio failed with error code", provider: "sms_webhook",
		header: hdr("Content-Type", form),
		body:   "MessageSid=SM2&MessageStatus=failed&ErrorCode=30008&To=%2B1&From=%2B2",
		want: Event{
			Type: "sms.failed", RawType: "failed", Subject: "SM2",
			Data: map[string]any{"message_id": "SM2", "to": "+1", "from": "+2", "status": "failed", "error_code": "30008"},
		},
	},

	// Terraform.
	{
		name: "terraform needs attention", provider: "terraform",
		body: `{"payload_version":1,"run_id":"run-4","workspace_name":"w","organization_name":"o",
"notifications":[{"message":"Run Needs Attention","trigger":"run:needs_attention","run_status":"planned","run_updated_at":"2026-01-01T00:00:00.000Z","run_updated_by":"u"}]}`,
		want: Event{
			Type: "iac.run.needs_approval", RawType: "run:needs_attention", Subject: "run-4", OccurredAt: at("2026-01-01T00:00:00Z"),
			Data: map[string]any{"run_id": "run-4", "workspace": "w", "organization": "o", "status": "planned", "actor": "u"},
		},
	},

	// AWX.
	{
		name: "awx job error", provider: "awx",
		body: `{"id":41,"name":"Deploy","status":"error","finished":"2026-01-01T00:00:00Z"}`,
		want: Event{
			Type: "automation.job.failed", RawType: "job.error", Subject: "41", OccurredAt: at("2026-01-01T00:00:00Z"),
			Data: map[string]any{"job_id": "41", "name": "Deploy", "status": "error"},
		},
	},
	{
		name: "awx job pending", provider: "awx",
		body: `{"id":42,"name":"Deploy","status":"pending","started":null}`,
		want: Event{Type: "automation.job.started", RawType: "job.pending", Subject: "42", Data: map[string]any{"job_id": "42", "name": "Deploy", "status": "pending"}},
	},

	// AWS SNS: JSON sent as text/plain.
	{
		name: "sns subscription confirmation", provider: "aws_sns",
		header: hdr("Content-Type", "text/plain; charset=UTF-8", "x-amz-sns-message-type", "SubscriptionConfirmation"),
		body: `{"Type":"SubscriptionConfirmation","MessageId":"165545c9-2a5c-472c-8df2-7ff2be2b3b1b","Token":"2336412f37","TopicArn":"arn:aws:sns:us-west-2:123456789012:MyTopic",
"Message":"You have chosen to subscribe to the topic","SubscribeURL":"https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription","Timestamp":"2012-04-26T20:45:04.751Z",
"SignatureVersion":"1","Signature":"EXAMPLEpH+","SigningCertURL":"https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"}`,
		want: Event{
			Type: "aws_sns.SubscriptionConfirmation", RawType: "SubscriptionConfirmation", Subject: "arn:aws:sns:us-west-2:123456789012:MyTopic",
			OccurredAt: at("2012-04-26T20:45:04.751Z"),
			Data: map[string]any{
				"message_id": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "topic_arn": "arn:aws:sns:us-west-2:123456789012:MyTopic",
				"message": "You have chosen to subscribe to the topic", "subscribe_url": "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription",
			},
		},
	},

	// WHM / cPanel standardized hooks.
	{
		name: "whm account created", provider: "whm",
		body: `{"context":{"category":"Whostmgr","event":"Accounts::Create","stage":"post","point":"main"},"data":{"user":"bob","domain":"bob.example","plan":"basic","pass":"x"}}`,
		want: Event{
			Type: "account.created", RawType: "Whostmgr::Accounts::Create:post", Subject: "bob",
			Data: map[string]any{"user": "bob", "domain": "bob.example", "plan": "basic"},
		},
	},
	{
		name: "whm account removed", provider: "cpanel",
		body: `{"context":{"category":"Whostmgr","event":"Accounts::Remove","stage":"post"},"data":{"user":"bob","killdns":1}}`,
		want: Event{Type: "account.terminated", RawType: "Whostmgr::Accounts::Remove:post", Subject: "bob", Data: map[string]any{"user": "bob"}},
	},
	{
		name: "whm pre stage kept", provider: "whm",
		body: `{"context":{"category":"Whostmgr","event":"Accounts::suspendacct","stage":"pre"},"data":{"user":"bob","reason":"abuse"}}`,
		want: Event{Type: "whm.Whostmgr::Accounts::suspendacct:pre", RawType: "Whostmgr::Accounts::suspendacct:pre", Subject: "bob", Data: map[string]any{"user": "bob", "reason": "abuse"}},
	},

	// Generic http.
	{
		name: "http standard webhooks body", provider: "http",
		body: `{"type":"invoice.paid","timestamp":"2026-01-01T00:00:00Z","data":{"id":"inv_1","total":10,"api_key":"k"}}`,
		want: Event{
			Type: "http.invoice.paid", RawType: "invoice.paid", Subject: "inv_1", OccurredAt: at("2026-01-01T00:00:00Z"),
			Data: map[string]any{"id": "inv_1", "total": "10"},
		},
	},
	{
		name: "http top-level array", provider: "http",
		body: `[{"type":"x"}]`,
		want: Event{Type: "http.event"},
	},
	{
		name: "http non-UTF-8 form value", provider: "http",
		header: hdr("Content-Type", form),
		body:   "event=a%FFb&x=%FE",
		want:   Event{Type: "http.a_b", RawType: "a\uFFFDb", Data: map[string]any{"x": "\uFFFD"}},
	},
}

// TestReviewNeverPanics feeds every provider odd but possible bodies: each
// must give a non-empty type and no panic.
func TestReviewNeverPanics(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 1<<16)
	bodies := []string{
		"", " ", "null", "[]", "[1,2]", "{}", `{"":""}`, "\ufeff{}", "\xff\xfe{}",
		`{"type":1e400,"status":[],"data":"x","event":{"type":{}}}`,
		`{"object_attributes":[],"pull_request":1,"push":{"changes":[null,1]},"notifications":[null],"requests":"x"}`,
		`{"commit_status":null,"issue":[],"release":true,"workflow_run":"x","context":[],"data":[1]}`,
		`{"type":"` + long + `","session_id":"` + long + `"}`,
		"payload=%7B",
		"a=1&a=2&" + strings.Repeat("k=v&", 1000),
		strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
	}
	headers := []string{"push", "pull_request", "ping", "Push Hook", "repo:push", "TicketOpen", ""}
	for _, p := range fuzzProviders() {
		for _, h := range headers {
			for _, b := range bodies {
				for _, ct := range []string{"", "application/json", form} {
					ev, _ := Normalize(p, fuzzHeader(h, ct), []byte(b))
					if ev.Type == "" || strings.HasSuffix(ev.Type, ".") {
						t.Errorf("Normalize(%q, %q, %.40q) type %q", p, h, b, ev.Type)
					}
					if len(ev.Subject) > maxSubject || len(ev.RawType) > maxRawType {
						t.Errorf("Normalize(%q) unbounded subject/raw type", p)
					}
					for k, v := range ev.Data {
						if s, ok := v.(string); ok && len(s) > maxDataString {
							t.Errorf("Normalize(%q) data %q is %d bytes", p, k, len(s))
						}
					}
					_ = DeliveryID(p, fuzzHeader(h, ct), []byte(b))
				}
			}
		}
	}
}
