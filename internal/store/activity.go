package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/store/internal/sqlitedb"
)

func insertActivity(ctx context.Context, q sqlitedb.Querier, e audit.Entry) error {
	details := maps.Clone(e.Details)
	if details == nil {
		details = map[string]any{}
	}
	if e.Actor.TokenID != "" {
		// Token actions are attributed to the token's owner; the token id
		// goes in the details so that both can be filtered on.
		details["tokenId"] = e.Actor.TokenID
	}
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("store: encode activity details: %w", err)
	}
	// encoding/json already replaced invalid UTF-8; PostgreSQL's JSONB also
	// refuses the escaped NUL.
	b = bytes.ReplaceAll(b, []byte(`\u0000`), []byte(`\ufffd`))
	var integ *string
	if e.IntegrationID != "" {
		integ = &e.IntegrationID
	}
	if err := q.InsertActivity(ctx, sqlitedb.InsertActivityParams{
		At: ms(e.At), ActorType: string(e.Actor.Type), ActorID: cleanText(e.Actor.ID), ActorName: cleanText(e.Actor.Name),
		Action: e.Action, TargetType: e.TargetType, TargetID: cleanText(e.TargetID), TargetName: cleanText(e.TargetName),
		IntegrationID: integ, Success: e.Success, Details: b, Ip: cleanText(e.Actor.IP), UserAgent: cleanText(e.Actor.UserAgent),
	}); err != nil {
		return fmt.Errorf("store: record activity: %w", err)
	}
	return nil
}

// cleanText makes client-controlled text storable on both engines:
// PostgreSQL refuses NUL and invalid UTF-8 in TEXT, and an entry must not be
// lost (a failed sign-in not counted) because a User-Agent carried them.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// RecordActivity appends one entry to the activity log.
func (db *DB) RecordActivity(ctx context.Context, e audit.Entry) error {
	return insertActivity(ctx, db.qw, e)
}

// ListActivity returns entries matching f, newest first. The statement
// names only the filters given, so that each is an index probe in id
// order (activity_integration, activity_actor, activity_action): one
// statement with every filter optional ("? IS NULL OR …") was planned
// for none of them, sorting the whole log for every page (a second at
// half a million entries).
func (db *DB) ListActivity(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	q := `SELECT id, at, actor_type, actor_id, actor_name, action, target_type, target_id, target_name, integration_id,
 success, details, ip, user_agent FROM activity WHERE 1=1`
	var args []any
	for _, c := range []struct {
		cond string
		arg  any
		set  bool
	}{
		{` AND integration_id = ?`, f.IntegrationID, f.IntegrationID != ""},
		{` AND actor_id = ?`, f.ActorID, f.ActorID != ""},
		{` AND action = ?`, f.Action, f.Action != ""},
		{` AND at >= ?`, ms(f.Since), !f.Since.IsZero()},
		{` AND at < ?`, ms(f.Until), !f.Until.IsZero()},
		{` AND id < ?`, f.BeforeID, f.BeforeID > 0},
	} {
		if c.set {
			q, args = q+c.cond, append(args, c.arg)
		}
	}
	r, err := db.queryPlanned(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list activity: %w", err)
	}
	defer r.Close()
	out := []audit.Entry{}
	for r.Next() {
		var e audit.Entry
		var at int64
		var actorType string
		var integrationID *string
		var details []byte
		if err := r.Scan(&e.ID, &at, &actorType, &e.Actor.ID, &e.Actor.Name, &e.Action, &e.TargetType, &e.TargetID,
			&e.TargetName, &integrationID, &e.Success, &details, &e.Actor.IP, &e.Actor.UserAgent); err != nil {
			return nil, fmt.Errorf("store: list activity: %w", err)
		}
		e.At, e.Actor.Type = fromMS(at), audit.ActorType(actorType)
		if integrationID != nil {
			e.IntegrationID = *integrationID
		}
		if err := json.Unmarshal(details, &e.Details); err != nil {
			return nil, fmt.Errorf("store: activity %d details: %w", e.ID, err)
		}
		if tid, ok := e.Details["tokenId"].(string); ok {
			e.Actor.TokenID = tid
			delete(e.Details, "tokenId") // stored there for filtering; shown in the actor
		}
		out = append(out, e)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("store: list activity: %w", err)
	}
	return out, nil
}

// CountLoginFailures counts failed logins since the given time: for one
// account, for that account from one client address, and from that address.
func (db *DB) CountLoginFailures(ctx context.Context, email, ip string, since time.Time) (auth.LoginFailures, error) {
	var n auth.LoginFailures
	account, err := db.qr.CountFailuresForTarget(ctx, sqlitedb.CountFailuresForTargetParams{TargetName: email, Action: audit.LoginFailed, Since: ms(since)})
	if err != nil {
		return n, fmt.Errorf("store: count login failures: %w", err)
	}
	n.Account = int(account)
	if ip != "" {
		pair, err := db.qr.CountFailuresForTargetFromIP(ctx, sqlitedb.CountFailuresForTargetFromIPParams{TargetName: email, Ip: ip,
			Action: audit.LoginFailed, Since: ms(since)})
		if err != nil {
			return n, fmt.Errorf("store: count login failures: %w", err)
		}
		byIP, err := db.qr.CountFailuresFromIP(ctx, sqlitedb.CountFailuresFromIPParams{Ip: ip, Action: audit.LoginFailed, Since: ms(since)})
		if err != nil {
			return n, fmt.Errorf("store: count login failures: %w", err)
		}
		n.AccountFromIP, n.IP = int(pair), int(byIP)
	}
	return n, nil
}

// DeleteActivityBefore removes entries older than t (retention) and returns
// how many went.
func (db *DB) DeleteActivityBefore(ctx context.Context, t time.Time) (int64, error) {
	n, err := db.qw.DeleteActivityBefore(ctx, ms(t))
	if err != nil {
		return 0, fmt.Errorf("store: activity retention: %w", err)
	}
	return n, nil
}
