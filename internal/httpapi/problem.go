package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"ihub/internal/apperr"
)

// Problem is an RFC 9457 problem detail. Type is stable and names the kind
// of error; Errors lists the failing fields for validation errors. Neither
// ever carries a submitted value (it may be a credential) nor an internal
// error text (it may carry hostnames, SQL or worse): internal details are
// logged with the request id, which the client gets to quote.
type Problem struct {
	Type      string         `json:"type" doc:"Stable identifier of the kind of error, e.g. urn:ihub:problem:invalid."`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
	Errors    []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem names one failing input field.
type FieldProblem struct {
	Location string `json:"location" doc:"Where the error is, e.g. body.baseUrl or query.limit."`
	Message  string `json:"message"`
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

var statusOf = map[apperr.Kind]int{
	apperr.Internal:           http.StatusInternalServerError,
	apperr.Invalid:            http.StatusUnprocessableEntity,
	apperr.NotFound:           http.StatusNotFound,
	apperr.Conflict:           http.StatusConflict,
	apperr.Unauthenticated:    http.StatusUnauthorized,
	apperr.Forbidden:          http.StatusForbidden,
	apperr.PreconditionFailed: http.StatusPreconditionFailed,
	apperr.TooManyRequests:    http.StatusTooManyRequests,
	apperr.TooLarge:           http.StatusRequestEntityTooLarge,
	apperr.Unavailable:        http.StatusServiceUnavailable,
	apperr.BadGateway:         http.StatusBadGateway,
	apperr.GatewayTimeout:     http.StatusGatewayTimeout,
}

var kindOfStatus = map[int]apperr.Kind{}

func init() {
	for k, s := range statusOf {
		kindOfStatus[s] = k
	}
}

func problemType(status int) string {
	if k, ok := kindOfStatus[status]; ok {
		return "urn:ihub:problem:" + k.String()
	}
	switch status {
	case http.StatusBadRequest:
		return "urn:ihub:problem:bad_request"
	case http.StatusUnsupportedMediaType:
		return "urn:ihub:problem:unsupported_media_type"
	}
	return "urn:ihub:problem:http_" + strconv.Itoa(status)
}

func newProblem(status int, detail string, requestID string) *Problem {
	return &Problem{Type: problemType(status), Title: http.StatusText(status), Status: status, Detail: detail, RequestID: requestID}
}

// toProblem is the one mapping from errors to what a client sees.
func toProblem(ctx context.Context, status int, msg string, errs ...error) *Problem {
	rid := requestID(ctx)
	for _, err := range errs {
		if p, ok := errors.AsType[*Problem](err); ok {
			return p
		}
		if ae, ok := apperr.As(err); ok {
			st := statusOf[ae.Kind]
			if ae.Kind == apperr.Internal {
				logger(ctx).ErrorContext(ctx, "internal error", "error", err)
				return newProblem(st, "internal error; quote request id "+rid+" to the operator", rid)
			}
			p := newProblem(st, ae.Message, rid)
			for _, f := range ae.Fields {
				p.Errors = append(p.Errors, FieldProblem{Location: f.Field, Message: f.Message})
			}
			return p
		}
	}
	if status >= 500 {
		level := slog.LevelError
		if ctx.Err() != nil && errors.Is(errors.Join(errs...), context.Canceled) {
			level = slog.LevelDebug // the client went away; nobody reads this answer
		}
		logger(ctx).Log(ctx, level, "internal error", "error", errors.Join(errs...), "op", msg)
		return newProblem(status, "internal error; quote request id "+rid+" to the operator", rid)
	}
	// Huma's own errors: validation, malformed JSON, body too large, bad
	// parameters. Keep their location and message, drop the value.
	if status == http.StatusUnsupportedMediaType {
		msg = "send the body as JSON with Content-Type: application/json"
	}
	if status == http.StatusBadRequest && msg == "request body is required" && len(errs) == 0 {
		// Huma's answer to an empty body where one is required: a
		// missing field like any other, at "body".
		p := newProblem(http.StatusUnprocessableEntity, "validation failed", rid)
		p.Errors = []FieldProblem{{Location: "body", Message: "is required: send a JSON object"}}
		return p
	}
	p := newProblem(status, msg, rid)
	for _, err := range errs {
		if err == nil {
			continue
		}
		if d, ok := err.(huma.ErrorDetailer); ok {
			ed := d.ErrorDetail()
			loc, m := ed.Location, scrubMessage(ed.Message)
			if name, ok := missingProperty(ed.Message); ok {
				loc += "." + name
			}
			if loc == "body" && ed.Message == validation.MsgExpectedObject {
				m = "must be a JSON object" // an array, a string or a number
				if ed.Value == nil {
					// null is not read as no body: where a body is
					// optional, leave it out (or send {}) for the defaults.
					m = "must be a JSON object, not null"
				}
			}
			if l, fm, ok := fieldOfDecodeError(ed.Message); ok && loc == "body" {
				// A number no field can hold: the JSON is well formed,
				// the value is wrong.
				loc, m = l, fm
				if p.Status == http.StatusBadRequest {
					errs := p.Errors
					*p = *newProblem(http.StatusUnprocessableEntity, "validation failed", rid)
					p.Errors = errs
				}
			}
			p.Errors = append(p.Errors, FieldProblem{Location: loc, Message: m})
		} else {
			p.Errors = append(p.Errors, FieldProblem{Message: scrubMessage(err.Error())})
		}
	}
	return p
}

// missingProperty returns the name of the missing property that a huma
// "required" message is about. Huma reports it at the enclosing object
// ("body"); clients are promised the field ("body.email").
func missingProperty(msg string) (string, bool) {
	pre, suf, _ := strings.Cut(validation.MsgExpectedRequiredProperty, "%s")
	name, ok := strings.CutPrefix(msg, pre)
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, suf)
	return name, ok && name != "" && !strings.ContainsAny(name, " .")
}

// scrubMessage cuts a parser message down to its first line and a sane
// length; JSON decoders quote input in some messages.
func scrubMessage(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return floatInText.ReplaceAllStringFunc(s, func(f string) string {
		if n, err := strconv.ParseFloat(f, 64); err == nil && n == math.Trunc(n) && math.Abs(n) < 1e21 {
			return strconv.FormatFloat(n, 'f', -1, 64)
		}
		return f
	})
}

// floatInText is a number as fmt's %v writes a large float64. Huma's range
// messages quote their bounds that way ("expected number <=
// 9.007199254740991e+15"); a whole bound reads better written out.
var floatInText = regexp.MustCompile(`-?\b\d\.\d+e\+\d+\b`)

var installErrors sync.Once

// installHumaGlobals points huma's error constructors at toProblem and
// makes its validation match JSON keys case-sensitively ({"NAME": …} is an
// unexpected property, not name: encoding/json would fill name from it,
// and huma would have validated neither). Huma keeps these in package
// variables; every API in this process uses ours.
func installHumaGlobals() {
	installErrors.Do(func() {
		huma.ValidateStrictCasing = true
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			return toProblem(hctx.Context(), status, msg, errs...)
		}
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return toProblem(context.Background(), status, msg, errs...)
		}
	})
}

type ctxKey int

const (
	keyRequest ctxKey = iota // *reqInfo
	keyPrincipal
)

func requestID(ctx context.Context) string {
	if ri, ok := ctx.Value(keyRequest).(*reqInfo); ok {
		return ri.id
	}
	return ""
}

// logger is the request's logger, naming its id. It is made when asked
// for (mostly on error paths): a logger per request cost every webhook
// ingest an allocation-heavy handler clone.
func logger(ctx context.Context) *slog.Logger {
	if ri, ok := ctx.Value(keyRequest).(*reqInfo); ok {
		return ri.log.With("request_id", ri.id)
	}
	return slog.Default()
}
