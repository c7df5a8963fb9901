// Package awssnsfake is an in-process Amazon SNS Query API server
// (providers.md A16): POST / with a form body (Action, Version=2010-03-31),
// every request's AWS Signature Version 4 verified against the known
// secret keys (scope region and service "sns", signed headers, body hash,
// clock skew), XML answers with the SNS namespace, and <ErrorResponse>
// documents for failures (InvalidClientTokenId, SignatureDoesNotMatch,
// NotFound, InvalidParameter, OptedOut, Throttling). It backs the awssns
// tests and the demo mode, so it is deterministic, self-contained and
// imports no testing packages. Its signature check is written separately
// from the client's signer, so the two check each other.
package awssnsfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Defaults used when Options leaves a value empty (AWS's documentation
// example key pair).
const (
	DefaultRegion          = "us-east-1"
	DefaultAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	DefaultSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	DefaultAccount         = "123456789012"
	// MaxSkew is how far X-Amz-Date may be from the server clock, as on AWS.
	MaxSkew = 15 * time.Minute
)

const namespace = "http://sns.amazonaws.com/doc/2010-03-31/"

// Topic is one SNS topic.
type Topic struct {
	Name                   string
	DisplayName            string
	SubscriptionsConfirmed int
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultAccessKeyID /
// DefaultSecretAccessKey in DefaultRegion and serves one topic, "alerts".
type Options struct {
	Region string
	// Keys maps access key ids to secret access keys.
	Keys map[string]string
	// SessionTokens maps access key ids of temporary credentials to the
	// session token they must send as X-Amz-Security-Token.
	SessionTokens map[string]string
	// Topics are served by GetTopicAttributes and accept Publish.
	Topics []Topic
	// SMSAttributes is what GetSMSAttributes returns; nil means
	// DefaultSMSType=Transactional, MonthlySpendLimit=1.
	SMSAttributes map[string]string
	// OptedOut lists phone numbers that answer OptedOut.
	OptedOut []string
	// Now is the server clock for the skew check; nil means time.Now.
	Now func() time.Time
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Published is one accepted Publish call.
type Published struct {
	MessageID   string
	TopicArn    string
	PhoneNumber string
	Message     string
	// Attributes are the message attributes by name (string values).
	Attributes map[string]string
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options
	mu   sync.Mutex
	pubs []Published
	n    int
}

// New starts a fake SNS server. Close it when done.
func New(opts Options) *Server {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	if len(opts.Keys) == 0 {
		opts.Keys = map[string]string{DefaultAccessKeyID: DefaultSecretAccessKey}
	}
	opts.Keys = maps.Clone(opts.Keys)
	opts.SessionTokens = maps.Clone(opts.SessionTokens)
	if opts.Topics == nil {
		opts.Topics = []Topic{{Name: "alerts", DisplayName: "Ops alerts", SubscriptionsConfirmed: 2}}
	}
	opts.Topics = slices.Clone(opts.Topics)
	if opts.SMSAttributes == nil {
		opts.SMSAttributes = map[string]string{"DefaultSMSType": "Transactional", "MonthlySpendLimit": "1"}
	}
	opts.SMSAttributes = maps.Clone(opts.SMSAttributes)
	opts.OptedOut = slices.Clone(opts.OptedOut)
	s := &Server{opts: opts}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the endpoint override to configure (http://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// TopicArn is the ARN of the named topic on this server.
func (s *Server) TopicArn(name string) string {
	return "arn:aws:sns:" + s.opts.Region + ":" + DefaultAccount + ":" + name
}

// Published returns the accepted Publish calls, oldest first.
func (s *Server) Published() []Published {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.pubs)
}

// Hang is a Fail hook that never answers until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// ErrorReply is an SNS <ErrorResponse> with the given status, code and
// message.
func ErrorReply(status int, code, message string) *Reply {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	body := `<ErrorResponse xmlns="` + namespace + `"><Error><Type>` + typ + `</Type><Code>` + esc(code) +
		`</Code><Message>` + esc(message) + `</Message></Error><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>`
	return &Reply{Status: status, Header: http.Header{"Content-Type": {"text/xml"}}, Body: body}
}

// Throttled is SNS's throttling answer (HTTP 400, code Throttling [?] for
// the status).
func Throttled() *Reply {
	return ErrorReply(http.StatusBadRequest, "Throttling", "Rate exceeded")
}

func esc(s string) string { return html.EscapeString(s) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Read the body first: only then does net/http notice a client that
	// hangs up, which a blocking Fail hook (Hang) relies on.
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		write(w, ErrorReply(http.StatusBadRequest, "InvalidParameter", "Could not read the request body"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	if r.Method != http.MethodPost || (r.URL.Path != "/" && r.URL.Path != "") {
		write(w, ErrorReply(http.StatusNotFound, "UnknownOperationException", "Only POST / is served"))
		return
	}
	if rep := s.verify(r, body); rep != nil {
		write(w, rep)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		write(w, ErrorReply(http.StatusBadRequest, "MalformedQueryString", "The form body is malformed"))
		return
	}
	if form.Get("Version") != "2010-03-31" {
		write(w, ErrorReply(http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Version"))
		return
	}
	switch form.Get("Action") {
	case "Publish":
		s.publish(w, form)
	case "GetTopicAttributes":
		s.topicAttributes(w, form)
	case "GetSMSAttributes":
		s.smsAttributes(w)
	default:
		write(w, ErrorReply(http.StatusBadRequest, "InvalidAction", "The action "+form.Get("Action")+" is not valid for this web service."))
	}
}

var credentialRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/,]+)/([0-9]{8})/([^/,]+)/([^/,]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$`)

// verify checks the request's SigV4 signature the way SNS does and returns
// the error answer, or nil when the signature is good.
func (s *Server) verify(r *http.Request, body []byte) *Reply {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return ErrorReply(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	m := credentialRE.FindStringSubmatch(auth)
	if m == nil {
		return ErrorReply(http.StatusBadRequest, "IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature.")
	}
	akid, date, region, svc, signed, sig := m[1], m[2], m[3], m[4], m[5], m[6]
	secretKey, ok := s.opts.Keys[akid]
	if !ok {
		return ErrorReply(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if tok, temp := s.opts.SessionTokens[akid]; temp && r.Header.Get("X-Amz-Security-Token") != tok {
		return ErrorReply(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if region != s.opts.Region {
		return ErrorReply(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '"+region+"'.")
	}
	if svc != "sns" {
		return ErrorReply(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sns'.")
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, date) {
		return ErrorReply(http.StatusBadRequest, "IncompleteSignature", "X-Amz-Date is missing or does not match the credential scope date.")
	}
	now := time.Now()
	if s.opts.Now != nil {
		now = s.opts.Now()
	}
	if d := now.Sub(t); d > MaxSkew || d < -MaxSkew {
		return ErrorReply(http.StatusForbidden, "SignatureDoesNotMatch", "Signature expired: "+amzDate+" is now earlier or later than the allowed 15 minutes.")
	}
	names := strings.Split(signed, ";")
	if !slices.Contains(names, "host") || !slices.Contains(names, "x-amz-date") || !sort.StringsAreSorted(names) {
		return ErrorReply(http.StatusBadRequest, "IncompleteSignature", "SignedHeaders must be sorted and include host and x-amz-date.")
	}
	if r.Header.Get("X-Amz-Security-Token") != "" && !slices.Contains(names, "x-amz-security-token") {
		return ErrorReply(http.StatusBadRequest, "IncompleteSignature", "x-amz-security-token must be signed.")
	}
	var hdrs strings.Builder
	for _, n := range names {
		var v string
		if n == "host" {
			v = r.Host
		} else {
			vals := r.Header.Values(n)
			for i := range vals {
				vals[i] = strings.Join(strings.Fields(vals[i]), " ")
			}
			v = strings.Join(vals, ",")
		}
		hdrs.WriteString(n + ":" + v + "\n")
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	bodySum := sha256.Sum256(body)
	canonical := r.Method + "\n" + path + "\n" + query(r.URL.Query()) + "\n" + hdrs.String() + "\n" + signed + "\n" + hex.EncodeToString(bodySum[:])
	crSum := sha256.Sum256([]byte(canonical))
	scope := date + "/" + region + "/" + svc + "/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crSum[:])
	key := []byte("AWS4" + secretKey)
	for _, part := range []string{date, region, svc, "aws4_request"} {
		key = mac(key, part)
	}
	want := hex.EncodeToString(mac(key, sts))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return ErrorReply(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

func mac(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// query is the canonical query string: pairs sorted, RFC 3986 encoding.
func query(v url.Values) string {
	var pairs []string
	for k, vs := range v {
		for _, x := range vs {
			pairs = append(pairs, enc(k)+"="+enc(x))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

func enc(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%7E", "~")
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func (s *Server) publish(w http.ResponseWriter, form url.Values) {
	topic, target, phone := form.Get("TopicArn"), form.Get("TargetArn"), form.Get("PhoneNumber")
	n := 0
	for _, x := range []string{topic, target, phone} {
		if x != "" {
			n++
		}
	}
	switch {
	case n != 1:
		write(w, ErrorReply(http.StatusBadRequest, "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: exactly one of TopicArn, TargetArn and PhoneNumber must be given"))
		return
	case strings.TrimSpace(form.Get("Message")) == "":
		write(w, ErrorReply(http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Empty message"))
		return
	case target != "":
		write(w, ErrorReply(http.StatusNotFound, "NotFound", "Endpoint does not exist"))
		return
	case topic != "" && !s.hasTopic(topic):
		write(w, ErrorReply(http.StatusNotFound, "NotFound", "Topic does not exist"))
		return
	case phone != "" && !e164.MatchString(phone):
		write(w, ErrorReply(http.StatusBadRequest, "InvalidParameter", "Invalid parameter: PhoneNumber Reason: "+phone+" is not valid to publish to"))
		return
	case phone != "" && slices.Contains(s.opts.OptedOut, phone):
		write(w, ErrorReply(http.StatusBadRequest, "OptedOut", "Phone number is opted out"))
		return
	}
	attrs := map[string]string{}
	for i := 1; ; i++ {
		p := fmt.Sprintf("MessageAttributes.entry.%d.", i)
		name := form.Get(p + "Name")
		if name == "" {
			break
		}
		if form.Get(p+"Value.DataType") != "String" {
			write(w, ErrorReply(http.StatusBadRequest, "ParameterValueInvalid", "The message attribute '"+name+"' must contain non-empty message attribute value for message attribute type 'String'."))
			return
		}
		attrs[name] = form.Get(p + "Value.StringValue")
	}
	if t := attrs["AWS.SNS.SMS.SMSType"]; t != "" && t != "Transactional" && t != "Promotional" {
		write(w, ErrorReply(http.StatusBadRequest, "ParameterValueInvalid", "Invalid attribute value for AWS.SNS.SMS.SMSType"))
		return
	}
	s.mu.Lock()
	s.n++
	id := fmt.Sprintf("5a1e5c3f-0000-4000-8000-%012d", s.n)
	s.pubs = append(s.pubs, Published{MessageID: id, TopicArn: topic, PhoneNumber: phone, Message: form.Get("Message"), Attributes: attrs})
	reqID := s.requestID()
	s.mu.Unlock()
	writeXML(w, `<PublishResponse xmlns="`+namespace+`"><PublishResult><MessageId>`+id+`</MessageId></PublishResult>`+
		`<ResponseMetadata><RequestId>`+reqID+`</RequestId></ResponseMetadata></PublishResponse>`)
}

func (s *Server) hasTopic(arn string) bool {
	_, ok := s.topic(arn)
	return ok
}

func (s *Server) topic(arn string) (Topic, bool) {
	for _, t := range s.opts.Topics {
		if s.TopicArn(t.Name) == arn {
			return t, true
		}
	}
	return Topic{}, false
}

func (s *Server) topicAttributes(w http.ResponseWriter, form url.Values) {
	arn := form.Get("TopicArn")
	t, ok := s.topic(arn)
	if !ok {
		write(w, ErrorReply(http.StatusNotFound, "NotFound", "Topic does not exist"))
		return
	}
	attrs := map[string]string{
		"TopicArn": arn, "Owner": DefaultAccount, "DisplayName": t.DisplayName,
		"SubscriptionsConfirmed": fmt.Sprint(t.SubscriptionsConfirmed), "SubscriptionsPending": "0",
	}
	s.mu.Lock()
	reqID := s.requestID()
	s.mu.Unlock()
	writeXML(w, `<GetTopicAttributesResponse xmlns="`+namespace+`"><GetTopicAttributesResult><Attributes>`+entries(attrs)+
		`</Attributes></GetTopicAttributesResult><ResponseMetadata><RequestId>`+reqID+`</RequestId></ResponseMetadata></GetTopicAttributesResponse>`)
}

func (s *Server) smsAttributes(w http.ResponseWriter) {
	s.mu.Lock()
	reqID := s.requestID()
	s.mu.Unlock()
	writeXML(w, `<GetSMSAttributesResponse xmlns="`+namespace+`"><GetSMSAttributesResult><attributes>`+entries(s.opts.SMSAttributes)+
		`</attributes></GetSMSAttributesResult><ResponseMetadata><RequestId>`+reqID+`</RequestId></ResponseMetadata></GetSMSAttributesResponse>`)
}

// requestID returns the next deterministic request id; s.mu must be held.
func (s *Server) requestID() string {
	s.n++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.n)
}

func entries(m map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString("<entry><key>" + esc(k) + "</key><value>" + esc(m[k]) + "</value></entry>")
	}
	return b.String()
}

func writeXML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, xml.Header+body) // the client may have gone away
}

func write(w http.ResponseWriter, rep *Reply) {
	for k, vs := range rep.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, rep.Body) // the client may have gone away
}
