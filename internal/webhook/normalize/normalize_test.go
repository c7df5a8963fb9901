package normalize

import (
	"net/http"
	"net/url"
	"time"
)

// hdr builds a header from name/value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// at parses an RFC 3339 time for expectations.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

const form = "application/x-www-form-urlencoded"

// normalizeCase is one delivery and the event it must become.
type normalizeCase struct {
	name     string
	provider string
	header   http.Header
	body     string
	want     Event
}

// Sample payloads: trimmed shapes of the providers' documented examples
// (providers.md Part B/C field names; GitHub's Codertocat samples, GitLab's
// webhook docs, Terraform's notification sample, …).
var normalizeCases = []normalizeCase{
	// GitHub.
	{
		name: "github push branch", provider: "github",
		header: hdr("X-GitHub-Event", "push", "X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
		body: `{"ref":"refs/heads/main","before":"9049f1265b7d61be4a8904a9a27120d2064dab3b","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
"created":false,"deleted":false,"forced":false,"compare":"https://github.com/Codertocat/Hello-World/compare/9049f1265b7d...0d1a26e67d8f",
"commits":[{"id":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","message":"Update README.md","timestamp":"2019-05-15T15:20:30-05:00"}],
"head_commit":{"id":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"},
"repository":{"id":186853002,"full_name":"Codertocat/Hello-World","pushed_at":1557933657},
"pusher":{"name":"Codertocat","email":"21031067+Codertocat@users.noreply.github.com"},"sender":{"login":"Codertocat"}}`,
		want: Event{
			Type: "code.push", RawType: "push", Subject: "Codertocat/Hello-World", OccurredAt: at("2019-05-15T15:20:57Z"),
			Data: map[string]any{
				"repository": "Codertocat/Hello-World", "ref": "refs/heads/main", "branch": "main",
				"before": "9049f1265b7d61be4a8904a9a27120d2064dab3b", "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
				"commit_count": int64(1), "actor": "Codertocat",
				"url":     "https://github.com/Codertocat/Hello-World/compare/9049f1265b7d...0d1a26e67d8f",
				"created": false, "deleted": false, "forced": false,
			},
		},
	},
	{
		name: "github push tag created", provider: "github",
		header: hdr("X-GitHub-Event", "push"),
		body: `{"ref":"refs/tags/v1.2.0","before":"0000000000000000000000000000000000000000","after":"4544205a385319fd846d5df4ed2e3b8173529d78",
"created":true,"deleted":false,"commits":[],"repository":{"full_name":"octo-org/app","pushed_at":1700000000},"pusher":{"name":"octocat"}}`,
		want: Event{
			Type: "code.tag.created", RawType: "push", Subject: "octo-org/app", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"repository": "octo-org/app", "tag": "v1.2.0", "sha": "4544205a385319fd846d5df4ed2e3b8173529d78", "actor": "octocat"},
		},
	},
	{
		name: "github push tag deleted", provider: "github",
		header: hdr("X-GitHub-Event", "push"),
		body: `{"ref":"refs/tags/v1.2.0","before":"4544205a385319fd846d5df4ed2e3b8173529d78","after":"0000000000000000000000000000000000000000",
"created":false,"deleted":true,"repository":{"full_name":"octo-org/app"},"pusher":{"name":"octocat"}}`,
		want: Event{
			Type: "code.tag.deleted", RawType: "push", Subject: "octo-org/app",
			Data: map[string]any{"repository": "octo-org/app", "tag": "v1.2.0", "sha": "4544205a385319fd846d5df4ed2e3b8173529d78", "actor": "octocat"},
		},
	},
	{
		name: "github create tag", provider: "github",
		header: hdr("X-GitHub-Event", "create"),
		body:   `{"ref":"simple-tag","ref_type":"tag","master_branch":"master","repository":{"full_name":"Codertocat/Hello-World"},"sender":{"login":"Codertocat"}}`,
		want: Event{
			Type: "code.tag.created", RawType: "create", Subject: "Codertocat/Hello-World",
			Data: map[string]any{"repository": "Codertocat/Hello-World", "tag": "simple-tag", "actor": "Codertocat"},
		},
	},
	{
		name: "github create branch is kept", provider: "github",
		header: hdr("X-GitHub-Event", "create"),
		body:   `{"ref":"feature","ref_type":"branch","repository":{"full_name":"Codertocat/Hello-World"}}`,
		want: Event{Type: "github.create", RawType: "create", Subject: "Codertocat/Hello-World",
			Data: map[string]any{"repository": "Codertocat/Hello-World"}},
	},
	{
		name: "github pull request opened", provider: "github",
		header: hdr("X-GitHub-Event", "pull_request"),
		body: `{"action":"opened","number":2,"pull_request":{"url":"https://api.github.com/repos/Codertocat/Hello-World/pulls/2",
"html_url":"https://github.com/Codertocat/Hello-World/pull/2","number":2,"state":"open","title":"Update the README with new information.",
"user":{"login":"Codertocat"},"created_at":"2019-05-15T15:20:33Z","updated_at":"2019-05-15T15:20:33Z","closed_at":null,"merged_at":null,
"merged":false,"head":{"ref":"changes","sha":"ec26c3e57ca3a959ca5aad62de7213c562f8c821"},"base":{"ref":"master"}},
"repository":{"full_name":"Codertocat/Hello-World"},"sender":{"login":"Codertocat"}}`,
		want: Event{
			Type: "code.pr.opened", RawType: "pull_request.opened", Subject: "Codertocat/Hello-World", OccurredAt: at("2019-05-15T15:20:33Z"),
			Data: map[string]any{
				"repository": "Codertocat/Hello-World", "number": int64(2), "title": "Update the README with new information.",
				"actor": "Codertocat", "source_branch": "changes", "target_branch": "master",
				"url": "https://github.com/Codertocat/Hello-World/pull/2",
			},
		},
	},
	{
		name: "github form content", provider: "github",
		header: hdr("X-GitHub-Event", "ping", "Content-Type", form),
		body:   "payload=" + url.QueryEscape(`{"zen":"Design for failure.","hook_id":31,"repository":{"full_name":"o/r"}}`),
		want: Event{
			Type: "system.ping", RawType: "ping", Subject: "o/r",
			Data: map[string]any{"repository": "o/r", "hook_id": int64(31)},
		},
	},
	{
		name: "github pull request merged", provider: "github",
		header: hdr("X-GitHub-Event", "pull_request"),
		body: `{"action":"closed","number":7,"pull_request":{"number":7,"html_url":"https://github.com/o/r/pull/7","title":"Fix","merged":true,
"merged_at":"2026-11-20T10:00:00Z","closed_at":"2026-11-20T10:00:00Z","head":{"ref":"fix"},"base":{"ref":"main"}},
"repository":{"full_name":"o/r"},"sender":{"login":"maintainer"}}`,
		want: Event{
			Type: "code.pr.merged", RawType: "pull_request.closed", Subject: "o/r", OccurredAt: at("2026-11-20T10:00:00Z"),
			Data: map[string]any{
				"repository": "o/r", "number": int64(7), "title": "Fix", "actor": "maintainer",
				"source_branch": "fix", "target_branch": "main", "url": "https://github.com/o/r/pull/7",
			},
		},
	},
	{
		name: "github pull request closed unmerged", provider: "github",
		header: hdr("X-GitHub-Event", "pull_request"),
		body: `{"action":"closed","number":8,"pull_request":{"number":8,"title":"Nope","merged":false,"merged_at":null,
"closed_at":"2026-11-21T09:30:00Z","head":{"ref":"x"},"base":{"ref":"main"}},"repository":{"full_name":"o/r"},"sender":{"login":"m"}}`,
		want: Event{
			Type: "code.pr.closed", RawType: "pull_request.closed", Subject: "o/r", OccurredAt: at("2026-11-21T09:30:00Z"),
			Data: map[string]any{"repository": "o/r", "number": int64(8), "title": "Nope", "actor": "m", "source_branch": "x", "target_branch": "main"},
		},
	},
	{
		name: "github pull request synchronize is kept", provider: "github",
		header: hdr("X-GitHub-Event", "pull_request"),
		body:   `{"action":"synchronize","number":8,"pull_request":{"number":8},"repository":{"full_name":"o/r"}}`,
		want:   Event{Type: "github.pull_request.synchronize", RawType: "pull_request.synchronize", Subject: "o/r", Data: map[string]any{"repository": "o/r"}},
	},
	{
		name: "github issue opened", provider: "github",
		header: hdr("X-GitHub-Event", "issues"),
		body: `{"action":"opened","issue":{"number":1,"title":"Spelling error in the README file","html_url":"https://github.com/Codertocat/Hello-World/issues/1",
"created_at":"2019-05-15T15:20:18Z"},"repository":{"full_name":"Codertocat/Hello-World"},"sender":{"login":"Codertocat"}}`,
		want: Event{
			Type: "issue.created", RawType: "issues.opened", Subject: "Codertocat/Hello-World", OccurredAt: at("2019-05-15T15:20:18Z"),
			Data: map[string]any{
				"repository": "Codertocat/Hello-World", "number": int64(1), "title": "Spelling error in the README file",
				"actor": "Codertocat", "url": "https://github.com/Codertocat/Hello-World/issues/1",
			},
		},
	},
	{
		name: "github comment on pull request", provider: "github",
		header: hdr("X-GitHub-Event", "issue_comment"),
		body: `{"action":"created","issue":{"number":9,"pull_request":{"url":"https://api.github.com/repos/o/r/pulls/9"}},
"comment":{"html_url":"https://github.com/o/r/pull/9#issuecomment-1","user":{"login":"rev"},"body":"LGTM","created_at":"2026-11-22T03:00:00Z"},
"repository":{"full_name":"o/r"},"sender":{"login":"rev"}}`,
		want: Event{
			Type: "comment.created", RawType: "issue_comment.created", Subject: "o/r", OccurredAt: at("2026-11-22T03:00:00Z"),
			Data: map[string]any{
				"repository": "o/r", "number": int64(9), "on": "pull_request", "actor": "rev",
				"url": "https://github.com/o/r/pull/9#issuecomment-1", "body": "LGTM",
			},
		},
	},
	{
		name: "github release published", provider: "github",
		header: hdr("X-GitHub-Event", "release"),
		body: `{"action":"published","release":{"tag_name":"0.0.1","name":"v0.0.1","html_url":"https://github.com/Codertocat/Hello-World/releases/tag/0.0.1",
"published_at":"2019-05-15T15:20:53Z"},"repository":{"full_name":"Codertocat/Hello-World"}}`,
		want: Event{
			Type: "release.published", RawType: "release.published", Subject: "Codertocat/Hello-World", OccurredAt: at("2019-05-15T15:20:53Z"),
			Data: map[string]any{
				"repository": "Codertocat/Hello-World", "tag": "0.0.1", "name": "v0.0.1",
				"url": "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1",
			},
		},
	},
	{
		name: "github workflow run failed", provider: "github",
		header: hdr("X-GitHub-Event", "workflow_run"),
		body: `{"action":"completed","workflow_run":{"id":30433642,"name":"Build","head_branch":"main","head_sha":"acb5820ced9479c074f688cc328bf03f341a511d",
"status":"completed","conclusion":"failure","html_url":"https://github.com/o/r/actions/runs/30433642","updated_at":"2026-11-22T03:05:00Z"},
"repository":{"full_name":"o/r"}}`,
		want: Event{
			Type: "ci.run.failed", RawType: "workflow_run.completed", Subject: "o/r", OccurredAt: at("2026-11-22T03:05:00Z"),
			Data: map[string]any{
				"repository": "o/r", "run_id": int64(30433642), "name": "Build", "branch": "main",
				"sha": "acb5820ced9479c074f688cc328bf03f341a511d", "status": "failure", "url": "https://github.com/o/r/actions/runs/30433642",
			},
		},
	},
	{
		name: "github ping", provider: "github",
		header: hdr("X-GitHub-Event", "ping"),
		body:   `{"zen":"Keep it logically awesome.","hook_id":30,"hook":{"type":"Repository","id":30},"repository":{"full_name":"o/r"}}`,
		want: Event{
			Type: "system.ping", RawType: "ping", Subject: "o/r",
			Data: map[string]any{"repository": "o/r", "hook_id": int64(30)},
		},
	},
	{
		name: "github unknown event kept", provider: "github",
		header: hdr("X-GitHub-Event", "star"),
		body:   `{"action":"created","starred_at":"2026-11-22T03:00:00Z","repository":{"full_name":"o/r"},"sender":{"login":"octocat"}}`,
		// Kept with what it is about: the repository, and who did it.
		want: Event{Type: "github.star.created", RawType: "star.created", Subject: "o/r",
			Data: map[string]any{"repository": "o/r", "actor": "octocat"}},
	},
	{
		name: "github garbage body", provider: "github",
		header: hdr("X-GitHub-Event", "push"),
		body:   `{"ref":"refs/heads/main",`,
		want:   Event{Type: "github.unparsed", RawType: "push"},
	},
	{
		// providers.md D1 #1: a ping whose body is not JSON is still a ping.
		name: "github ping, body not JSON", provider: "github",
		header: hdr("X-GitHub-Event", "ping"),
		body:   `Hello, World!`,
		want:   Event{Type: "system.ping", RawType: "ping"},
	},

	// GitLab.
	{
		name: "gitlab push", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Push Hook"),
		body: `{"object_kind":"push","event_name":"push","before":"95790bf891e76fee5e1747ab589903a6a1f80f22","after":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
"ref":"refs/heads/master","checkout_sha":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","user_name":"John Smith","user_username":"jsmith",
"project_id":15,"project":{"name":"Diaspora","web_url":"http://example.com/mike/diaspora","path_with_namespace":"mike/diaspora"},
"commits":[{"id":"b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327","timestamp":"2011-12-12T14:27:31+02:00"},{"id":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","timestamp":"2012-01-03T23:36:29+02:00"}],
"total_commits_count":4}`,
		want: Event{
			Type: "code.push", RawType: "push", Subject: "mike/diaspora",
			Data: map[string]any{
				"repository": "mike/diaspora", "ref": "refs/heads/master", "branch": "master",
				"before": "95790bf891e76fee5e1747ab589903a6a1f80f22", "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
				"commit_count": int64(4), "actor": "jsmith", "url": "http://example.com/mike/diaspora",
				"created": false, "deleted": false,
			},
		},
	},
	{
		name: "gitlab tag push", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Tag Push Hook"),
		body: `{"object_kind":"tag_push","event_name":"tag_push","before":"0000000000000000000000000000000000000000","after":"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
"ref":"refs/tags/v1.0.0","user_username":"jsmith","project":{"path_with_namespace":"jsmith/example"}}`,
		want: Event{
			Type: "code.tag.created", RawType: "tag_push", Subject: "jsmith/example",
			Data: map[string]any{"repository": "jsmith/example", "tag": "v1.0.0", "sha": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", "actor": "jsmith"},
		},
	},
	{
		name: "gitlab tag deleted", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Tag Push Hook"),
		body: `{"object_kind":"tag_push","before":"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7","after":"0000000000000000000000000000000000000000",
"ref":"refs/tags/v1.0.0","user_username":"jsmith","project":{"path_with_namespace":"jsmith/example"}}`,
		want: Event{
			Type: "code.tag.deleted", RawType: "tag_push", Subject: "jsmith/example",
			Data: map[string]any{"repository": "jsmith/example", "tag": "v1.0.0", "sha": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", "actor": "jsmith"},
		},
	},
	{
		name: "gitlab merge request opened", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Merge Request Hook"),
		body: `{"object_kind":"merge_request","event_type":"merge_request","user":{"name":"Administrator","username":"root"},
"project":{"path_with_namespace":"gitlabhq/gitlab-test"},"object_attributes":{"id":99,"iid":1,"target_branch":"master","source_branch":"ms-viewport",
"title":"MS-Viewport","state":"opened","action":"open","url":"http://example.com/diaspora/merge_requests/1","updated_at":"2013-12-03T17:23:34Z"}}`,
		want: Event{
			Type: "code.pr.opened", RawType: "merge_request.open", Subject: "gitlabhq/gitlab-test", OccurredAt: at("2013-12-03T17:23:34Z"),
			Data: map[string]any{
				"repository": "gitlabhq/gitlab-test", "number": int64(1), "title": "MS-Viewport", "actor": "root",
				"source_branch": "ms-viewport", "target_branch": "master", "url": "http://example.com/diaspora/merge_requests/1",
			},
		},
	},
	{
		name: "gitlab merge request merged", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Merge Request Hook"),
		body: `{"object_kind":"merge_request","user":{"username":"root"},"project":{"path_with_namespace":"g/p"},
"object_attributes":{"iid":3,"title":"T","source_branch":"a","target_branch":"main","action":"merge","updated_at":"2013-12-03 17:23:34 UTC"}}`,
		want: Event{
			Type: "code.pr.merged", RawType: "merge_request.merge", Subject: "g/p", OccurredAt: at("2013-12-03T17:23:34Z"),
			Data: map[string]any{"repository": "g/p", "number": int64(3), "title": "T", "actor": "root", "source_branch": "a", "target_branch": "main"},
		},
	},
	{
		name: "gitlab merge request update kept", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Merge Request Hook"),
		body:   `{"object_kind":"merge_request","project":{"path_with_namespace":"g/p"},"object_attributes":{"iid":3,"action":"update"}}`,
		want:   Event{Type: "gitlab.merge_request.update", RawType: "merge_request.update", Subject: "g/p", Data: map[string]any{"repository": "g/p"}},
	},
	{
		name: "gitlab pipeline success", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Pipeline Hook"),
		body: `{"object_kind":"pipeline","object_attributes":{"id":31,"ref":"master","sha":"bcbb5ec396a2c0f828686f14fac9b80b780504f2","status":"success",
"finished_at":"2016-08-12 15:26:29 UTC","url":"http://example.com/gitlab-org/gitlab-test/-/pipelines/31"},"project":{"path_with_namespace":"gitlab-org/gitlab-test"}}`,
		want: Event{
			Type: "ci.run.succeeded", RawType: "pipeline.success", Subject: "gitlab-org/gitlab-test", OccurredAt: at("2016-08-12T15:26:29Z"),
			Data: map[string]any{
				"repository": "gitlab-org/gitlab-test", "run_id": int64(31), "branch": "master",
				"sha": "bcbb5ec396a2c0f828686f14fac9b80b780504f2", "status": "success", "url": "http://example.com/gitlab-org/gitlab-test/-/pipelines/31",
			},
		},
	},
	{
		name: "gitlab note on merge request", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Note Hook"),
		body: `{"object_kind":"note","user":{"username":"root"},"project":{"path_with_namespace":"g/p"},
"object_attributes":{"note":"This MR needs work.","noteable_type":"MergeRequest","url":"http://example.com/g/p/merge_requests/1#note_1244",
"created_at":"2015-05-17 18:21:36 UTC"},"merge_request":{"iid":1}}`,
		want: Event{
			Type: "comment.created", RawType: "note", Subject: "g/p", OccurredAt: at("2015-05-17T18:21:36Z"),
			Data: map[string]any{
				"repository": "g/p", "number": int64(1), "on": "merge_request", "actor": "root",
				"url": "http://example.com/g/p/merge_requests/1#note_1244", "body": "This MR needs work.",
			},
		},
	},
	{
		name: "gitlab unknown hook from header", provider: "gitlab",
		header: hdr("X-Gitlab-Event", "Wiki Page Hook"),
		body:   `{"wiki":{"web_url":"http://example.com/root/awesome-project/-/wikis/home"}}`,
		want:   Event{Type: "gitlab.wiki_page", RawType: "wiki_page"},
	},

	// Bitbucket Cloud.
	{
		name: "bitbucket push", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:push", "X-Request-UUID", "afe5a5b4-ea3f-4a1b-a9ba-8b1b8a05c6f6"),
		body: `{"actor":{"display_name":"Ann","nickname":"ann"},"repository":{"full_name":"team/repo"},
"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"c0ffee"}},"old":{"type":"branch","name":"main","target":{"hash":"beef"}},
"created":false,"closed":false,"forced":false,"commits":[{"hash":"c0ffee"}],"links":{"html":{"href":"https://bitbucket.org/team/repo/branches/compare/c0ffee..beef"}}}]}}`,
		want: Event{
			Type: "code.push", RawType: "repo:push", Subject: "team/repo",
			Data: map[string]any{
				"repository": "team/repo", "ref": "refs/heads/main", "branch": "main", "before": "beef", "after": "c0ffee", "commit_count": int64(1),
				"url": "https://bitbucket.org/team/repo/branches/compare/c0ffee..beef", "actor": "ann",
				"created": false, "deleted": false, "forced": false,
			},
		},
	},
	{
		// Bitbucket lists 5 commits at most: the count is of those listed.
		name: "bitbucket push with its commits truncated", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:push", "X-Request-UUID", "0e5a5b4a-ea3f-4a1b-a9ba-8b1b8a05c6f6"),
		body: `{"actor":{"nickname":"ann"},"repository":{"full_name":"team/repo"},
"push":{"changes":[{"new":{"type":"branch","name":"main","target":{"hash":"c6"}},"old":{"type":"branch","name":"main","target":{"hash":"c0"}},
"created":false,"closed":false,"forced":false,"truncated":true,"commits":[{"hash":"c6"},{"hash":"c5"},{"hash":"c4"},{"hash":"c3"},{"hash":"c2"}]}]}}`,
		want: Event{
			Type: "code.push", RawType: "repo:push", Subject: "team/repo",
			Data: map[string]any{
				"repository": "team/repo", "ref": "refs/heads/main", "branch": "main", "before": "c0", "after": "c6", "commit_count": int64(5),
				"commits_truncated": true, "actor": "ann", "created": false, "deleted": false, "forced": false,
			},
		},
	},
	{
		name: "bitbucket tag created", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:push"),
		body:   `{"actor":{"nickname":"ann"},"repository":{"full_name":"team/repo"},"push":{"changes":[{"new":{"type":"tag","name":"v2","target":{"hash":"c0ffee"}},"old":null,"created":true}]}}`,
		want: Event{
			Type: "code.tag.created", RawType: "repo:push", Subject: "team/repo",
			Data: map[string]any{"repository": "team/repo", "tag": "v2", "sha": "c0ffee", "actor": "ann"},
		},
	},
	{
		name: "bitbucket pull request fulfilled", provider: "bitbucket",
		header: hdr("X-Event-Key", "pullrequest:fulfilled"),
		body: `{"actor":{"nickname":"ann"},"repository":{"full_name":"team/repo"},"pullrequest":{"id":12,"title":"Add feature","state":"MERGED",
"source":{"branch":{"name":"feature"}},"destination":{"branch":{"name":"main"}},"links":{"html":{"href":"https://bitbucket.org/team/repo/pull-requests/12"}},
"updated_on":"2026-11-22T03:00:00.123456+00:00"}}`,
		want: Event{
			Type: "code.pr.merged", RawType: "pullrequest:fulfilled", Subject: "team/repo", OccurredAt: at("2026-11-22T03:00:00.123456Z"),
			Data: map[string]any{
				"repository": "team/repo", "number": int64(12), "title": "Add feature", "actor": "ann",
				"source_branch": "feature", "target_branch": "main", "url": "https://bitbucket.org/team/repo/pull-requests/12",
			},
		},
	},
	{
		name: "bitbucket commit status successful", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:commit_status_updated"),
		body: `{"repository":{"full_name":"team/repo"},"commit_status":{"key":"BUILD-1","name":"Pipeline #1","state":"SUCCESSFUL","refname":"main",
"url":"https://ci.example/1","commit":{"hash":"c0ffee"},"updated_on":"2026-11-22T03:10:00Z"}}`,
		want: Event{
			Type: "ci.run.succeeded", RawType: "repo:commit_status_updated", Subject: "team/repo", OccurredAt: at("2026-11-22T03:10:00Z"),
			Data: map[string]any{
				"repository": "team/repo", "run_id": "BUILD-1", "name": "Pipeline #1", "branch": "main", "sha": "c0ffee",
				"status": "SUCCESSFUL", "url": "https://ci.example/1",
			},
		},
	},
	{
		name: "bitbucket unknown kept", provider: "bitbucket",
		header: hdr("X-Event-Key", "repo:fork"),
		body:   `{"repository":{"full_name":"team/repo"}}`,
		want:   Event{Type: "bitbucket.repo:fork", RawType: "repo:fork", Subject: "team/repo", Data: map[string]any{"repository": "team/repo"}},
	},

	// Slack.
	{
		name: "slack url verification", provider: "slack",
		body: `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`,
		want: Event{
			Type: "system.challenge", RawType: "url_verification",
			Data: map[string]any{"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"},
		},
	},
	{
		name: "slack event callback message", provider: "slack",
		body: `{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{"type":"message","channel":"C123ABC456","user":"U123ABC456",
"text":"Live long and prospect.","ts":"1355517523.000005","event_ts":"1355517523.000005","channel_type":"channel"},
"type":"event_callback","event_id":"Ev123ABC456","event_time":1355517523}`,
		want: Event{
			Type: "chat.message.received", RawType: "message", Subject: "C123ABC456", OccurredAt: at("2012-12-14T20:38:43Z"),
			Data: map[string]any{"team": "T123ABC456", "channel": "C123ABC456", "user": "U123ABC456", "text": "Live long and prospect.", "ts": "1355517523.000005"},
		},
	},
	{
		name: "slack app mention", provider: "slack",
		body: `{"team_id":"T1","event":{"type":"app_mention","user":"U1","text":"<@U0LAN0Z89> is it everything a river should be?","ts":"1515449522.000016",
"channel":"C0LAN2Q65","event_ts":"1515449522000016"},"type":"event_callback","event_id":"Ev0LAN670R","event_time":1515449522}`,
		want: Event{
			Type: "chat.mention", RawType: "app_mention", Subject: "C0LAN2Q65", OccurredAt: at("2018-01-08T22:12:02Z"),
			Data: map[string]any{"team": "T1", "channel": "C0LAN2Q65", "user": "U1", "text": "<@U0LAN0Z89> is it everything a river should be?", "ts": "1515449522.000016"},
		},
	},
	{
		name: "slack unknown event kept", provider: "slack",
		body: `{"type":"event_callback","event_id":"Ev1","event":{"type":"reaction_added","user":"U1","reaction":"thumbsup"}}`,
		want: Event{Type: "slack.reaction_added", RawType: "reaction_added", Data: map[string]any{"user": "U1", "reaction": "thumbsup"}},
	},
	{
		// Slack's reaction_added example, in its envelope: the item's
		// channel, the envelope's time.
		name: "slack reaction keeps its channel and time", provider: "slack",
		body: `{"token":"XXYYZZ","team_id":"TXXXXXXXX","api_app_id":"AXXXXXXXXX","event":{"type":"reaction_added","user":"U024BE7LH","reaction":"thumbsup","item_user":"U0G9QF9C6","item":{"type":"message","channel":"C0G9QF9GZ","ts":"1360782400.498405"},"event_ts":"1360782804.083113"},"type":"event_callback","event_id":"Ev0PV52K21","event_time":1360782804}`,
		want: Event{Type: "slack.reaction_added", RawType: "reaction_added", Subject: "C0G9QF9GZ", OccurredAt: time.Unix(1360782804, 0).UTC(),
			Data: map[string]any{"team": "TXXXXXXXX", "channel": "C0G9QF9GZ", "user": "U024BE7LH", "reaction": "thumbsup"}},
	},
	{
		// Slack's app_mention example gives event_time in microseconds.
		name: "slack mention with a microsecond time", provider: "slack",
		body: `{"token":"ZZZZZZWSxxxxxxxxxxxxxxxx","team_id":"T061XXXXX","api_app_id":"A0MXXXXXX","event":{"type":"app_mention","user":"U061F7AUR","text":"<@U0LAN0Z89> is it everything a river should be?","ts":"1515449522.000016","channel":"C0LAN2Q65","event_ts":"1515449522000016"},"type":"event_callback","event_id":"Ev0LAN670R","event_time":1515449522000016,"authed_users":["U0LAN0Z89"]}`,
		want: Event{Type: "chat.mention", RawType: "app_mention", Subject: "C0LAN2Q65", OccurredAt: time.UnixMicro(1515449522000016).UTC(),
			Data: map[string]any{"team": "T061XXXXX", "channel": "C0LAN2Q65", "user": "U061F7AUR",
				"text": "<@U0LAN0Z89> is it everything a river should be?", "ts": "1515449522.000016"}},
	},
	{
		// providers.md B3's official signing example body.
		name: "slack slash command", provider: "slack",
		header: hdr("Content-Type", form),
		body:   "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
		want: Event{
			Type: "chat.command", RawType: "slash_command", Subject: "G8PSS9T3V",
			Data: map[string]any{"command": "/webhook-collect", "user": "U2CERLKJA", "channel": "G8PSS9T3V", "team": "T1DC2JH3J"},
		},
	},
	{
		name: "slack block actions", provider: "slack",
		header: hdr("Content-Type", form),
		body:   "payload=" + url.QueryEscape(`{"type":"block_actions","team":{"id":"T9TK3CUKW"},"user":{"id":"UA8RXUSPL"},"channel":{"id":"CBR2V3XEX"},"trigger_id":"12466734323.1395872398","actions":[{"action_id":"WaXA","type":"button"}]}`),
		want: Event{
			Type: "chat.interaction", RawType: "block_actions", Subject: "CBR2V3XEX",
			Data: map[string]any{"user": "UA8RXUSPL", "team": "T9TK3CUKW", "channel": "CBR2V3XEX", "action_id": "WaXA"},
		},
	},
	{
		name: "slack view submission", provider: "slack",
		header: hdr("Content-Type", form),
		body:   "payload=" + url.QueryEscape(`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"id":"VNHU13V36","callback_id":"modal-1"}}`),
		want: Event{
			Type: "chat.form.submitted", RawType: "view_submission", Subject: "VNHU13V36",
			Data: map[string]any{"user": "U1", "team": "T1", "callback_id": "modal-1"},
		},
	},

	// Discord.
	{
		name: "discord ping", provider: "discord", body: `{"type":1}`,
		want: Event{Type: "system.ping", RawType: "ping"},
	},
	{
		name: "discord slash command", provider: "discord",
		body: `{"id":"1176284400000000000","application_id":"1100","type":2,"token":"interaction-token-secret","guild_id":"42","channel_id":"4242",
"member":{"user":{"id":"53908232506183680"}},"data":{"id":"771825006014889984","name":"deploy","type":1}}`,
		want: Event{
			Type: "chat.command", RawType: "application_command", Subject: "4242", OccurredAt: snowflakeTime("1176284400000000000"),
			Data: map[string]any{"user": "53908232506183680", "channel": "4242", "guild": "42", "command": "deploy"},
		},
	},

	// Generic events leave out every field named like a credential, as the
	// headers stored with a delivery do (SecretWords).
	{
		name: "generic event without secret-named fields", provider: "http",
		body: `{"type":"evt.secret","data":{"private_key":"a","privateKey":"b","x-api-key":"c","accessKey":"d","access_key":"e",
"cookie":"f","hmac":"g","session":"h","session_id":"i","passphrase":"j","signing_key":"k","ssh_key":"l","password":"m",
"apiKey":"n","client_secret":"o","Authorization":"p","refreshToken":"q","id":"obj_1","amount":5}}`,
		want: Event{Type: "http.evt.secret", RawType: "evt.secret", Subject: "obj_1", Data: map[string]any{"id": "obj_1", "amount": "5"}},
	},
	// Stripe-shaped events through the generic http provider.
	{
		name: "stripe vector body", provider: "http",
		body: `{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}`,
		want: Event{Type: "payment.succeeded", RawType: "payment_intent.succeeded"},
	},
	{
		name: "stripe payment intent succeeded", provider: "http",
		body: `{"id":"evt_3MtwBwLkdIwHu7ix28a3tqPa","object":"event","api_version":"2022-11-15","created":1680064028,"type":"payment_intent.succeeded",
"data":{"object":{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","amount":2000,"amount_received":2000,"currency":"usd","customer":"cus_NffrFeUfNV2Hib","status":"succeeded"}}}`,
		want: Event{
			Type: "payment.succeeded", RawType: "payment_intent.succeeded", Subject: "pi_3MtwBwLkdIwHu7ix28a3tqPa", OccurredAt: at("2023-03-29T04:27:08Z"),
			Data: map[string]any{"transaction_id": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "amount_minor": int64(2000), "currency": "usd", "customer_id": "cus_NffrFeUfNV2Hib"},
		},
	},
	{
		name: "stripe subscription deleted", provider: "http",
		body: `{"id":"evt_1","object":"event","created":1700000000,"type":"customer.subscription.deleted","data":{"object":{"id":"sub_1","customer":"cus_1","status":"canceled","plan":{"id":"price_1"}}}}`,
		want: Event{
			Type: "subscription.cancelled", RawType: "customer.subscription.deleted", Subject: "sub_1", OccurredAt: at("2023-11-14T22:13:20Z"),
			Data: map[string]any{"subscription_id": "sub_1", "customer_id": "cus_1", "status": "canceled", "plan": "price_1"},
		},
	},
	{
		name: "stripe unmapped type keeps its name", provider: "http",
		body: `{"id":"evt_2","object":"event","created":1700000000,"type":"customer.created","data":{"object":{"id":"cus_9","email":"a@example.com"}}}`,
		want: Event{
			Type: "http.customer.created", RawType: "customer.created", Subject: "cus_9", OccurredAt: at("2023-11-14T22:13:20Z"),
		},
	},
}
