package verify

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"unicode/utf8"
)

// Default names of the parameter and field carrying the token, as the
// gateway fills them in for an endpoint that names none.
const (
	DefaultQueryParam = "token"
	DefaultBodyField  = "token"
)

// RedactedValue replaces a token in what the gateway stores (RedactBody).
const RedactedValue = "[redacted]"

// queryToken: the URL query parameter named by Config.QueryParam must be
// one of the secrets (constant-time compare). A parameter given more than
// once is refused whatever its values, as parsers disagree on which one
// counts; so is a query that does not parse.
func (v *verifier) queryToken() (Result, error) {
	name := v.c.QueryParam
	what := strconv.Quote(name) + " URL parameter"
	if v.r.URL == "" {
		return Result{}, fail(KindMissing, "missing "+what)
	}
	u, err := url.Parse(v.r.URL)
	if err != nil {
		return Result{}, fail(KindMalformed, "malformed request URL")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Result{}, fail(KindMalformed, "malformed request URL query")
	}
	values := q[name]
	switch {
	case len(values) > 1:
		return Result{}, fail(KindMalformed, "repeated "+what)
	case len(values) == 0 || values[0] == "":
		return Result{}, fail(KindMissing, "missing "+what)
	}
	return v.tokenResult(values[0])
}

// bodyToken: the top-level member of the JSON object body named by
// Config.BodyField must be a string equal to one of the secrets
// (constant-time compare). A body that is not one JSON object, a member
// given more than once (parsers disagree on which one counts), or one that
// is not a string is refused; a member of a nested object does not count.
func (v *verifier) bodyToken() (Result, error) {
	name := v.c.BodyField
	what := strconv.Quote(name) + " field in the body"
	spans, ok := jsonFieldSpans(v.r.Body, name)
	switch {
	case !ok:
		return Result{}, fail(KindMalformed, "the body is not a JSON object")
	case len(spans) > 1:
		return Result{}, fail(KindMalformed, "repeated "+what)
	case len(spans) == 0:
		return Result{}, fail(KindMissing, "missing "+what)
	}
	raw := v.r.Body[spans[0][0]:spans[0][1]]
	var token string
	if raw[0] != '"' || !utf8.Valid(raw) || json.Unmarshal(raw, &token) != nil {
		return Result{}, fail(KindMalformed, what+" is not a string")
	}
	if token == "" {
		return Result{}, fail(KindMissing, "missing "+what)
	}
	return v.tokenResult(token)
}

// tokenResult accepts token when it equals one of the secrets. Like
// header_token, the result carries no Signature: the token is the secret
// itself, the same on every delivery.
func (v *verifier) tokenResult(token string) (Result, error) {
	for _, s := range v.c.Secrets {
		if tokenEqual(token, s) {
			return Result{}, nil
		}
	}
	return Result{}, fail(KindMismatch, "token mismatch")
}

// jsonFieldSpans returns where the values of the top-level members named
// name (compared after unescaping, case-sensitively) of the JSON object
// body start and end, in order. ok is false when body is not one JSON
// object (surrounding space allowed).
func jsonFieldSpans(body []byte, name string) (spans [][2]int, ok bool) {
	if !json.Valid(body) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		if key, _ := tok.(string); key == name {
			// InputOffset is just past the value, and RawMessage holds the
			// value without the space before it.
			end := int(dec.InputOffset())
			spans = append(spans, [2]int{end - len(raw), end})
		}
	}
	return spans, true
}

// RedactBody returns body as the gateway may store it: for body_token, a
// copy with the value of every top-level member named c.BodyField replaced
// by the string RedactedValue, the rest byte for byte; for other schemes
// (and a body that is not a JSON object) body itself. Verify must see the
// body as received; what is stored, normalized and hashed for
// de-duplication is this.
func RedactBody(c Config, body []byte) []byte {
	if c.Scheme != SchemeBodyToken {
		return body
	}
	spans, ok := jsonFieldSpans(body, c.BodyField)
	if !ok || len(spans) == 0 {
		return body
	}
	out := make([]byte, 0, len(body))
	last := 0
	for _, sp := range spans {
		out = append(out, body[last:sp[0]]...)
		out = append(out, `"`+RedactedValue+`"`...)
		last = sp[1]
	}
	return append(out, body[last:]...)
}

// signBodyToken sets the body_token field of r's JSON object body to
// secret: the member's value is replaced where there is one, else the
// member is added first.
func signBodyToken(r *Request, field string, secret []byte) error {
	spans, ok := jsonFieldSpans(r.Body, field)
	switch {
	case !ok:
		return fail(KindConfig, "body_token signing needs a JSON object body")
	case len(spans) > 1:
		return fail(KindConfig, "body_token signing: the body repeats the token field")
	}
	value, err := json.Marshal(string(secret))
	if err != nil {
		return fail(KindConfig, "body_token signing: the secret cannot be written in JSON")
	}
	if len(spans) == 1 {
		sp := spans[0]
		r.Body = append(append(append([]byte{}, r.Body[:sp[0]]...), value...), r.Body[sp[1]:]...)
		return nil
	}
	key, _ := json.Marshal(field)
	open := bytes.IndexByte(r.Body, '{') + 1
	member := append(append(key, ':'), value...)
	if len(bytes.TrimSpace(r.Body[open:])) > 1 { // more than the closing brace
		member = append(member, ',')
	}
	r.Body = append(append(append([]byte{}, r.Body[:open]...), member...), r.Body[open:]...)
	return nil
}

// signQueryToken sets the query_token parameter of r.URL to secret.
func signQueryToken(r *Request, param string, secret []byte) error {
	u, err := url.Parse(r.URL)
	if err != nil || r.URL == "" {
		return fail(KindConfig, "query_token signing needs the request URL")
	}
	q := u.Query()
	q.Set(param, string(secret))
	u.RawQuery = q.Encode()
	r.URL = u.String()
	return nil
}

// validTokenName reports whether s can name a token's body field: 1 to
// 100 ASCII letters, digits, '-' and '_'; or, with urlParam, its URL
// parameter, which may hold '.' and '~' too (URLs' other unreserved
// characters). Nothing that needs escaping, so that the name reads the
// same in the settings, the provider's form and the URL.
func validTokenName(s string, urlParam bool) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		case urlParam && (c == '.' || c == '~'):
		default:
			return false
		}
	}
	return true
}
