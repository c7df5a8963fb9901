package awssnsfake_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"ihub/internal/provider/awssns"
	"ihub/internal/provider/awssns/awssnsfake"
	"ihub/internal/provider/providertest"
)

func TestSignatureVerification(t *testing.T) {
	t.Parallel()
	s := awssnsfake.New(awssnsfake.Options{})
	t.Cleanup(s.Close)
	cred := awssns.Credentials{AccessKeyID: awssnsfake.DefaultAccessKeyID, SecretAccessKey: awssnsfake.DefaultSecretAccessKey}
	const body = "Action=GetSMSAttributes&Version=2010-03-31"
	tests := []struct {
		name       string
		sign       bool
		cred       awssns.Credentials
		region     string
		at         time.Time
		sentBody   string
		wantStatus int
		wantCode   string
	}{
		{"signed", true, cred, "us-east-1", time.Now(), body, 200, "GetSMSAttributesResponse"},
		{"unsigned", false, cred, "us-east-1", time.Now(), body, 403, "MissingAuthenticationToken"},
		{"body changed after signing", true, cred, "us-east-1", time.Now(), body + "&x=1", 403, "SignatureDoesNotMatch"},
		{"unknown key", true, awssns.Credentials{AccessKeyID: "AKIAUNKNOWN000000000", SecretAccessKey: "x"}, "us-east-1", time.Now(), body, 403, "InvalidClientTokenId"},
		{"other region", true, cred, "eu-west-1", time.Now(), body, 403, "SignatureDoesNotMatch"},
		{"stale date", true, cred, "us-east-1", time.Now().Add(-time.Hour), body, 403, "Signature expired"},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/", strings.NewReader(tt.sentBody))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		if tt.sign {
			awssns.Sign(req, []byte(body), tt.cred, tt.region, "sns", tt.at)
		}
		resp, err := providertest.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantCode) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, resp.StatusCode, b, tt.wantStatus, tt.wantCode)
		}
	}
}
