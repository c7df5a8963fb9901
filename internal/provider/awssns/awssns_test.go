package awssns_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/awssns"
	"ihub/internal/provider/awssns/awssnsfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

const (
	akid   = awssnsfake.DefaultAccessKeyID
	secKey = awssnsfake.DefaultSecretAccessKey
)

func fake(t *testing.T, opts awssnsfake.Options) *awssnsfake.Server {
	t.Helper()
	s := awssnsfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(endpoint, topicArn, secretKey string) provider.Connection {
	settings := map[string]any{awssns.FieldRegion: "us-east-1", awssns.FieldEndpoint: endpoint}
	if topicArn != "" {
		settings[awssns.FieldTopicArn] = topicArn
	}
	return provider.Connection{
		IntegrationID: "int_sns",
		Settings:      settings,
		Credentials:   providertest.Creds(awssns.FieldAccessKeyID, akid, awssns.FieldSecretAccessKey, secretKey),
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := awssns.New()
	if got, want := p.Descriptor().ID, "aws_sns"; got != want {
		t.Errorf("awssns.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != awssns.ID {
		t.Errorf("awssns.ID = %q, want the descriptor's id %q", awssns.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ok := fake(t, awssnsfake.Options{})
	otherRegion := fake(t, awssnsfake.Options{Region: "eu-west-1"})
	temp := fake(t, awssnsfake.Options{
		Keys:          map[string]string{"ASIATEMPORARYKEY0001": "tempSecretKey0123456789"},
		SessionTokens: map[string]string{"ASIATEMPORARYKEY0001": "FwoGZXIvYXdzSESSIONTOKEN"},
	})
	skewed := fake(t, awssnsfake.Options{Now: func() time.Time { return time.Now().Add(time.Hour) }})
	throttled := fake(t, awssnsfake.Options{Fail: func(*http.Request) *awssnsfake.Reply { return awssnsfake.Throttled() }})
	limited := fake(t, awssnsfake.Options{Fail: func(*http.Request) *awssnsfake.Reply {
		r := awssnsfake.ErrorReply(http.StatusTooManyRequests, "TooManyRequests", "slow down")
		r.Header.Set("Retry-After", "5")
		return r
	}})
	hang := fake(t, awssnsfake.Options{Fail: awssnsfake.Hang})

	tempConn := conn(temp.URL(), "", "tempSecretKey0123456789")
	tempConn.Credentials = providertest.Creds(awssns.FieldAccessKeyID, "ASIATEMPORARYKEY0001",
		awssns.FieldSecretAccessKey, "tempSecretKey0123456789", awssns.FieldSessionToken, "FwoGZXIvYXdzSESSIONTOKEN")
	tempNoToken := conn(temp.URL(), "", "tempSecretKey0123456789")
	tempNoToken.Credentials = providertest.Creds(awssns.FieldAccessKeyID, "ASIATEMPORARYKEY0001",
		awssns.FieldSecretAccessKey, "tempSecretKey0123456789")
	wrongRegion := conn(otherRegion.URL(), "", secKey)

	providertest.Run(t, awssns.New(),
		providertest.CheckerCase{Name: "ok topic", Conn: conn(ok.URL(), ok.TopicArn("alerts"), secKey),
			Want: providertest.Want{OK: true, Contains: "Connected to Amazon SNS in us-east-1, topic alerts",
				Details: []string{"region", "topicArn", "displayName", "subscriptionsConfirmed", "owner"}}},
		providertest.CheckerCase{Name: "ok sms settings", Conn: conn(ok.URL(), "", secKey),
			Want: providertest.Want{OK: true, Contains: "SMS settings", Details: []string{"region", "defaultSMSType", "monthlySpendLimit"}}},
		providertest.CheckerCase{Name: "ok temporary credentials", Conn: tempConn, Want: providertest.Want{OK: true}},
		providertest.CheckerCase{Name: "session token missing", Conn: tempNoToken,
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "InvalidClientTokenId"}},
		providertest.CheckerCase{Name: "wrong secret", Conn: conn(ok.URL(), "", "WRONGwJalrXUtnFEMI/K7MDENG/bPxRfiCY"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "SignatureDoesNotMatch"}},
		providertest.CheckerCase{Name: "wrong region", Conn: wrongRegion,
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "scoped to a valid region"}},
		providertest.CheckerCase{Name: "clock skew", Conn: conn(skewed.URL(), "", secKey),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Signature expired"}},
		providertest.CheckerCase{Name: "unknown topic", Conn: conn(ok.URL(), ok.TopicArn("nope"), secKey),
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound, Contains: "Topic does not exist"}},
		providertest.CheckerCase{Name: "topic in another region", Conn: conn(ok.URL(), otherRegion.TopicArn("alerts"), secKey),
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "region eu-west-1 but the region setting is us-east-1"}},
		providertest.CheckerCase{Name: "malformed topic ARN", Conn: conn(ok.URL(), "alerts", secKey),
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "arn:aws:sns:"}},
		providertest.CheckerCase{Name: "throttled", Conn: conn(throttled.URL(), "", secKey),
			Want: providertest.Want{Kind: provider.ErrRateLimited, Contains: "Throttling"}},
		providertest.CheckerCase{Name: "429", Conn: conn(limited.URL(), "", secKey),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), "", secKey),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), "", secKey), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), "", secKey), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	ok := fake(t, awssnsfake.Options{OptedOut: []string{"+27829999999"}})
	wrong := conn(ok.URL(), "", "WRONGwJalrXUtnFEMI/K7MDENG/bPxRfiCY")
	providertest.Actions{
		Provider: awssns.New(),
		Conn:     func(baseURL string) provider.Connection { return conn(baseURL, "", secKey) },
		FakeURL:  ok.URL(),
		Cases: []providertest.ActionCase{
			{Name: "send", Action: "send_sms", Input: `{"to":"+27821234567","message":"Disk full on web1"}`,
				Want: providertest.Want{OK: true, Contains: `"messageId":"5a1e5c3f-`}},
			{Name: "send transactional with sender", Action: "send_sms",
				Input: `{"to":"+27821234568","message":"Backup failed","smsType":"Transactional","senderId":"IHUB"}`,
				Want:  providertest.Want{OK: true}},
			{Name: "opted out", Action: "send_sms", Input: `{"to":"+27829999999","message":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadRequest, Contains: "OptedOut"}},
			{Name: "invalid number", Action: "send_sms", Input: `{"to":"0821234567","message":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "InvalidParameter"}},
			{Name: "wrong secret", Action: "send_sms", Input: `{"to":"+27821234567","message":"hi"}`, Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden}},
		},
	}.Run(t)
}

func TestPublishWireFormat(t *testing.T) {
	t.Parallel()
	f := fake(t, awssnsfake.Options{})
	cl, err := awssns.NewClient(providertest.HTTPClient(), awssns.Config{
		Region: "us-east-1", Endpoint: f.URL(),
		AccessKeyID: secret.NewValue(akid), SecretAccessKey: secret.NewValue(secKey),
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := cl.Publish(t.Context(), awssns.PublishInput{PhoneNumber: "+27821234567", Message: "héllo & <ok>", SMSType: "Promotional", SenderID: "IHUB"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Publish(t.Context(), awssns.PublishInput{TopicArn: f.TopicArn("alerts"), Message: "to topic", Subject: "Alert"}); err != nil {
		t.Fatal(err)
	}
	got := f.Published()
	want := []awssnsfake.Published{
		{MessageID: out.MessageID, PhoneNumber: "+27821234567", Message: "héllo & <ok>",
			Attributes: map[string]string{"AWS.SNS.SMS.SMSType": "Promotional", "AWS.SNS.SMS.SenderID": "IHUB"}},
		{MessageID: got[1].MessageID, TopicArn: f.TopicArn("alerts"), Message: "to topic", Attributes: map[string]string{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("published mismatch (-want +got):\n%s", diff)
	}
	if out.RequestID == "" {
		t.Error("Publish() RequestID is empty")
	}
}

func TestNewClientRejects(t *testing.T) {
	t.Parallel()
	base := awssns.Config{Region: "us-east-1", AccessKeyID: secret.NewValue(akid), SecretAccessKey: secret.NewValue(secKey)}
	tests := []struct {
		name string
		mod  func(*awssns.Config)
	}{
		{"bad region", func(c *awssns.Config) { c.Region = "Europe" }},
		{"no secret", func(c *awssns.Config) { c.SecretAccessKey = secret.Value{} }},
		{"access key with space", func(c *awssns.Config) { c.AccessKeyID = secret.NewValue("AKIA EXAMPLE") }},
		{"token with newline", func(c *awssns.Config) { c.SessionToken = secret.NewValue("a\nb") }},
		{"endpoint with credentials", func(c *awssns.Config) { c.Endpoint = "https://u:p@sns.example.test" }},
		{"endpoint not http", func(c *awssns.Config) { c.Endpoint = "ftp://sns.example.test" }},
	}
	for _, tt := range tests {
		cfg := base
		tt.mod(&cfg)
		_, err := awssns.NewClient(providertest.HTTPClient(), cfg)
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want kind invalid", tt.name, err)
		}
	}
}

func TestDefaultEndpoint(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"af-south-1": "https://sns.af-south-1.amazonaws.com",
		"cn-north-1": "https://sns.cn-north-1.amazonaws.com.cn",
	} {
		if got := awssns.DefaultEndpoint(region); got != want {
			t.Errorf("DefaultEndpoint(%q) = %q, want %q", region, got, want)
		}
	}
}
