package verify_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"ihub/internal/webhook/verify"
)

// tokenSecrets are a rotation: the current token and the previous one.
var tokenSecrets = [][]byte{[]byte("zoho-channel-token-0123"), []byte("old-channel-token-4567")}

// TestQueryToken covers query_token: the parameter must be given once and
// equal one of the secrets; a repeated parameter is refused whatever its
// values (fail closed: parsers disagree on which one counts).
func TestQueryToken(t *testing.T) {
	t.Parallel()
	const base = "https://hub.example.com/api/v1/hooks/whe_1"
	cur, prev := string(tokenSecrets[0]), string(tokenSecrets[1])
	tests := []struct {
		name  string
		param string // "" means "token"
		url   string
		want  verify.Kind
	}{
		{name: "current token", url: base + "?token=" + cur},
		{name: "previous token during the rotation", url: base + "?token=" + prev},
		{name: "among other parameters", url: base + "?module=Leads&token=" + cur + "&x=1"},
		{name: "percent-encoded", url: base + "?token=" + strings.ReplaceAll(url.QueryEscape(cur), "-", "%2D")},
		{name: "another parameter name", param: "auth_key", url: base + "?auth_key=" + cur},
		{name: "wrong token", url: base + "?token=zoho-channel-token-0124", want: verify.KindMismatch},
		{name: "token prefix", url: base + "?token=" + cur[:10], want: verify.KindMismatch},
		{name: "missing", url: base + "?module=Leads", want: verify.KindMissing},
		{name: "no query", url: base, want: verify.KindMissing},
		{name: "no URL", url: "", want: verify.KindMissing},
		{name: "empty value", url: base + "?token=", want: verify.KindMissing},
		{name: "name in another case", url: base + "?Token=" + cur, want: verify.KindMissing},
		{name: "secret under another name", param: "auth_key", url: base + "?token=" + cur, want: verify.KindMissing},
		{name: "in the fragment", url: base + "#token=" + cur, want: verify.KindMissing},
		{name: "in the path", url: base + "/token=" + cur, want: verify.KindMissing},
		{name: "twice, both the secret", url: base + "?token=" + cur + "&token=" + cur, want: verify.KindMalformed},
		{name: "twice, secret first", url: base + "?token=" + cur + "&token=x", want: verify.KindMalformed},
		{name: "twice, secret last", url: base + "?token=x&token=" + cur, want: verify.KindMalformed},
		{name: "twice, one empty", url: base + "?token=&token=" + cur, want: verify.KindMalformed},
		{name: "malformed query", url: base + "?a=%zz&token=" + cur, want: verify.KindMalformed},
		{name: "semicolon separator", url: base + "?a=1;token=" + cur, want: verify.KindMalformed},
		{name: "malformed URL", url: "https://h\x7f/x?token=" + cur, want: verify.KindMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := verify.Config{Scheme: verify.SchemeQueryToken, Secrets: tokenSecrets, QueryParam: "token"}
			if tt.param != "" {
				c.QueryParam = tt.param
			}
			res, err := verify.Verify(c, verify.Request{Method: "POST", URL: tt.url, Body: []byte(`{"a":1}`)})
			if got := errKind(err); got != tt.want {
				t.Fatalf("Verify(%q) error = %v (kind %q); want kind %q", tt.url, err, got, tt.want)
			}
			if err != nil {
				if strings.Contains(err.Error(), cur) || strings.Contains(err.Error(), prev) {
					t.Errorf("error %q shows a secret", err)
				}
				return
			}
			if res != (verify.Result{}) {
				t.Errorf("Verify(%q) = %+v; want an empty Result (no signature: the token is the secret)", tt.url, res)
			}
		})
	}
}

// zohoNotification is a Zoho CRM Notifications API delivery (providers.md
// B13) carrying token.
func zohoNotification(token string) string {
	return `{"server_time":1700000000000,"module":"Leads","resource_uri":"https://www.zohoapis.com/crm/v2/Leads",` +
		`"ids":["4150868000001234567"],"affected_fields":[],"operation":"insert","channel_id":"1000000068001","token":"` + token + `"}`
}

// TestBodyToken covers body_token: the top-level field must be a string
// equal to one of the secrets; a body that is not one JSON object, a
// repeated or non-string field is refused, and a nested field does not
// count.
func TestBodyToken(t *testing.T) {
	t.Parallel()
	cur, prev := string(tokenSecrets[0]), string(tokenSecrets[1])
	tests := []struct {
		name  string
		field string // "" means "token"
		body  string
		want  verify.Kind
	}{
		{name: "zoho notification", body: zohoNotification(cur)},
		{name: "previous token during the rotation", body: zohoNotification(prev)},
		{name: "alone, with space", body: " {\n \"token\" : \"" + cur + "\" }\n"},
		{name: "escaped name and value", body: `{"tok\u0065n":"` + strings.Replace(cur, "z", `\u007a`, 1) + `"}`},
		{name: "another field name", field: "verification", body: `{"verification":"` + cur + `","token":"x"}`},
		{name: "wrong token", body: zohoNotification("zoho-channel-token-0124"), want: verify.KindMismatch},
		{name: "token prefix", body: zohoNotification(cur[:10]), want: verify.KindMismatch},
		{name: "missing", body: `{"module":"Leads"}`, want: verify.KindMissing},
		{name: "empty object", body: `{}`, want: verify.KindMissing},
		{name: "empty string", body: `{"token":""}`, want: verify.KindMissing},
		{name: "nested", body: `{"data":{"token":"` + cur + `"}}`, want: verify.KindMissing},
		{name: "in an array member", body: `{"items":[{"token":"` + cur + `"}]}`, want: verify.KindMissing},
		{name: "name in another case", body: `{"Token":"` + cur + `"}`, want: verify.KindMissing},
		{name: "secret under another name", field: "verification", body: `{"token":"` + cur + `"}`, want: verify.KindMissing},
		{name: "number", body: `{"token":12345}`, want: verify.KindMalformed},
		{name: "null", body: `{"token":null}`, want: verify.KindMalformed},
		{name: "object", body: `{"token":{"value":"` + cur + `"}}`, want: verify.KindMalformed},
		{name: "array", body: `{"token":["` + cur + `"]}`, want: verify.KindMalformed},
		{name: "boolean", body: `{"token":true}`, want: verify.KindMalformed},
		{name: "invalid UTF-8 in the value", body: "{\"token\":\"" + cur + "\xff\"}", want: verify.KindMalformed},
		{name: "twice, both the secret", body: `{"token":"` + cur + `","token":"` + cur + `"}`, want: verify.KindMalformed},
		{name: "twice, secret first", body: `{"token":"` + cur + `","token":"x"}`, want: verify.KindMalformed},
		{name: "twice, secret last", body: `{"token":"x","token":"` + cur + `"}`, want: verify.KindMalformed},
		{name: "twice, once escaped", body: `{"token":"` + cur + `","tok\u0065n":"` + cur + `"}`, want: verify.KindMalformed},
		{name: "array body", body: `[{"token":"` + cur + `"}]`, want: verify.KindMalformed},
		{name: "string body", body: `"` + cur + `"`, want: verify.KindMalformed},
		{name: "form body", body: "token=" + cur, want: verify.KindMalformed},
		{name: "empty body", body: "", want: verify.KindMalformed},
		{name: "truncated", body: `{"token":"` + cur + `"`, want: verify.KindMalformed},
		{name: "two objects", body: `{"token":"` + cur + `"} {}`, want: verify.KindMalformed},
		{name: "trailing comma", body: `{"token":"` + cur + `",}`, want: verify.KindMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := verify.Config{Scheme: verify.SchemeBodyToken, Secrets: tokenSecrets, BodyField: "token"}
			if tt.field != "" {
				c.BodyField = tt.field
			}
			res, err := verify.Verify(c, verify.Request{Method: "POST", URL: "https://hub.example.com/api/v1/hooks/whe_1", Body: []byte(tt.body)})
			if got := errKind(err); got != tt.want {
				t.Fatalf("Verify(%s) error = %v (kind %q); want kind %q", tt.body, err, got, tt.want)
			}
			if err != nil {
				if strings.Contains(err.Error(), cur) || strings.Contains(err.Error(), prev) {
					t.Errorf("error %q shows a secret", err)
				}
				return
			}
			if res != (verify.Result{}) {
				t.Errorf("Verify(%s) = %+v; want an empty Result (no signature: the token is the secret)", tt.body, res)
			}
		})
	}
}

// TestTokenSettings: query_token and body_token need a usable name, and
// name the setting at fault (the API's 422 points at it).
func TestTokenSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cfg         verify.Config
		wantSetting string // "" means valid
	}{
		{"query default", verify.Config{Scheme: "query_token", QueryParam: verify.DefaultQueryParam}, ""},
		{"query unreserved characters", verify.Config{Scheme: "query_token", QueryParam: "x-Auth_key.v2~"}, ""},
		{"query without param", verify.Config{Scheme: "query_token"}, "param"},
		{"query param with a space", verify.Config{Scheme: "query_token", QueryParam: "a b"}, "param"},
		{"query param with &", verify.Config{Scheme: "query_token", QueryParam: "a&token"}, "param"},
		{"query param with =", verify.Config{Scheme: "query_token", QueryParam: "token="}, "param"},
		{"query param with %", verify.Config{Scheme: "query_token", QueryParam: "to%6Ben"}, "param"},
		{"query param too long", verify.Config{Scheme: "query_token", QueryParam: strings.Repeat("t", 101)}, "param"},
		{"query field instead", verify.Config{Scheme: "query_token", BodyField: "token"}, "param"},
		{"body default", verify.Config{Scheme: "body_token", BodyField: verify.DefaultBodyField}, ""},
		{"body camel case", verify.Config{Scheme: "body_token", BodyField: "verification_Token-2"}, ""},
		{"body without field", verify.Config{Scheme: "body_token"}, "field"},
		{"body path", verify.Config{Scheme: "body_token", BodyField: "data.token"}, "field"},
		{"body quote", verify.Config{Scheme: "body_token", BodyField: `to"ken`}, "field"},
		{"body non-ASCII", verify.Config{Scheme: "body_token", BodyField: "tokén"}, "field"},
		{"body param instead", verify.Config{Scheme: "body_token", QueryParam: "token"}, "field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.cfg
			c.Secrets = tokenSecrets
			err := verify.Validate(c)
			var ve *verify.Error
			switch {
			case tt.wantSetting == "" && err != nil:
				t.Fatalf("Validate() error = %v; want none", err)
			case tt.wantSetting == "":
			case !errors.As(err, &ve) || ve.Kind != verify.KindConfig || ve.Setting != tt.wantSetting:
				t.Fatalf("Validate() error = %#v; want a config error naming setting %q", err, tt.wantSetting)
			}
		})
	}
	for _, scheme := range []string{"query_token", "body_token"} {
		c := verify.Config{Scheme: scheme, QueryParam: "token", BodyField: "token"}
		for _, secrets := range [][][]byte{nil, {{}}, {tokenSecrets[0], nil}} {
			c.Secrets = secrets
			if err := verify.Validate(c); errKind(err) != verify.KindConfig {
				t.Errorf("Validate(%s with secrets %q) error = %v; want a config error", scheme, secrets, err)
			}
		}
	}
}

// TestRedactBody: what is stored of a body_token delivery has the token's
// value replaced, everything else byte for byte; other schemes' bodies,
// and bodies the scheme refuses, are left as they are.
func TestRedactBody(t *testing.T) {
	t.Parallel()
	bt := verify.Config{Scheme: verify.SchemeBodyToken, BodyField: "token"}
	tests := []struct {
		name string
		cfg  verify.Config
		body string
		want string
	}{
		{"zoho notification", bt, zohoNotification("s3cret"), zohoNotification("[redacted]")},
		{"space kept", bt, " {\n \"a\" : 1 ,\"token\" :\t\"s3cret\" , \"b\":2.50}\n", " {\n \"a\" : 1 ,\"token\" :\t\"[redacted]\" , \"b\":2.50}\n"},
		{"first member", bt, `{"token":"s3cret","a":"token"}`, `{"token":"[redacted]","a":"token"}`},
		{"escaped name and value", bt, `{"tok\u0065n":"s3\u0063ret"}`, `{"tok\u0065n":"[redacted]"}`},
		{"repeated", bt, `{"token":"a","x":{"token":"n"},"token":"b"}`, `{"token":"[redacted]","x":{"token":"n"},"token":"[redacted]"}`},
		{"not a string", bt, `{"token":{"v":"s3cret"}}`, `{"token":"[redacted]"}`},
		{"number", bt, `{"token":12345,"a":1}`, `{"token":"[redacted]","a":1}`},
		{"nested only", bt, `{"x":{"token":"s3cret"}}`, `{"x":{"token":"s3cret"}}`},
		{"missing", bt, `{"a":1}`, `{"a":1}`},
		{"array body", bt, `[{"token":"s3cret"}]`, `[{"token":"s3cret"}]`},
		{"not JSON", bt, `token=s3cret`, `token=s3cret`},
		{"other field name", verify.Config{Scheme: verify.SchemeBodyToken, BodyField: "key"}, `{"token":"t","key":"s3cret"}`, `{"token":"t","key":"[redacted]"}`},
		{"other scheme", verify.Config{Scheme: verify.SchemeHeaderToken, BodyField: "token"}, `{"token":"s3cret"}`, `{"token":"s3cret"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := verify.RedactBody(tt.cfg, []byte(tt.body))
			if string(got) != tt.want {
				t.Errorf("RedactBody(%s) = %s; want %s", tt.body, got, tt.want)
			}
			if json.Valid([]byte(tt.body)) != json.Valid(got) {
				t.Errorf("RedactBody(%s) = %s: validity as JSON changed", tt.body, got)
			}
		})
	}
}

// TestSignTokens: Sign puts the token where Verify reads it, keeping the
// rest of the request, and refuses a body it cannot put a field in.
func TestSignTokens(t *testing.T) {
	t.Parallel()
	one := [][]byte{[]byte(`tok"en &=/+ é`)}
	for _, tt := range []struct {
		name    string
		cfg     verify.Config
		url     string
		body    string
		want    string // the body after Sign; "" means unchanged
		wantErr bool
	}{
		{name: "query", cfg: verify.Config{Scheme: "query_token", QueryParam: "k"}, url: "https://h.example/x", body: "{}"},
		{name: "query with a query", cfg: verify.Config{Scheme: "query_token", QueryParam: "k"}, url: "https://h.example/x?a=1&k=old", body: "{}"},
		{name: "query without URL", cfg: verify.Config{Scheme: "query_token", QueryParam: "k"}, body: "{}", wantErr: true},
		{name: "body", cfg: verify.Config{Scheme: "body_token", BodyField: "k"}, body: `{"a":1}`, want: `{"k":"tok\"en \u0026=/+ é","a":1}`},
		{name: "body empty object", cfg: verify.Config{Scheme: "body_token", BodyField: "k"}, body: " { } ", want: ` {"k":"tok\"en \u0026=/+ é" } `},
		{name: "body field replaced", cfg: verify.Config{Scheme: "body_token", BodyField: "k"}, body: `{"a":1,"k":null}`, want: `{"a":1,"k":"tok\"en \u0026=/+ é"}`},
		{name: "body array", cfg: verify.Config{Scheme: "body_token", BodyField: "k"}, body: `[]`, wantErr: true},
		{name: "body repeated field", cfg: verify.Config{Scheme: "body_token", BodyField: "k"}, body: `{"k":1,"k":2}`, wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.cfg
			c.Secrets = one
			r := verify.Request{Method: "POST", URL: tt.url, Body: []byte(tt.body)}
			err := verify.Sign(c, &r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sign() error = %v; want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.want != "" && string(r.Body) != tt.want {
				t.Errorf("Sign() body = %s; want %s", r.Body, tt.want)
			}
			if _, err := verify.Verify(c, r); err != nil {
				t.Errorf("Verify(Sign()) error = %v; want accepted (URL %q, body %s)", err, r.URL, r.Body)
			}
		})
	}
}
