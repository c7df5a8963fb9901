package verify

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Sign sets on r the headers a provider would send, signed with the first
// of c.Secrets at c.Now, so that Verify(c, *r) accepts it. It serves the
// gateway's "send a signed test delivery" and tests. The delivery id
// headers are left as they are, except that standard_webhooks (and
// gitlab_token) need webhook-id (or svix-id) already set, since it is signed.
//
// Schemes whose secret cannot sign are refused: discord_ed25519 (public
// key) and netcash (the token is in the body; see NetcashExtra3).
// gitlab_token sets X-Gitlab-Token; didit sets X-Signature (raw body), or
// for a JSON body without "timestamp" X-Signature-V2 over "{ts}:" and the
// canonical JSON (the verifier needs a signed time).
// twilio changes r.URL for a body that is not a form of a request other
// than GET (JSON): it adds the bodySHA256 parameter, as Twilio does.
// query_token sets its parameter in r.URL (the query re-encoded);
// body_token sets its field in r.Body, which must be a JSON object.
func Sign(c Config, r *Request) error {
	if err := Validate(c); err != nil {
		return err
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	v := verifier{c: c, r: *r}
	var secret []byte
	if len(c.Secrets) > 0 { // none validates without one
		secret = c.Secrets[0]
	}
	ts := strconv.FormatInt(v.now().Unix(), 10)
	h := r.Header
	hexMAC := func(hf func() hash.Hash, parts ...[]byte) string {
		return hex.EncodeToString(macOf(hf, secret, parts...))
	}
	switch c.Scheme {
	case SchemeGitHub:
		h.Set("X-Hub-Signature-256", "sha256="+hexMAC(sha256.New, r.Body))
	case SchemeBitbucket:
		h.Set("X-Hub-Signature", "sha256="+hexMAC(sha256.New, r.Body))
	case SchemeTerraform:
		h.Set("X-TFE-Notification-Signature", hexMAC(sha512.New, r.Body))
	case SchemeWHMCS:
		h.Set("X-Hub-Timestamp", ts)
		h.Set("X-Hub-Signature-256", "sha256="+hexMAC(sha256.New, []byte(ts+"."), r.Body))
	case SchemeSlack:
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", "v0="+hexMAC(sha256.New, []byte("v0:"+ts+":"), r.Body))
	case SchemeStripe:
		h.Set("Stripe-Signature", "t="+ts+",v1="+hexMAC(sha256.New, []byte(ts+"."), r.Body))
	case SchemeZohoPayments:
		ms := strconv.FormatInt(v.now().UnixMilli(), 10)
		h.Set("X-Zoho-Webhook-Signature", "t="+ms+",v="+hexMAC(sha256.New, []byte(ms+"."), r.Body))
	case SchemeStandardWebhooks:
		key, _ := standardWebhookKey(secret)
		return signStandard(r, key, ts)
	case SchemeGitLabToken:
		h.Set("X-Gitlab-Token", string(secret))
	case SchemeTwilio:
		return signTwilio(r, secret)
	case SchemeDidit:
		h.Set("X-Timestamp", ts)
		if _, err := diditBodyTime(r.Body, true); err != nil {
			// Nothing in the body says when it was sent (the gateway's
			// test payload): sign X-Timestamp with it, in X-Signature-V2's
			// "{timestamp}:" form, the one the verifier then accepts.
			if val, ok := decodeJSON(r.Body); ok {
				var b bytes.Buffer
				writeCanonical(&b, val, false)
				h.Set("X-Signature-V2", hexMAC(sha256.New, []byte(ts+":"), b.Bytes()))
				break
			}
		}
		h.Set("X-Signature", hexMAC(sha256.New, r.Body))
	case SchemeZohoSign:
		h.Set("X-ZS-WEBHOOK-SIGNATURE", base64.StdEncoding.EncodeToString(macOf(sha256.New, secret, r.Body)))
	case SchemeHeaderToken:
		h.Set(c.HeaderName, string(secret))
	case SchemeQueryToken:
		return signQueryToken(r, c.QueryParam, secret)
	case SchemeBodyToken:
		return signBodyToken(r, c.BodyField, secret)
	case SchemeBasicAuth:
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.Username+":"+string(secret))))
	case SchemeHMAC:
		hc := c.HMAC
		parts := [][]byte{r.Body}
		if hc.Signed == SignedTimestampBody {
			h.Set(hc.TimestampHeader, ts)
			parts = [][]byte{[]byte(ts + "."), r.Body}
		}
		mac := macOf(hmacHash(hc.Algorithm), secret, parts...)
		enc := hex.EncodeToString(mac)
		if hc.Encoding == EncodingBase64 {
			enc = base64.StdEncoding.EncodeToString(mac)
		}
		h.Set(hc.Header, hc.Prefix+enc)
	case SchemeNone:
	default:
		return fail(KindConfig, c.Scheme+" deliveries cannot be signed with the configured secret")
	}
	return nil
}

// signStandard sets the Standard Webhooks timestamp and signature headers.
func signStandard(r *Request, key []byte, ts string) error {
	prefix := "webhook-"
	id := r.Header.Get("Webhook-Id")
	if id == "" && r.Header.Get("Svix-Id") != "" {
		prefix, id = "svix-", r.Header.Get("Svix-Id")
	}
	if id == "" {
		return fail(KindMissing, "missing webhook-id header")
	}
	r.Header.Set(prefix+"timestamp", ts)
	r.Header.Set(prefix+"signature", "v1,"+base64.StdEncoding.EncodeToString(macOf(sha256.New, key, []byte(id+"."+ts+"."), r.Body)))
	return nil
}

// signTwilio sets X-Twilio-Signature over r.URL and, for a form body, its
// parameters. A body Twilio does not sign as a form gets, as Twilio does,
// the bodySHA256 parameter (hex SHA-256 of the body) appended to r.URL,
// which is then signed alone; one already there must match the body.
func signTwilio(r *Request, secret []byte) error {
	u, err := url.Parse(r.URL)
	if err != nil || u.Host == "" {
		return fail(KindConfig, "twilio signing needs the full request URL")
	}
	_, hasHash := u.Query()[twilioBodyParam]
	if !hasHash && len(r.Body) > 0 && !twilioSignsForm(r.Method, r.Header.Get("Content-Type")) {
		sum := sha256.Sum256(r.Body)
		r.URL = withQueryParam(r.URL, twilioBodyParam, hex.EncodeToString(sum[:]))
		if u, err = url.Parse(r.URL); err != nil {
			return fail(KindConfig, "twilio signing needs the full request URL")
		}
	}
	params, err := twilioContent(u, r.Method, r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		return err
	}
	r.Header.Set("X-Twilio-Signature", base64.StdEncoding.EncodeToString(macOf(sha1.New, secret, []byte(r.URL), params)))
	return nil
}

// withQueryParam appends name=value to the query of raw, keeping the rest
// of raw byte for byte (it is what gets signed). name and value must not
// need escaping.
func withQueryParam(raw, name, value string) string {
	base, fragment, hasFragment := strings.Cut(raw, "#")
	switch {
	case !strings.Contains(base, "?"):
		base += "?"
	case !strings.HasSuffix(base, "?") && !strings.HasSuffix(base, "&"):
		base += "&"
	}
	base += name + "=" + value
	if hasFragment {
		base += "#" + fragment
	}
	return base
}
