package awssns

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// SigV4 constants.
const (
	sigAlgorithm  = "AWS4-HMAC-SHA256"
	amzDateFormat = "20060102T150405Z"
	dateFormat    = "20060102"
)

// Credentials are an AWS access key. SessionToken is set only for
// temporary (STS) credentials.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// Signature is the outcome of signing one request: the intermediate values
// are kept for tests and debugging. None of them contains the secret key;
// Authorization contains the access key id.
type Signature struct {
	CanonicalRequest string
	StringToSign     string
	// Signature is the hex HMAC-SHA256 of StringToSign under the signing key.
	Signature     string
	Authorization string
}

// Sign signs req in place with AWS Signature Version 4 for service in
// region at time now: it sets X-Amz-Date (and X-Amz-Security-Token for
// temporary credentials) and Authorization. payload is the exact request
// body (nil for none). The signed headers are host, content-type when set,
// and every x-amz-* header, as AWS's own examples do.
//
// The canonical URI is the request's escaped path ("/" when empty), encoded
// once; SNS is always called on "/", so the double encoding AWS asks for on
// other paths of non-S3 services does not arise.
//
// See https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html.
func Sign(req *http.Request, payload []byte, cred Credentials, region, service string, now time.Time) Signature {
	now = now.UTC()
	amzDate := now.Format(amzDateFormat)
	req.Header.Set("X-Amz-Date", amzDate)
	if cred.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", cred.SessionToken)
	} else {
		req.Header.Del("X-Amz-Security-Token")
	}
	req.Header.Del("Authorization")

	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	headers := map[string]string{"host": host}
	for name, vs := range req.Header {
		lower := strings.ToLower(name)
		if lower == "content-type" || strings.HasPrefix(lower, "x-amz-") {
			vals := make([]string, len(vs))
			for i, v := range vs {
				vals[i] = trimAll(v)
			}
			headers[lower] = strings.Join(vals, ",")
		}
	}
	names := make([]string, 0, len(headers))
	for n := range headers {
		names = append(names, n)
	}
	sort.Strings(names)
	var canonHeaders strings.Builder
	for _, n := range names {
		canonHeaders.WriteString(n + ":" + headers[n] + "\n")
	}
	signedHeaders := strings.Join(names, ";")

	path := req.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	canonical := strings.Join([]string{
		req.Method,
		path,
		canonicalQuery(req.URL.RawQuery),
		canonHeaders.String(),
		signedHeaders,
		hashHex(payload),
	}, "\n")

	scope := now.Format(dateFormat) + "/" + region + "/" + service + "/aws4_request"
	stringToSign := sigAlgorithm + "\n" + amzDate + "\n" + scope + "\n" + hashHex([]byte(canonical))
	key := SigningKey(cred.SecretAccessKey, now.Format(dateFormat), region, service)
	sig := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign)))
	auth := sigAlgorithm + " Credential=" + cred.AccessKeyID + "/" + scope +
		", SignedHeaders=" + signedHeaders + ", Signature=" + sig
	req.Header.Set("Authorization", auth)
	return Signature{CanonicalRequest: canonical, StringToSign: stringToSign, Signature: sig, Authorization: auth}
}

// SigningKey derives the SigV4 signing key: the HMAC chain
// "AWS4"+secret → date (YYYYMMDD) → region → service → "aws4_request".
func SigningKey(secretKey, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secretKey), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte("aws4_request"))
}

// canonicalQuery sorts the query parameters by name, then value, each
// URI-encoded the AWS way (RFC 3986 unreserved characters kept, space as
// %20).
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type kv struct{ k, v string }
	var pairs []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			dk = k
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			dv = v
		}
		pairs = append(pairs, kv{uriEncode(dk), uriEncode(dv)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

// uriEncode percent-encodes every byte except A-Z a-z 0-9 - _ . ~.
func uriEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// trimAll trims a header value and collapses inner runs of spaces.
func trimAll(s string) string { return strings.Join(strings.Fields(s), " ") }

func hashHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}
