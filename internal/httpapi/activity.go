package httpapi

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"ihub/internal/apperr"
	"ihub/internal/audit"
)

// ActivityQuery filters the activity log, for the list and the CSV export.
// It is exported because huma only sees the parameters of an embedded
// struct whose type is exported; each input adds its own limit.
type ActivityQuery struct {
	Integration string    `query:"integration" maxLength:"100" doc:"Integration id, or the slug of an existing integration."`
	Actor       string    `query:"actor" maxLength:"254" doc:"User id, or the email of an existing user."`
	Action      string    `query:"action" maxLength:"100" doc:"e.g. integration.created"`
	Since       time.Time `query:"since" doc:"RFC 3339; inclusive."`
	Until       time.Time `query:"until" doc:"RFC 3339; exclusive."`
	Cursor      string    `query:"cursor" maxLength:"40"`
}

type activityInput struct {
	ActivityQuery
	Limit int `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

func (in *ActivityQuery) filter(limit int) (audit.Filter, error) {
	f := audit.Filter{IntegrationID: in.Integration, ActorID: in.Actor, Action: in.Action, Since: in.Since, Until: in.Until, Limit: limit}
	if in.Cursor != "" {
		n, err := strconv.ParseInt(in.Cursor, 10, 64)
		if err != nil || n <= 0 {
			return f, apperr.InvalidFields("bad cursor", apperr.FieldError{Field: "query.cursor", Message: "is not a cursor this API gave out"})
		}
		f.BeforeID = n
	}
	// A range that can hold no entry (until not after since, since in the
	// future) is refused, as for a webhook log export.
	return f, checkRange("query", f.Since, f.Until)
}

type activityOutput struct {
	Body struct {
		Items      []audit.Entry `json:"items"`
		NextCursor string        `json:"nextCursor,omitempty"`
	}
}

// resolveNames turns an integration slug and a user's email into the ids the
// log holds. A value that names no current integration or user is kept
// as given: the entries of deleted ones still carry their ids.
func (s *Server) resolveNames(ctx context.Context, f *audit.Filter) error {
	if f.IntegrationID != "" {
		if it, err := s.d.Integrations.Get(ctx, f.IntegrationID); err == nil {
			f.IntegrationID = it.ID
		} else if !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Invalid) {
			return err
		}
	}
	if strings.Contains(f.ActorID, "@") {
		if u, err := s.d.Auth.UserByEmail(ctx, f.ActorID); err == nil {
			f.ActorID = u.ID
		} else if !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Invalid) {
			return err
		}
	}
	return nil
}

func (s *Server) listActivity(ctx context.Context, in *activityInput) (*activityOutput, error) {
	f, err := in.filter(in.Limit)
	if err != nil {
		return nil, err
	}
	if err := s.resolveNames(ctx, &f); err != nil {
		return nil, err
	}
	f.Limit++
	es, err := s.d.Activity.ListActivity(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &activityOutput{}
	out.Body.Items, out.Body.NextCursor = page(es, in.Limit, func(e audit.Entry) audit.Entry { return e },
		func(e audit.Entry) string { return strconv.FormatInt(e.ID, 10) })
	return out, nil
}

type csvInput struct {
	ActivityQuery
	Limit int `query:"limit" minimum:"1" maximum:"100000" default:"10000"`
}

type csvOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               func(huma.Context)
}

// csvTime writes a time in UTC with milliseconds always written
// (2026-12-06T20:17:49.000Z): an export's times sort as text, which
// RFC3339Nano's dropped zeros (…:49Z after …:49.5Z) broke.
func csvTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// exportEnded logs why a streamed export stopped before its end: at debug
// level when the client went away (nothing is wrong), else as an error.
func exportEnded(ctx context.Context, what string, err error) {
	level := slog.LevelError
	if ctx.Err() != nil {
		level = slog.LevelDebug
	}
	logger(ctx).Log(ctx, level, what+" export ended early", "error", err)
}

// csvSafe defuses spreadsheet formulas: a cell starting with = + - @ is
// prefixed with a quote so that opening the export cannot run anything.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportActivity streams the log as CSV, a thousand entries per query, so
// a large export never sits in memory. The first page is read before the
// answer starts, so that a bad request or a database failure still gets a
// proper problem answer; a failure later ends the file early (and is
// logged).
func (s *Server) exportActivity(ctx context.Context, in *csvInput) (*csvOutput, error) {
	f, err := in.filter(1)
	if err != nil {
		return nil, err
	}
	if err := s.resolveNames(ctx, &f); err != nil {
		return nil, err
	}
	remaining := in.Limit
	f.Limit = min(remaining, 1000)
	first, err := s.d.Activity.ListActivity(ctx, f)
	if err != nil {
		return nil, err
	}
	body := func(hctx huma.Context) {
		hctx.SetStatus(http.StatusOK)
		w := csv.NewWriter(hctx.BodyWriter())
		_ = w.Write([]string{"id", "at", "actor_type", "actor_id", "actor_name", "token_id", "action", "target_type", "target_id",
			"target_name", "integration_id", "success", "ip", "user_agent", "details"})
		es := first
		for {
			for _, e := range es {
				d, _ := json.Marshal(e.Details) // map[string]any from JSON: always encodable
				_ = w.Write([]string{strconv.FormatInt(e.ID, 10), csvTime(e.At), string(e.Actor.Type), e.Actor.ID,
					csvSafe(e.Actor.Name), e.Actor.TokenID, e.Action, e.TargetType, e.TargetID, csvSafe(e.TargetName), e.IntegrationID,
					strconv.FormatBool(e.Success), e.Actor.IP, csvSafe(e.Actor.UserAgent), csvSafe(string(d))})
			}
			remaining -= len(es)
			if len(es) < f.Limit || remaining <= 0 {
				break
			}
			w.Flush()
			f.BeforeID, f.Limit = es[len(es)-1].ID, min(remaining, 1000)
			if es, err = s.d.Activity.ListActivity(ctx, f); err != nil {
				exportEnded(ctx, "activity", err)
				break
			}
		}
		w.Flush()
	}
	return &csvOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="ihub-activity.csv"`, Body: body}, nil
}
