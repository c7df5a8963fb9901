package verify

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"filippo.io/edwards25519"
)

// macOf returns the HMAC of the concatenated parts.
func macOf(h func() hash.Hash, key []byte, parts ...[]byte) []byte {
	m := hmac.New(h, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// matchMAC reports the index of the first candidate equal to the HMAC of
// parts under any of keys, or -1. Every comparison is constant time. Keys
// are tried in order, so the bytes of the candidate found do not depend on
// the order of the candidates.
func matchMAC(h func() hash.Hash, keys [][]byte, candidates [][]byte, parts ...[]byte) int {
	if len(candidates) == 0 {
		return -1
	}
	for _, k := range keys {
		mac := macOf(h, k, parts...)
		for i, c := range candidates {
			if hmac.Equal(mac, c) {
				return i
			}
		}
	}
	return -1
}

// signatureID returns Result.Signature for sig, the decoded signature that
// matched: the scheme id and the lower-case hex of the bytes, so that every
// spelling of one signature the parsers accept gives the same value.
func (v *verifier) signatureID(sig []byte) string {
	return v.c.Scheme + ":" + hex.EncodeToString(sig)
}

// prefixedHex decodes "<prefix><hex>" from header; ok is false when the value
// does not have that shape.
func prefixedHex(value, prefix string) ([]byte, bool) {
	rest, found := strings.CutPrefix(value, prefix)
	if !found {
		return nil, false
	}
	b, err := hex.DecodeString(rest)
	return b, err == nil && len(b) > 0
}

// hexHeader verifies header = prefix + hex(HMAC(secret, parts...)) and
// returns the signature's id (see signatureID).
func (v *verifier) hexHeader(header, prefix string, h func() hash.Hash, parts ...[]byte) (string, error) {
	value := strings.TrimSpace(v.r.Header.Get(header))
	if value == "" {
		return "", missing(header)
	}
	sig, ok := prefixedHex(value, prefix)
	if !ok {
		return "", malformed(header)
	}
	if matchMAC(h, v.c.Secrets, [][]byte{sig}, parts...) < 0 {
		return "", errMismatch
	}
	return v.signatureID(sig), nil
}

// github: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(secret, body);
// the SHA-1 X-Hub-Signature only with Config.Legacy (providers.md B1).
func (v *verifier) github() (Result, error) {
	res := Result{DeliveryID: v.r.Header.Get("X-GitHub-Delivery")}
	header, prefix, h := "X-Hub-Signature-256", "sha256=", sha256.New
	if v.r.Header.Get(header) == "" && v.c.Legacy && v.r.Header.Get("X-Hub-Signature") != "" {
		header, prefix, h = "X-Hub-Signature", "sha1=", sha1.New
	}
	sig, err := v.hexHeader(header, prefix, h, v.r.Body)
	if err != nil {
		return Result{}, err
	}
	res.Signature = sig
	return res, nil
}

// bitbucket: X-Hub-Signature = "sha256=" + hex HMAC-SHA256(secret, body)
// (GitHub's SHA-1 header name with a SHA-256 value, providers.md B6).
func (v *verifier) bitbucket() (Result, error) {
	id := v.r.Header.Get("X-Request-UUID")
	if id == "" {
		id = v.r.Header.Get("X-Request-Id") // Bitbucket Server / Data Center
	}
	sig, err := v.hexHeader("X-Hub-Signature", "sha256=", sha256.New, v.r.Body)
	if err != nil {
		return Result{}, err
	}
	return Result{DeliveryID: id, Signature: sig}, nil
}

// terraform: X-TFE-Notification-Signature = hex HMAC-SHA512(token, body)
// (providers.md B9).
func (v *verifier) terraform() (Result, error) {
	sig, err := v.hexHeader("X-TFE-Notification-Signature", "", sha512.New, v.r.Body)
	if err != nil {
		return Result{}, err
	}
	return Result{Signature: sig}, nil
}

// whmcs: ihub's own hook module (providers.md B10): X-Hub-Signature-256 =
// "sha256=" + hex HMAC-SHA256(secret, "{X-Hub-Timestamp}.{body}"), with
// X-Hub-Delivery as delivery id.
func (v *verifier) whmcs() (Result, error) {
	tsText := v.r.Header.Get("X-Hub-Timestamp")
	ts, err := parseUnix("X-Hub-Timestamp", tsText)
	if err != nil {
		return Result{}, err
	}
	sig, err := v.hexHeader("X-Hub-Signature-256", "sha256=", sha256.New, []byte(tsText), []byte("."), v.r.Body)
	if err != nil {
		return Result{}, err
	}
	if err := v.checkTime(ts); err != nil {
		return Result{}, err
	}
	return Result{Timestamp: ts, DeliveryID: v.r.Header.Get("X-Hub-Delivery"), Signature: sig}, nil
}

// slack: X-Slack-Signature = "v0=" + hex HMAC-SHA256(secret,
// "v0:{X-Slack-Request-Timestamp}:{body}") (providers.md B3).
func (v *verifier) slack() (Result, error) {
	tsText := v.r.Header.Get("X-Slack-Request-Timestamp")
	ts, err := parseUnix("X-Slack-Request-Timestamp", tsText)
	if err != nil {
		return Result{}, err
	}
	sig, err := v.hexHeader("X-Slack-Signature", "v0=", sha256.New, []byte("v0:"+tsText+":"), v.r.Body)
	if err != nil {
		return Result{}, err
	}
	if err := v.checkTime(ts); err != nil {
		return Result{}, err
	}
	return Result{Timestamp: ts, Signature: sig}, nil
}

// timestamped: Stripe's "t={timestamp},v1={hex}" (several v1 allowed) and
// Zoho Payments' "t={timestamp in ms},v={hex}" in header, hex
// HMAC-SHA256 of "{t}.{body}" keyed with the secret as it is; unit is the
// timestamp's (a second, a millisecond). Other entries are ignored.
func (v *verifier) timestamped(header, sigKey string, unit time.Duration) (Result, error) {
	value := v.r.Header.Get(header)
	if value == "" {
		return Result{}, missing(header)
	}
	var tsText string
	var sigs [][]byte
	for item := range strings.SplitSeq(value, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			if tsText == "" {
				tsText = val
			}
		case sigKey:
			if b, err := hex.DecodeString(val); err == nil && len(b) > 0 {
				sigs = append(sigs, b)
			}
		}
	}
	if tsText == "" {
		return Result{}, fail(KindMalformed, header+" has no timestamp")
	}
	ts, err := parseUnixIn(header+" timestamp", tsText, unit)
	if err != nil {
		return Result{}, err
	}
	if len(sigs) == 0 {
		return Result{}, fail(KindMalformed, header+" has no "+sigKey+" signature")
	}
	i := matchMAC(sha256.New, v.c.Secrets, sigs, []byte(tsText+"."), v.r.Body)
	if i < 0 {
		return Result{}, errMismatch
	}
	if err := v.checkTime(ts); err != nil {
		return Result{}, err
	}
	return Result{Timestamp: ts, Signature: v.signatureID(sigs[i])}, nil
}

// standardWebhookKey turns a "whsec_<base64>" secret into the HMAC key.
func standardWebhookKey(secret []byte) ([]byte, bool) {
	s := strings.TrimPrefix(string(secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	return key, err == nil && len(key) > 0
}

// standardWebhooks: webhook-* (or svix-*) headers; webhook-signature is a
// space-separated list of "v1,<base64 HMAC-SHA256(key, "{id}.{ts}.{body}")>"
// where key is the base64-decoded secret after "whsec_"; any v1 entry may
// match (providers.md B4). v1a (Ed25519) entries are ignored.
func (v *verifier) standardWebhooks() (Result, error) {
	keys := make([][]byte, 0, len(v.c.Secrets))
	for _, s := range v.c.Secrets {
		k, _ := standardWebhookKey(s) // Validate checked them
		keys = append(keys, k)
	}
	return v.swVerify(keys)
}

// swVerify verifies the Standard Webhooks form with the given HMAC keys.
func (v *verifier) swVerify(keys [][]byte) (Result, error) {
	// The svix-* names when the request signs with them, or, lacking any
	// signature, when it has only svix-* headers: a rejection then names
	// the header the sender (Resend, Svix) failed to send.
	h := v.r.Header
	prefix := "webhook-"
	if h.Get("Webhook-Signature") == "" && (h.Get("Svix-Signature") != "" ||
		h.Get("Webhook-Id") == "" && h.Get("Webhook-Timestamp") == "" && (h.Get("Svix-Id") != "" || h.Get("Svix-Timestamp") != "")) {
		prefix = "svix-"
	}
	id := v.r.Header.Get(prefix + "id")
	tsText := v.r.Header.Get(prefix + "timestamp")
	value := v.r.Header.Get(prefix + "signature")
	switch {
	case value == "":
		return Result{}, missing(prefix + "signature")
	case id == "":
		return Result{}, missing(prefix + "id")
	}
	ts, err := parseUnix(prefix+"timestamp", tsText)
	if err != nil {
		return Result{}, err
	}
	var sigs [][]byte
	for entry := range strings.FieldsSeq(value) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(sig); err == nil && len(b) > 0 {
			sigs = append(sigs, b)
		}
	}
	if len(sigs) == 0 {
		return Result{}, fail(KindMalformed, prefix+"signature has no v1 signature")
	}
	i := matchMAC(sha256.New, keys, sigs, []byte(id+"."+tsText+"."), v.r.Body)
	if i < 0 {
		return Result{}, errMismatch
	}
	if err := v.checkTime(ts); err != nil {
		return Result{}, err
	}
	return Result{Timestamp: ts, DeliveryID: id, Signature: v.signatureID(sigs[i])}, nil
}

// gitlab: the classic X-Gitlab-Token (the secret sent verbatim, compared in
// constant time) or the newer signing token in the Standard Webhooks form
// (providers.md B2). For the latter the key format is unconfirmed [?]: the
// raw secret bytes are tried, and for a "whsec_" secret also its decoded
// key. A request carrying both forms is accepted if either verifies.
func (v *verifier) gitlab() (Result, error) {
	id := v.r.Header.Get("Idempotency-Key")
	if id == "" {
		id = v.r.Header.Get("X-Gitlab-Event-UUID")
	}
	token := v.r.Header.Get("X-Gitlab-Token")
	hasSig := v.r.Header.Get("Webhook-Signature") != ""
	if !hasSig && token == "" {
		return Result{}, missing("X-Gitlab-Token")
	}
	var sigErr error
	if hasSig {
		keys := make([][]byte, 0, 2*len(v.c.Secrets))
		for _, s := range v.c.Secrets {
			keys = append(keys, s)
			if strings.HasPrefix(string(s), "whsec_") {
				if k, ok := standardWebhookKey(s); ok {
					keys = append(keys, k)
				}
			}
		}
		res, err := v.swVerify(keys)
		if err == nil {
			// The signed webhook-id, not the unsigned Idempotency-Key: a
			// captured request sent again with a new header must not pass
			// for a new delivery.
			return res, nil
		}
		sigErr = err
	}
	if token != "" {
		for _, s := range v.c.Secrets {
			if tokenEqual(token, s) {
				return Result{DeliveryID: id}, nil
			}
		}
		if sigErr == nil {
			sigErr = fail(KindMismatch, "token mismatch")
		}
	}
	return Result{}, sigErr
}

// discordKey decodes an Ed25519 public key given as 64 hex characters or
// 32 raw bytes.
func discordKey(secret []byte) (ed25519.PublicKey, bool) {
	if len(secret) == ed25519.PublicKeySize {
		return ed25519.PublicKey(secret), true
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(secret)))
	return ed25519.PublicKey(k), err == nil && len(k) == ed25519.PublicKeySize
}

// usableDiscordKey is discordKey refusing, besides, a key that is no point
// of the curve or a point of small order (the identity among them): under
// such a key a signature made without any private key verifies, for any
// message. Validate checks it, on every request (Verify runs it first);
// the verifier itself then only decodes.
func usableDiscordKey(secret []byte) bool {
	k, ok := discordKey(secret)
	if !ok {
		return false
	}
	p, err := new(edwards25519.Point).SetBytes(k)
	return err == nil && new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) == 0
}

// discord: X-Signature-Ed25519 = hex Ed25519 signature of
// "{X-Signature-Timestamp}{body}" under the application's public key
// (providers.md B7). The timestamp is held to the tolerance although
// Discord documents none.
func (v *verifier) discord() (Result, error) {
	const sigHeader, tsHeader = "X-Signature-Ed25519", "X-Signature-Timestamp"
	value := strings.TrimSpace(v.r.Header.Get(sigHeader))
	if value == "" {
		return Result{}, missing(sigHeader)
	}
	tsText := v.r.Header.Get(tsHeader)
	ts, err := parseUnix(tsHeader, tsText)
	if err != nil {
		return Result{}, err
	}
	sig, err := hex.DecodeString(value)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Result{}, malformed(sigHeader)
	}
	msg := make([]byte, 0, len(tsText)+len(v.r.Body))
	msg = append(append(msg, tsText...), v.r.Body...)
	ok := false
	for _, s := range v.c.Secrets {
		if k, valid := discordKey(s); valid && ed25519.Verify(k, msg, sig) {
			ok = true
			break
		}
	}
	if !ok {
		return Result{}, errMismatch
	}
	if err := v.checkTime(ts); err != nil {
		return Result{}, err
	}
	return Result{Timestamp: ts, Signature: v.signatureID(sig)}, nil
}

// twilio: X-Twilio-Signature = base64 HMAC-SHA1(auth token, URL + every
// POST parameter as name+value, sorted by name; repeated values sorted).
// For other bodies (JSON) Twilio adds bodySHA256, the hex SHA-256 of the
// body, to the URL, and only the URL is signed (providers.md B8). As in
// Twilio's libraries, the URL is tried as given, without and with the
// default port. See twilioContent for what must cover the body.
func (v *verifier) twilio() (Result, error) {
	const header = "X-Twilio-Signature"
	value := strings.TrimSpace(v.r.Header.Get(header))
	if value == "" {
		return Result{}, missing(header)
	}
	sig, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(sig) != sha1.Size {
		return Result{}, malformed(header)
	}
	if v.r.URL == "" {
		return Result{}, fail(KindConfig, "request URL unknown (twilio signs the public URL)")
	}
	u, err := url.Parse(v.r.URL)
	if err != nil || u.Host == "" {
		return Result{}, fail(KindMalformed, "malformed request URL")
	}
	params, err := twilioContent(u, v.r.Method, v.r.Header.Get("Content-Type"), v.r.Body)
	if err != nil {
		return Result{}, err
	}
	for _, candidate := range twilioURLs(v.r.URL, u) {
		if matchMAC(sha1.New, v.c.Secrets, [][]byte{sig}, []byte(candidate), params) >= 0 {
			return Result{DeliveryID: v.r.Header.Get("I-Twilio-Idempotency-Token"), Signature: v.signatureID(sig)}, nil
		}
	}
	return Result{}, errMismatch
}

// twilioBodyParam is the URL parameter carrying the hex SHA-256 of a body
// that is not a form.
const twilioBodyParam = "bodySHA256"

// twilioContent returns what the signature covers after the URL, having
// made sure that the body is covered (fail closed):
//
//   - with bodySHA256 in the URL (signed with it), nothing: the body's
//     SHA-256 must equal that parameter (constant time), whatever the
//     content type;
//   - else a form body of a request other than GET: its parameters
//     (twilioParams);
//   - else the body must be empty: Twilio signs a JSON (or any other)
//     body only through bodySHA256, and a GET request's only through its
//     URL, so a body without it would be taken unauthenticated.
func twilioContent(u *url.URL, method, contentType string, body []byte) ([]byte, error) {
	if hashes, ok := u.Query()[twilioBodyParam]; ok {
		if len(hashes) != 1 {
			// Parsers disagree on which repeated value wins.
			return nil, fail(KindMalformed, "repeated bodySHA256 URL parameter")
		}
		want, err := hex.DecodeString(hashes[0])
		if err != nil || len(want) != sha256.Size {
			return nil, fail(KindMalformed, "malformed bodySHA256 URL parameter")
		}
		got := sha256.Sum256(body)
		if !hmac.Equal(got[:], want) {
			return nil, fail(KindMismatch, "body does not match the bodySHA256 URL parameter")
		}
		return nil, nil
	}
	if twilioSignsForm(method, contentType) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fail(KindMalformed, "malformed form body")
		}
		return twilioParams(form), nil
	}
	if len(body) > 0 {
		return nil, fail(KindMissing, "missing bodySHA256 URL parameter for a body that is not a form")
	}
	return nil, nil
}

// twilioSignsForm reports whether Twilio signs the body's form parameters:
// a form body of a request other than GET.
func twilioSignsForm(method, contentType string) bool {
	return isForm(contentType) && !strings.EqualFold(method, http.MethodGet)
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// twilioParams concatenates name+value for every parameter, names sorted,
// each name's distinct values sorted (Twilio's libraries).
func twilioParams(form url.Values) []byte {
	var b strings.Builder
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range form {
			if !yield(k) {
				return
			}
		}
	}) {
		values := slices.Clone(form[name])
		slices.Sort(values)
		for _, val := range slices.Compact(values) {
			b.WriteString(name)
			b.WriteString(val)
		}
	}
	return []byte(b.String())
}

// twilioURLs returns raw and its variants without and with the scheme's
// default port.
func twilioURLs(raw string, u *url.URL) []string {
	urls := []string{raw}
	def := map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
	if def == "" {
		return urls
	}
	host, port := u.Hostname(), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	var alt string
	switch port {
	case "":
		alt = host + ":" + def
	case def:
		alt = host
	default:
		return urls
	}
	return append(urls, strings.Replace(raw, "://"+u.Host, "://"+alt, 1))
}

// zohoSign: X-ZS-WEBHOOK-SIGNATURE = base64 HMAC-SHA256(secret, body)
// (providers.md B13, [L]).
func (v *verifier) zohoSign() (Result, error) {
	const header = "X-Zs-Webhook-Signature"
	value := strings.TrimSpace(v.r.Header.Get(header))
	if value == "" {
		return Result{}, missing("X-ZS-WEBHOOK-SIGNATURE")
	}
	sig, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(sig) == 0 {
		return Result{}, malformed("X-ZS-WEBHOOK-SIGNATURE")
	}
	if matchMAC(sha256.New, v.c.Secrets, [][]byte{sig}, v.r.Body) < 0 {
		return Result{}, errMismatch
	}
	return Result{Signature: v.signatureID(sig)}, nil
}

// headerToken: the header named by Config.HeaderName must carry one of the
// secrets (constant-time compare).
func (v *verifier) headerToken() (Result, error) {
	token := v.r.Header.Get(v.c.HeaderName)
	if token == "" {
		return Result{}, missing(v.c.HeaderName)
	}
	for _, s := range v.c.Secrets {
		if tokenEqual(token, s) {
			return Result{}, nil
		}
	}
	return Result{}, fail(KindMismatch, "token mismatch")
}

// basicAuth: Authorization: Basic with Config.Username and one of the
// secrets as password.
func (v *verifier) basicAuth() (Result, error) {
	value := v.r.Header.Get("Authorization")
	if value == "" {
		return Result{}, missing("Authorization")
	}
	scheme, encoded, ok := strings.Cut(value, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return Result{}, malformed("Authorization")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return Result{}, malformed("Authorization")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return Result{}, malformed("Authorization")
	}
	userOK := tokenEqual(user, []byte(v.c.Username))
	passOK := false
	for _, s := range v.c.Secrets {
		if tokenEqual(pass, s) {
			passOK = true
		}
	}
	if !userOK || !passOK {
		return Result{}, fail(KindMismatch, "credentials mismatch")
	}
	return Result{}, nil
}

// hmacHash returns the hash for a generic-HMAC algorithm name.
func hmacHash(alg string) func() hash.Hash {
	switch alg {
	case "sha1":
		return sha1.New
	case "", "sha256":
		return sha256.New
	case "sha512":
		return sha512.New
	}
	return nil
}

// hmacGeneric: the generic scheme configured by Config.HMAC.
func (v *verifier) hmacGeneric() (Result, error) {
	hc := v.c.HMAC
	value := strings.TrimSpace(v.r.Header.Get(hc.Header))
	if value == "" {
		return Result{}, missing(hc.Header)
	}
	rest, ok := strings.CutPrefix(value, hc.Prefix)
	if !ok {
		return Result{}, malformed(hc.Header)
	}
	var sig []byte
	var err error
	if hc.Encoding == EncodingBase64 {
		sig, err = base64.StdEncoding.DecodeString(rest)
	} else {
		sig, err = hex.DecodeString(rest)
	}
	if err != nil || len(sig) == 0 {
		return Result{}, malformed(hc.Header)
	}
	res := Result{Signature: v.signatureID(sig)}
	if hc.DeliveryIDHeader != "" {
		res.DeliveryID = v.r.Header.Get(hc.DeliveryIDHeader)
	}
	parts := [][]byte{v.r.Body}
	if hc.Signed == SignedTimestampBody {
		tsText := v.r.Header.Get(hc.TimestampHeader)
		ts, err := parseUnix(hc.TimestampHeader, tsText)
		if err != nil {
			return Result{}, err
		}
		res.Timestamp = ts
		parts = [][]byte{[]byte(tsText + "."), v.r.Body}
	}
	if matchMAC(hmacHash(hc.Algorithm), v.c.Secrets, [][]byte{sig}, parts...) < 0 {
		return Result{}, errMismatch
	}
	if !res.Timestamp.IsZero() {
		if err := v.checkTime(res.Timestamp); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}
