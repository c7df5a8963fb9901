package verify

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fuzz targets check, per scheme family, that Verify never panics and
// never accepts a request unless it carries the correctly computed
// signature (computed here from the same inputs), and that the accepted
// request's Result.Signature is the canonical id of that signature (scheme
// id, ":", lower-case hex), whatever its spelling.

const fuzzNow = 1700000000

var fuzzSecret = []byte("fuzz-secret")

func fuzzClock() time.Time { return time.Unix(fuzzNow, 0) }

func fuzzMAC(h func() hash.Hash, key []byte, msg ...string) []byte {
	m := hmac.New(h, key)
	for _, s := range msg {
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// hexFamily lists the schemes signing with a keyed hash in one header.
var hexFamily = []struct {
	cfg       Config
	sigHeader string
	tsHeader  string
	h         func() hash.Hash
	msg       func(ts, body string) string
	base64    bool
}{
	{Config{Scheme: SchemeGitHub}, "X-Hub-Signature-256", "", sha256.New, func(_, b string) string { return b }, false},
	{Config{Scheme: SchemeBitbucket}, "X-Hub-Signature", "", sha256.New, func(_, b string) string { return b }, false},
	{Config{Scheme: SchemeTerraform}, "X-TFE-Notification-Signature", "", sha512.New, func(_, b string) string { return b }, false},
	{Config{Scheme: SchemeWHMCS}, "X-Hub-Signature-256", "X-Hub-Timestamp", sha256.New, func(t, b string) string { return t + "." + b }, false},
	{Config{Scheme: SchemeSlack}, "X-Slack-Signature", "X-Slack-Request-Timestamp", sha256.New, func(t, b string) string { return "v0:" + t + ":" + b }, false},
	{Config{Scheme: SchemeStripe}, "Stripe-Signature", "", sha256.New, func(t, b string) string { return t + "." + b }, false},
	{Config{Scheme: SchemeZohoSign}, "X-ZS-WEBHOOK-SIGNATURE", "", sha256.New, func(_, b string) string { return b }, true},
	{Config{Scheme: SchemeZohoPayments}, "X-Zoho-Webhook-Signature", "", sha256.New, func(t, b string) string { return t + "." + b }, false},
	{Config{Scheme: SchemeHMAC, HMAC: HMACConfig{Algorithm: "sha1", Header: "X-Sig", Prefix: "sha1="}}, "X-Sig", "", sha1.New, func(_, b string) string { return b }, false},
	{Config{Scheme: SchemeHMAC, HMAC: HMACConfig{Header: "X-Sig", Encoding: EncodingBase64, Signed: SignedTimestampBody, TimestampHeader: "X-Ts"}}, "X-Sig", "X-Ts", sha256.New, func(t, b string) string { return t + "." + b }, true},
}

// tsInSignature: the scheme carries its timestamp in the signature header
// ("t=…,v1=…").
func tsInSignature(scheme string) bool { return scheme == SchemeStripe || scheme == SchemeZohoPayments }

func FuzzHexHMAC(f *testing.F) {
	body := `{"a":1}`
	for i, s := range hexFamily {
		c := s.cfg
		c.Secrets, c.Now = [][]byte{fuzzSecret}, fuzzClock
		r := Request{Header: http.Header{}, Body: []byte(body)}
		if err := Sign(c, &r); err != nil {
			f.Fatal(err)
		}
		sig := r.Header.Get(s.sigHeader)
		if tsInSignature(s.cfg.Scheme) {
			sig = strings.SplitN(sig, ",", 2)[1]
		}
		f.Add(uint8(i), []byte(body), sig, "1700000000")
		f.Add(uint8(i), []byte(body+" "), sig, "1700000000")
		f.Add(uint8(i), []byte(body), sig+sig, "1700000001")
	}
	f.Add(uint8(0), []byte("Hello, World!"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "")
	f.Fuzz(func(t *testing.T, idx uint8, body []byte, sig, ts string) {
		s := hexFamily[int(idx)%len(hexFamily)]
		c := s.cfg
		c.Secrets, c.Now = [][]byte{fuzzSecret}, fuzzClock
		r := Request{Header: http.Header{}, Body: body}
		if tsInSignature(s.cfg.Scheme) {
			r.Header.Set(s.sigHeader, "t="+ts+","+sig)
		} else {
			r.Header.Set(s.sigHeader, sig)
		}
		if s.tsHeader != "" {
			r.Header.Set(s.tsHeader, ts)
		}
		res, err := Verify(c, r)
		if err == nil {
			if tsInSignature(s.cfg.Scheme) && strings.ContainsAny(ts, ",=") {
				t.Skip("timestamp text splits the header")
			}
			mac := fuzzMAC(s.h, fuzzSecret, s.msg(ts, string(body)))
			got := r.Header.Get(s.sigHeader)
			if s.base64 {
				// Go's decoder ignores the unused low bits of the last
				// character: compare decoded bytes.
				if !base64Contains(got, mac) {
					t.Fatalf("%s accepted %q for body %q, ts %q", s.cfg.Scheme, got, body, ts)
				}
			} else if !strings.Contains(strings.ToLower(got), hex.EncodeToString(mac)) {
				t.Fatalf("%s accepted %q for body %q, ts %q", s.cfg.Scheme, got, body, ts)
			}
			if want := s.cfg.Scheme + ":" + hex.EncodeToString(mac); res.Signature != want {
				t.Fatalf("%s accepted %q with Signature %q; want %q", s.cfg.Scheme, got, res.Signature, want)
			}
		}
	})
}

// base64Contains reports whether a whitespace-separated field of value,
// after an optional "<prefix>=" or "<prefix>,", decodes (standard base64)
// to want. Like Go's decoder, it skips line breaks.
func base64Contains(value string, want []byte) bool {
	value = strings.NewReplacer("\r", "", "\n", "").Replace(value)
	for field := range strings.FieldsSeq(value) {
		for _, cand := range []string{field, field[strings.IndexAny(field, "=,")+1:]} {
			if b, err := base64.StdEncoding.DecodeString(cand); err == nil && hmac.Equal(b, want) {
				return true
			}
		}
	}
	return false
}

func FuzzStandardWebhooks(f *testing.F) {
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", false, false)
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", []byte(`{"test": 2432232314}`), "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", true, false)
	f.Add("id", "1614265330", []byte(`{}`), "v1,", false, true)
	f.Add("id", "1614265330", []byte(`{}`), "v1a,AAAA v2,BBBB", true, true)
	key, _ := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	f.Fuzz(func(t *testing.T, id, ts string, body []byte, sig string, svix, gitlab bool) {
		c := Config{Scheme: SchemeStandardWebhooks, Secrets: [][]byte{[]byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")}, Now: func() time.Time { return time.Unix(1614265330, 0) }}
		k := key
		if gitlab {
			c.Scheme, c.Secrets, k = SchemeGitLabToken, [][]byte{fuzzSecret}, fuzzSecret
		}
		p := "webhook-"
		if svix {
			p = "svix-"
		}
		r := Request{Header: http.Header{}, Body: body}
		r.Header.Set(p+"id", id)
		r.Header.Set(p+"timestamp", ts)
		r.Header.Set(p+"signature", sig)
		if res, err := Verify(c, r); err == nil {
			mac := fuzzMAC(sha256.New, k, id+"."+ts+".", string(body))
			found := false
			for entry := range strings.FieldsSeq(sig) {
				b64, ok := strings.CutPrefix(entry, "v1,")
				if b, err := base64.StdEncoding.DecodeString(b64); ok && err == nil && hmac.Equal(b, mac) {
					found = true
				}
			}
			if !found {
				t.Fatalf("accepted %q for id %q ts %q body %q", sig, id, ts, body)
			}
			if want := c.Scheme + ":" + hex.EncodeToString(mac); res.Signature != want {
				t.Fatalf("accepted %q with Signature %q; want %q", sig, res.Signature, want)
			}
		}
	})
}

func FuzzTwilio(f *testing.F) {
	form := "CallSid=CA1234567890ABCDE&Caller=%2B14158675310&Digits=1234&From=%2B14158675310&To=%2B18005551212"
	f.Add("https://mycompany.com/myapp.php?foo=1&bar=2", []byte(form), "GvWf1cFY/Q7PnoempGyD5oXAezc=", false)
	f.Add("https://mycompany.com:443/myapp.php?foo=1&bar=2", []byte(form), "GvWf1cFY/Q7PnoempGyD5oXAezc=", false)
	f.Add("https://h/x?bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", []byte(`{"a":1}`), "AAAA", true)
	f.Add("://bad", []byte("%zz"), "GvWf1cFY/Q7PnoempGyD5oXAezc=", false)
	f.Add("https://h/x", []byte(`{"a":1}`), "utCI9oBpf5ZWsSxu3sr/8Hwx/jg=", true)
	f.Add("https://h/x", []byte(""), "utCI9oBpf5ZWsSxu3sr/8Hwx/jg=", true)
	f.Fuzz(func(t *testing.T, rawURL string, body []byte, sig string, isJSON bool) {
		c := Config{Scheme: SchemeTwilio, Secrets: [][]byte{[]byte("12345")}}
		ct := "application/x-www-form-urlencoded"
		if isJSON {
			ct = "application/json"
		}
		r := Request{Method: "POST", URL: rawURL, Header: http.Header{"Content-Type": {ct}, "X-Twilio-Signature": {sig}}, Body: body}
		res, err := Verify(c, r)
		if err != nil {
			return
		}
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatalf("accepted an unparsable URL %q", rawURL)
		}
		params := ""
		if hashes := u.Query()["bodySHA256"]; len(hashes) > 0 {
			// The body is covered by its hash, in the signed URL.
			sum := sha256.Sum256(body)
			if len(hashes) != 1 || !strings.EqualFold(hashes[0], hex.EncodeToString(sum[:])) {
				t.Fatalf("accepted URL %q for body %q", rawURL, body)
			}
		} else if !isJSON {
			form, err := url.ParseQuery(string(body))
			if err != nil {
				t.Fatalf("accepted an unparsable form %q", body)
			}
			params = string(twilioParams(form))
		} else if len(body) > 0 {
			t.Fatalf("accepted a JSON body %q without bodySHA256 in URL %q", body, rawURL)
		}
		for _, candidate := range twilioURLs(rawURL, u) {
			mac := fuzzMAC(sha1.New, []byte("12345"), candidate, params)
			if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig)); err == nil && hmac.Equal(b, mac) {
				if want := "twilio:" + hex.EncodeToString(mac); res.Signature != want {
					t.Fatalf("accepted %q with Signature %q; want %q", sig, res.Signature, want)
				}
				return
			}
		}
		t.Fatalf("accepted %q for URL %q body %q", sig, rawURL, body)
	})
}

func FuzzDiscord(f *testing.F) {
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	priv := ed25519.NewKeyFromSeed(seed)
	pub := hex.EncodeToString(priv.Public().(ed25519.PublicKey))
	f.Add([]byte(`{"type":1}`), "1700000000", "1695961a47c91a1ec033b819b7e87e3dbc583dd0cee6d1fd0216f58ac87b6228ae531ddbf91fb7bc28d7edf7f08604da16f54624f38a6bc0614e4dc13cd47f0f")
	f.Add([]byte(`{"type":2}`), "1700000000", "1695961a47c91a1ec033b819b7e87e3dbc583dd0cee6d1fd0216f58ac87b6228ae531ddbf91fb7bc28d7edf7f08604da16f54624f38a6bc0614e4dc13cd47f0f")
	f.Add([]byte(``), "", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
	f.Fuzz(func(t *testing.T, body []byte, ts, sig string) {
		c := Config{Scheme: SchemeDiscordEd25519, Secrets: [][]byte{[]byte(pub)}, Now: fuzzClock}
		r := Request{Header: http.Header{"X-Signature-Ed25519": {sig}, "X-Signature-Timestamp": {ts}}, Body: body}
		if res, err := Verify(c, r); err == nil {
			want := hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), body...)))
			if !strings.EqualFold(strings.TrimSpace(sig), want) {
				t.Fatalf("accepted %q for ts %q body %q", sig, ts, body)
			}
			if res.Signature != SchemeDiscordEd25519+":"+want {
				t.Fatalf("accepted %q with Signature %q; want %q", sig, res.Signature, SchemeDiscordEd25519+":"+want)
			}
		}
	})
}

// FuzzTokens covers the schemes that send the secret itself: in a header
// (header_token, gitlab_token, basic_auth), in the URL's query
// (query_token: value is the URL) or in the JSON body (body_token: value
// is the body). For body_token it also checks that RedactBody leaves no
// token in what would be stored, and that the stored body does not
// verify.
func FuzzTokens(f *testing.F) {
	f.Add(uint8(0), "fuzz-secret")
	f.Add(uint8(1), "fuzz-secret")
	f.Add(uint8(2), "Basic "+base64.StdEncoding.EncodeToString([]byte("awx:fuzz-secret")))
	f.Add(uint8(2), "Basic "+base64.StdEncoding.EncodeToString([]byte("awx:fuzz-secretx")))
	f.Add(uint8(2), "basic YXd4OmZ1enotc2VjcmV0")
	f.Add(uint8(3), "https://h.example/x?token=fuzz-secret")
	f.Add(uint8(3), "https://h.example/x?a=1&tok%65n=fuzz%2Dsecret")
	f.Add(uint8(3), "https://h.example/x?token=fuzz-secret&token=fuzz-secret")
	f.Add(uint8(3), "https://h.example/x?token=fuzz-secret;a=1")
	f.Add(uint8(3), "/x?token=fuzz+secret")
	f.Add(uint8(4), `{"module":"Leads","token":"fuzz-secret"}`)
	f.Add(uint8(4), `{"tok\u0065n":"fuzz\u002dsecret"}`)
	f.Add(uint8(4), `{"token":"fuzz-secret","token":"x"}`)
	f.Add(uint8(4), `{"a":{"token":"fuzz-secret"}}`)
	f.Add(uint8(4), `{"token":"fuzz-secret"} {}`)
	f.Add(uint8(4), "{\"token\":\"fuzz-secret\xff\"}")
	f.Fuzz(func(t *testing.T, idx uint8, value string) {
		c := Config{Secrets: [][]byte{fuzzSecret}, HeaderName: "X-Token", Username: "awx", QueryParam: "token", BodyField: "token"}
		kind := int(idx) % 5
		c.Scheme = []string{SchemeHeaderToken, SchemeGitLabToken, SchemeBasicAuth, SchemeQueryToken, SchemeBodyToken}[kind]
		r := Request{Method: "POST", URL: "https://h.example/x", Header: http.Header{}, Body: []byte(`{"a":1}`)}
		switch kind {
		case 3:
			r.URL = value
		case 4:
			r.Body = []byte(value)
			checkRedacted(t, c, r.Body)
		default:
			r.Header.Set([]string{"X-Token", "X-Gitlab-Token", "Authorization"}[kind], value)
		}
		res, err := Verify(c, r)
		if err != nil {
			return
		}
		if res != (Result{}) {
			t.Fatalf("%s accepted %q with Result %+v; want an empty one", c.Scheme, value, res)
		}
		switch c.Scheme {
		case SchemeBasicAuth:
			scheme, enc, _ := strings.Cut(value, " ")
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
			if !strings.EqualFold(scheme, "basic") || err != nil || string(raw) != "awx:"+string(fuzzSecret) {
				t.Fatalf("basic_auth accepted %q", value)
			}
		case SchemeQueryToken:
			u, err := url.Parse(value)
			if err != nil {
				t.Fatalf("query_token accepted an unparsable URL %q", value)
			}
			q, err := url.ParseQuery(u.RawQuery)
			if err != nil || len(q["token"]) != 1 || q.Get("token") != string(fuzzSecret) {
				t.Fatalf("query_token accepted %q", value)
			}
		case SchemeBodyToken:
			var m map[string]any
			if err := json.Unmarshal([]byte(value), &m); err != nil || m["token"] != string(fuzzSecret) {
				t.Fatalf("body_token accepted %q", value)
			}
		default:
			if value != string(fuzzSecret) {
				t.Fatalf("%s accepted %q", c.Scheme, value)
			}
		}
	})
}

// checkRedacted checks what the gateway would store of a body_token body:
// JSON exactly when the body is, every value of a top-level "token"
// member (read here from the token stream, not as RedactBody finds them)
// the string RedactedValue, and not accepted by Verify.
func checkRedacted(t *testing.T, c Config, body []byte) {
	t.Helper()
	stored := RedactBody(c, body)
	if json.Valid(body) != json.Valid(stored) {
		t.Fatalf("RedactBody(%q) = %q: validity as JSON changed", body, stored)
	}
	if _, err := Verify(c, Request{Body: stored}); err == nil {
		t.Fatalf("RedactBody(%q) = %q, which verifies", body, stored)
	}
	if !json.Valid(stored) {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(stored))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return
	}
	depth, wantKey, key := 1, true, ""
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("RedactBody(%q) = %q: %v", body, stored, err)
		}
		if d, ok := tok.(json.Delim); ok {
			if depth == 1 && key == "token" && !wantKey {
				t.Fatalf("RedactBody(%q) = %q: a token member's value %v left", body, stored, d)
			}
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
			wantKey = depth == 1
			continue
		}
		if depth != 1 {
			continue
		}
		if wantKey {
			key, wantKey = tok.(string), false
			continue
		}
		if key == "token" && tok != RedactedValue {
			t.Fatalf("RedactBody(%q) = %q: a token member's value %v left", body, stored, tok)
		}
		wantKey = true
	}
}

func FuzzDidit(f *testing.F) {
	body := `{"session_id":"11111111-2222-3333-4444-555555555555","status":"Approved","webhook_type":"status.updated","timestamp":1700000000}`
	f.Add([]byte(body), "1700000000", "", "", "e243530e3cd47726aa7639fdcfb0c0a548c6592d277dc106b0ae89a3c49345f0")
	f.Add([]byte(body), "1700000000", hex.EncodeToString(fuzzMAC(sha256.New, []byte("didit-secret"), body)), "", "")
	f.Add([]byte(`{"b":[1.0,"é"],"a":{"y":null,"x":true}}`), "1700000000", "", hex.EncodeToString(fuzzMAC(sha256.New, []byte("didit-secret"), `{"a":{"x":true,"y":null},"b":[1,"é"]}`)), "")
	f.Add([]byte(`[[[[[[[[[[[[{"a":"\ud800"}]]]]]]]]]]]]`), "1700000000", "00", "00", "00")
	f.Fuzz(func(t *testing.T, body []byte, ts, v1, v2, simple string) {
		key := []byte("didit-secret")
		c := Config{Scheme: SchemeDidit, Secrets: [][]byte{key}, Now: fuzzClock, Legacy: true}
		r := Request{Header: http.Header{}, Body: body}
		for h, v := range map[string]string{"X-Timestamp": ts, "X-Signature": v1, "X-Signature-V2": v2, "X-Signature-Simple": simple} {
			if v != "" {
				r.Header.Set(h, v)
			}
		}
		res, err := Verify(c, r)
		if err != nil {
			return
		}
		var ids []string // the Signature of every signature that matches
		match := func(sig string, msgs [][]byte) {
			for _, m := range msgs {
				if mac := hex.EncodeToString(fuzzMAC(sha256.New, key, string(m))); strings.EqualFold(strings.TrimSpace(sig), mac) {
					ids = append(ids, SchemeDidit+":"+mac)
				}
			}
		}
		match(v1, [][]byte{body})
		match(v2, diditV2Messages(body, ts))
		match(simple, diditSimpleMessage(body))
		if len(ids) == 0 {
			t.Fatalf("accepted v1 %q v2 %q simple %q for body %q", v1, v2, simple, body)
		}
		if !slices.Contains(ids, res.Signature) {
			t.Fatalf("accepted v1 %q v2 %q simple %q with Signature %q; want one of %q", v1, v2, simple, res.Signature, ids)
		}
	})
}

func FuzzNetcash(f *testing.F) {
	tok, err := NetcashExtra3(fuzzSecret, "INV-1", "10.00")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("TransactionAccepted=true&Reference=INV-1&Amount=10.00&Extra3=" + tok)
	f.Add("Reference=INV-1&Amount=10&Extra3=" + tok)
	f.Add("Reference=INV-1&Amount=100&Extra3=" + tok)
	f.Add("Reference=INV-1&Reference=INV-2&Amount=10&Extra3=" + tok)
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, body string) {
		c := Config{Scheme: SchemeNetCash, Secrets: [][]byte{fuzzSecret}}
		if _, err := Verify(c, Request{Body: []byte(body)}); err != nil {
			return
		}
		form, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("accepted unparsable %q", body)
		}
		want, err := NetcashExtra3(fuzzSecret, form.Get("Reference"), form.Get("Amount"))
		if err != nil || form.Get("Extra3") != want {
			t.Fatalf("accepted %q", body)
		}
	})
}
