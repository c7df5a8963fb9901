package normalize

import (
	"strings"
	"time"
)

// Code-hosting events (GitHub, GitLab, Bitbucket). Subject is the
// repository's full name ("owner/repo", GitLab "group/project"); Data uses
// one vocabulary across the three:
//
//	code.push          repository, ref, branch, before, after, commit_count, actor, url, created, deleted, forced
//	                   (commit_count: the commits listed; GitLab gives the total, GitHub lists 20 at
//	                   most, Bitbucket 5 with commits_truncated)
//	code.tag.*         repository, tag, sha, actor
//	code.pr.*          repository, number, title, actor, source_branch, target_branch, url
//	issue.*            repository, number, title, actor, url
//	comment.created    repository, number (issue/PR/MR, when on one), on, actor, url, body (≤ 1 KiB)
//	release.published  repository, tag, name, url
//	ci.run.*           repository, run_id, name, branch, sha, status, url
//	system.ping        hook_id

func allZeros(s string) bool {
	return s != "" && strings.Trim(s, "0") == ""
}

func withAction(event, action string) string {
	if action == "" {
		return event
	}
	return event + "." + action
}

// github maps X-GitHub-Event (+ body action) per Part C. A hook set to
// form content sends the JSON in a "payload" field.
func github(in input) Event {
	o := in.o
	if p := formPayload(o); p != nil {
		o = p
	}
	event := headerValue(in.header, "X-GitHub-Event")
	action := o.str("action")
	raw := withAction(event, action)
	repo := o.str("repository", "full_name")
	actor := o.str("sender", "login")
	d := data{}
	d.set("repository", repo)
	var typ string
	var at time.Time
	switch event {
	case "push":
		ref := o.str("ref")
		created, deleted := o.bool("created"), o.bool("deleted")
		if tag, ok := strings.CutPrefix(ref, "refs/tags/"); ok && (created || deleted) {
			typ = "code.tag.created"
			sha := o.str("after")
			if deleted {
				typ, sha = "code.tag.deleted", o.str("before")
			}
			d.set("tag", tag)
			d.set("sha", sha)
			d.set("actor", firstNonEmpty(o.str("pusher", "name"), actor))
			at = parseTime(o.get("repository", "pushed_at"))
			break
		}
		typ = "code.push"
		d.set("ref", ref)
		if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
			d.set("branch", b)
		}
		d.set("before", o.str("before"))
		d.set("after", o.str("after"))
		d["commit_count"] = int64(len(o.arr("commits")))
		d.set("actor", firstNonEmpty(o.str("pusher", "name"), actor))
		d.set("url", o.str("compare"))
		d.setBool("created", created)
		d.setBool("deleted", deleted)
		d.setBool("forced", o.bool("forced"))
		at = parseTime(o.get("repository", "pushed_at"))
	case "create", "delete":
		if o.str("ref_type") != "tag" {
			break
		}
		typ = "code.tag.created"
		if event == "delete" {
			typ = "code.tag.deleted"
		}
		d.set("tag", o.str("ref"))
		d.set("actor", actor)
	case "pull_request":
		pr := o.obj("pull_request")
		switch {
		case action == "opened" || action == "reopened":
			typ = "code.pr.opened"
			at = parseTime(pr.get("created_at"))
			if action == "reopened" {
				at = parseTime(pr.get("updated_at"))
			}
		case action == "closed" && pr.bool("merged"):
			typ = "code.pr.merged"
			at = parseTime(pr.get("merged_at"))
		case action == "closed":
			typ = "code.pr.closed"
			at = parseTime(pr.get("closed_at"))
		}
		d.setInt("number", pr, "number")
		d.set("title", pr.str("title"))
		d.set("actor", actor)
		d.set("source_branch", pr.str("head", "ref"))
		d.set("target_branch", pr.str("base", "ref"))
		d.set("url", pr.str("html_url"))
	case "issues":
		is := o.obj("issue")
		switch action {
		case "opened":
			typ = "issue.created"
			at = parseTime(is.get("created_at"))
		case "closed":
			typ = "issue.closed"
			at = parseTime(is.get("closed_at"))
		}
		d.setInt("number", is, "number")
		d.set("title", is.str("title"))
		d.set("actor", actor)
		d.set("url", is.str("html_url"))
	case "issue_comment", "commit_comment", "pull_request_review_comment":
		if action != "created" {
			break
		}
		typ = "comment.created"
		c := o.obj("comment")
		switch event {
		case "issue_comment":
			d.setInt("number", o, "issue", "number")
			d.set("on", "issue")
			if o.obj("issue", "pull_request") != nil {
				d.set("on", "pull_request")
			}
		case "pull_request_review_comment":
			d.setInt("number", o, "pull_request", "number")
			d.set("on", "pull_request")
		default:
			d.set("on", "commit")
		}
		d.set("actor", firstNonEmpty(c.str("user", "login"), actor))
		d.set("url", c.str("html_url"))
		d.set("body", c.str("body"))
		at = parseTime(c.get("created_at"))
	case "release":
		if action != "published" {
			break
		}
		typ = "release.published"
		r := o.obj("release")
		d.set("tag", r.str("tag_name"))
		// A release saved without a title shows its tag as one.
		d.set("name", firstNonEmpty(r.str("name"), r.str("tag_name")))
		d.set("url", r.str("html_url"))
		at = parseTime(r.get("published_at"))
	case "workflow_run":
		if action != "completed" {
			break
		}
		r := o.obj("workflow_run")
		switch r.str("conclusion") {
		case "success":
			typ = "ci.run.succeeded"
		case "failure", "timed_out", "startup_failure":
			typ = "ci.run.failed"
		}
		d.setInt("run_id", r, "id")
		d.set("name", firstNonEmpty(r.str("name"), o.str("workflow", "name")))
		d.set("branch", r.str("head_branch"))
		d.set("sha", r.str("head_sha"))
		d.set("status", r.str("conclusion"))
		d.set("url", r.str("html_url"))
		at = parseTime(r.get("updated_at"))
	case "ping":
		typ = "system.ping"
		d.setInt("hook_id", o, "hook_id")
		if repo == "" {
			repo = o.str("organization", "login")
		}
	}
	if typ == "" {
		return unknownCodeEvent(raw, repo, actor)
	}
	return result(typ, raw, at, repo, d)
}

// gitlabKind is the event's object kind: the body's object_kind (or a system
// hook's event_name), else X-Gitlab-Event without " Hook", snake-cased.
func gitlabKind(in input) string {
	if k := firstNonEmpty(in.o.str("object_kind"), in.o.str("event_name")); k != "" {
		return k
	}
	h := strings.TrimSuffix(headerValue(in.header, "X-Gitlab-Event"), " Hook")
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(h)), " ", "_")
}

// gitlab maps object_kind (+ object_attributes.action or status) per Part C.
func gitlab(in input) Event {
	o := in.o
	kind := gitlabKind(in)
	attrs := o.obj("object_attributes")
	action := attrs.str("action")
	raw := withAction(kind, action)
	repo := firstNonEmpty(o.str("project", "path_with_namespace"), o.str("project", "name"))
	// A tag push in GitLab's own example names the user only by name.
	actor := firstNonEmpty(o.str("user_username"), o.str("user", "username"), o.str("user_name"))
	d := data{}
	d.set("repository", repo)
	var typ string
	var at time.Time
	switch kind {
	case "push":
		typ = "code.push"
		ref := o.str("ref")
		d.set("ref", ref)
		if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
			d.set("branch", b)
		}
		d.set("before", o.str("before"))
		d.set("after", o.str("after"))
		n, ok := o.int("total_commits_count")
		if !ok {
			n, ok = int64(len(o.arr("commits"))), true
		}
		d.setN("commit_count", n, ok)
		d.set("actor", actor)
		d.set("url", o.str("project", "web_url"))
		d.setBool("created", allZeros(o.str("before")))
		d.setBool("deleted", allZeros(o.str("after")))
	case "tag_push":
		typ = "code.tag.created"
		sha := o.str("after")
		if allZeros(sha) {
			typ, sha = "code.tag.deleted", o.str("before")
		}
		d.set("tag", strings.TrimPrefix(o.str("ref"), "refs/tags/"))
		d.set("sha", sha)
		d.set("actor", actor)
	case "merge_request":
		switch action {
		case "open", "reopen":
			typ = "code.pr.opened"
		case "merge":
			typ = "code.pr.merged"
		case "close":
			typ = "code.pr.closed"
		}
		d.setInt("number", attrs, "iid")
		d.set("title", attrs.str("title"))
		d.set("actor", actor)
		d.set("source_branch", attrs.str("source_branch"))
		d.set("target_branch", attrs.str("target_branch"))
		d.set("url", attrs.str("url"))
		at = parseTime(attrs.get("updated_at"))
	case "issue", "work_item":
		switch action {
		case "open":
			typ = "issue.created"
		case "close":
			typ = "issue.closed"
		}
		d.setInt("number", attrs, "iid")
		d.set("title", attrs.str("title"))
		d.set("actor", actor)
		d.set("url", attrs.str("url"))
		at = parseTime(attrs.get("updated_at"))
	case "note":
		typ = "comment.created"
		raw = kind
		switch attrs.str("noteable_type") {
		case "MergeRequest":
			d.setInt("number", o, "merge_request", "iid")
			d.set("on", "merge_request")
		case "Issue":
			d.setInt("number", o, "issue", "iid")
			d.set("on", "issue")
		case "Commit":
			d.set("on", "commit")
		case "Snippet":
			d.set("on", "snippet")
		}
		d.set("actor", actor)
		d.set("url", attrs.str("url"))
		d.set("body", attrs.str("note"))
		at = parseTime(attrs.get("created_at"))
	case "pipeline":
		status := attrs.str("status")
		raw = withAction(kind, status)
		switch status {
		case "success":
			typ = "ci.run.succeeded"
		case "failed":
			typ = "ci.run.failed"
		}
		d.setInt("run_id", attrs, "id")
		d.set("name", attrs.str("name"))
		d.set("branch", attrs.str("ref"))
		d.set("sha", attrs.str("sha"))
		d.set("status", status)
		d.set("url", attrs.str("url"))
		at = parseTime(attrs.get("finished_at"))
	case "release":
		action = o.str("action")
		raw = withAction(kind, action)
		if action != "create" {
			break
		}
		typ = "release.published"
		d.set("tag", o.str("tag"))
		d.set("name", o.str("name"))
		d.set("url", o.str("url"))
		at = parseTime(firstNonEmpty(o.str("released_at"), o.str("created_at")))
	}
	if typ == "" {
		return unknownCodeEvent(raw, repo, actor)
	}
	return result(typ, raw, at, repo, d)
}

// bitbucket maps X-Event-Key per Part C: Bitbucket Cloud keys
// (repo:push, pullrequest:*, issue:created, repo:commit_status_updated) and
// the Server/Data Center equivalents (repo:refs_changed, pr:opened,
// pr:merged, pr:declined, diagnostics:ping).
func bitbucket(in input) Event {
	o := in.o
	key := headerValue(in.header, "X-Event-Key")
	repo := o.str("repository", "full_name")
	if repo == "" && o.str("repository", "slug") != "" {
		// Server: PROJECT/slug.
		repo = o.str("repository", "project", "key") + "/" + o.str("repository", "slug")
	}
	actor := firstNonEmpty(o.str("actor", "nickname"), o.str("actor", "display_name"), o.str("actor", "name"))
	d := data{}
	d.set("repository", repo)
	var typ string
	var at time.Time
	switch key {
	case "repo:push":
		var ch obj
		if changes := o.arr("push", "changes"); len(changes) > 0 {
			ch = asObj(changes[0])
		}
		newRef, oldRef := ch.obj("new"), ch.obj("old")
		// Bitbucket's payload reference types a ref "branch", "tag" or
		// "annotated_tag".
		isTag := func(ref obj) bool { t := ref.str("type"); return t == "tag" || t == "annotated_tag" }
		switch {
		case isTag(newRef) && ch.bool("created"):
			typ = "code.tag.created"
			d.set("tag", newRef.str("name"))
			d.set("sha", newRef.str("target", "hash"))
		case newRef == nil && isTag(oldRef):
			typ = "code.tag.deleted"
			d.set("tag", oldRef.str("name"))
			d.set("sha", oldRef.str("target", "hash"))
		default:
			typ = "code.push"
			branch := firstNonEmpty(newRef.str("name"), oldRef.str("name"))
			if branch != "" {
				d.set("ref", "refs/heads/"+branch) // as GitHub and GitLab give it
			}
			d.set("branch", branch)
			d.set("before", oldRef.str("target", "hash"))
			d.set("after", newRef.str("target", "hash"))
			d["commit_count"] = int64(len(ch.arr("commits")))
			if ch.bool("truncated") { // Bitbucket lists 5 commits at most
				d["commits_truncated"] = true
			}
			d.set("url", ch.str("links", "html", "href"))
			d.setBool("created", ch.bool("created"))
			d.setBool("deleted", ch.bool("closed"))
			d.setBool("forced", ch.bool("forced"))
		}
		d.set("actor", actor)
	case "repo:refs_changed":
		var ch obj
		if changes := o.arr("changes"); len(changes) > 0 {
			ch = asObj(changes[0])
		}
		isTag := ch.str("ref", "type") == "TAG"
		switch {
		case isTag && ch.str("type") == "ADD":
			typ = "code.tag.created"
			d.set("tag", ch.str("ref", "displayId"))
			d.set("sha", ch.str("toHash"))
		case isTag && ch.str("type") == "DELETE":
			typ = "code.tag.deleted"
			d.set("tag", ch.str("ref", "displayId"))
			d.set("sha", ch.str("fromHash"))
		default:
			typ = "code.push"
			d.set("ref", ch.str("refId"))
			d.set("branch", ch.str("ref", "displayId"))
			d.set("before", ch.str("fromHash"))
			d.set("after", ch.str("toHash"))
			d.setBool("created", ch.str("type") == "ADD")
			d.setBool("deleted", ch.str("type") == "DELETE")
		}
		d.set("actor", actor)
		at = parseTime(o.get("date"))
	case "pullrequest:created", "pullrequest:fulfilled", "pullrequest:rejected":
		typ = map[string]string{
			"pullrequest:created":   "code.pr.opened",
			"pullrequest:fulfilled": "code.pr.merged",
			"pullrequest:rejected":  "code.pr.closed",
		}[key]
		pr := o.obj("pullrequest")
		d.setInt("number", pr, "id")
		d.set("title", pr.str("title"))
		d.set("actor", actor)
		d.set("source_branch", pr.str("source", "branch", "name"))
		d.set("target_branch", pr.str("destination", "branch", "name"))
		d.set("url", pr.str("links", "html", "href"))
		at = parseTime(pr.get("updated_on"))
	case "pr:opened", "pr:merged", "pr:declined":
		typ = map[string]string{
			"pr:opened":   "code.pr.opened",
			"pr:merged":   "code.pr.merged",
			"pr:declined": "code.pr.closed",
		}[key]
		pr := o.obj("pullRequest")
		if repo == "" {
			r := pr.obj("toRef", "repository")
			if r.str("slug") != "" {
				repo = r.str("project", "key") + "/" + r.str("slug")
				d.set("repository", repo)
			}
		}
		d.setInt("number", pr, "id")
		d.set("title", pr.str("title"))
		d.set("actor", actor)
		d.set("source_branch", pr.str("fromRef", "displayId"))
		d.set("target_branch", pr.str("toRef", "displayId"))
		at = parseTime(o.get("date"))
	case "issue:created":
		typ = "issue.created"
		is := o.obj("issue")
		d.setInt("number", is, "id")
		d.set("title", is.str("title"))
		d.set("actor", actor)
		d.set("url", is.str("links", "html", "href"))
		at = parseTime(is.get("created_on"))
	case "repo:commit_status_updated":
		cs := o.obj("commit_status")
		switch cs.str("state") {
		case "SUCCESSFUL":
			typ = "ci.run.succeeded"
		case "FAILED":
			typ = "ci.run.failed"
		}
		d.set("run_id", cs.str("key"))
		d.set("name", cs.str("name"))
		d.set("branch", cs.str("refname"))
		d.set("sha", cs.str("commit", "hash"))
		d.set("status", cs.str("state"))
		d.set("url", cs.str("url"))
		at = parseTime(cs.get("updated_on"))
	case "diagnostics:ping":
		typ = "system.ping"
	}
	if typ == "" {
		return unknownCodeEvent(key, repo, actor)
	}
	return result(typ, key, at, repo, d)
}

// bitbucketAll is bitbucket for a push of several refs (Cloud's
// repo:push push.changes, Server's repo:refs_changed changes): one event
// per change, each as a push of that change alone would make it (a branch
// moved, code.push; a tag created, code.tag.created; a ref deleted, as
// bitbucket maps it), in the payload's order.
func bitbucketAll(in input) []Event {
	evs := []Event{bitbucket(in)}
	var path []string
	switch headerValue(in.header, "X-Event-Key") {
	case "repo:push":
		path = []string{"push", "changes"}
	case "repo:refs_changed":
		path = []string{"changes"}
	default:
		return evs
	}
	changes := in.o.arr(path...)
	for i := 1; i < len(changes) && len(evs) < MaxEvents; i++ {
		o := in.o.withOnly(changes[i], path...)
		evs = append(evs, bitbucket(input{header: in.header, body: map[string]any(o), o: o}))
	}
	return evs
}

// unknownCodeEvent is a code host's event without a standard name (a star,
// a fork, a wiki edit): kept as <provider>.<raw type>, with the repository
// as subject and who did it, so that a subscriber can tell what it is about.
func unknownCodeEvent(raw, repo, actor string) Event {
	d := data{}
	d.set("repository", repo)
	d.set("actor", actor)
	return result("", raw, time.Time{}, repo, d)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
