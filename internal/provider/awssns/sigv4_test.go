package awssns_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"ihub/internal/provider/awssns"
)

// TestSignAWSExample signs AWS's published "GET example" of the SigV4
// documentation (IAM ListUsers, 2015-08-30; providers.md D1 #6) and checks
// every intermediate value and the final header exactly.
func TestSignAWSExample(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodGet, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	cred := awssns.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	sig := awssns.Sign(req, nil, cred, "us-east-1", "iam", time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC))

	wantCanonical := "GET\n/\nAction=ListUsers&Version=2010-05-08\n" +
		"content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
		"content-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if sig.CanonicalRequest != wantCanonical {
		t.Errorf("canonical request =\n%s\nwant\n%s", sig.CanonicalRequest, wantCanonical)
	}
	sum := sha256.Sum256([]byte(sig.CanonicalRequest))
	if got, want := hex.EncodeToString(sum[:]), "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"; got != want {
		t.Errorf("canonical request hash = %s, want %s", got, want)
	}
	wantSTS := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n" +
		"f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
	if sig.StringToSign != wantSTS {
		t.Errorf("string to sign =\n%s\nwant\n%s", sig.StringToSign, wantSTS)
	}
	key := awssns.SigningKey(cred.SecretAccessKey, "20150830", "us-east-1", "iam")
	if got, want := hex.EncodeToString(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"; got != want {
		t.Errorf("signing key = %s, want %s", got, want)
	}
	if got, want := sig.Signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
	wantAuth := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
		"SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	if got := req.Header.Get("Authorization"); got != wantAuth {
		t.Errorf("Authorization = %q, want %q", got, wantAuth)
	}
	if got := req.Header.Get("X-Amz-Date"); got != "20150830T123600Z" {
		t.Errorf("X-Amz-Date = %q, want 20150830T123600Z", got)
	}
}

func TestSignSessionTokenIsSigned(t *testing.T) {
	t.Parallel()
	req, err := http.NewRequest(http.MethodPost, "https://sns.eu-west-1.amazonaws.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	cred := awssns.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "FwoGZXIvYXdzEXAMPLE"}
	sig := awssns.Sign(req, []byte("Action=GetSMSAttributes&Version=2010-03-31"), cred, "eu-west-1", "sns", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if got := req.Header.Get("X-Amz-Security-Token"); got != cred.SessionToken {
		t.Errorf("X-Amz-Security-Token = %q, want the session token", got)
	}
	want := "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260102/eu-west-1/sns/aws4_request, " +
		"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=" + sig.Signature
	if sig.Authorization != want {
		t.Errorf("Authorization = %q, want %q", sig.Authorization, want)
	}
}
