package smtp_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/smtp"
	"ihub/internal/provider/smtp/smtpfake"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts smtpfake.Options) *smtpfake.Server {
	t.Helper()
	s := smtpfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

// conn configures host, port and TLS mode for f, with user and password.
func conn(host string, port int, mode, user, pass string) provider.Connection {
	c := provider.Connection{
		IntegrationID: "int_smtp",
		Username:      user,
		Settings: map[string]any{
			smtp.FieldHost: host, smtp.FieldPort: float64(port), smtp.FieldTLSMode: mode,
			smtp.FieldFrom: "ihub <alerts@example.com>", smtp.FieldHeloName: "ihub.example.test",
		},
	}
	if pass != "" {
		c.Credentials = providertest.Creds(smtp.FieldPassword, pass)
	}
	return c
}

func fconn(f *smtpfake.Server, mode string) provider.Connection {
	return conn(f.Host(), f.Port(), mode, smtpfake.DefaultUser, smtpfake.DefaultPassword)
}

func trust(fakes ...*smtpfake.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, f := range fakes {
		pool.AddCert(f.Certificate())
	}
	return pool
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	if got := smtp.New().Descriptor().ID; got != smtp.ID {
		t.Errorf("smtp.ID = %q, want the descriptor's id %q", smtp.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	starttls := fake(t, smtpfake.Options{})
	implicit := fake(t, smtpfake.Options{Mode: smtpfake.ModeTLS})
	plain := fake(t, smtpfake.Options{Mode: smtpfake.ModePlain})
	relay := fake(t, smtpfake.Options{Mode: smtpfake.ModePlain, NoAuth: true})
	hang := fake(t, smtpfake.Options{Hang: true})
	p := &smtp.Provider{RootCAs: trust(starttls, implicit)}

	var dials atomic.Int32
	viaDial := fconn(starttls, smtp.TLSStartTLS)
	viaDial.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	refused := fconn(starttls, smtp.TLSStartTLS)
	refused.Dial = func(context.Context, string, string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("refused by the egress policy")}
	}

	providertest.Run(t, p,
		providertest.CheckerCase{Name: "starttls", Conn: fconn(starttls, smtp.TLSStartTLS),
			Want: providertest.Want{OK: true, Contains: "with STARTTLS (TLS 1.3), authenticated as " + smtpfake.DefaultUser,
				Details: []string{"server", "tlsMode", "tlsVersion", "authMechanisms", "authenticated", "user", "extensions"}}},
		providertest.CheckerCase{Name: "implicit tls", Conn: fconn(implicit, smtp.TLSImplicit),
			Want: providertest.Want{OK: true, Contains: "over TLS (TLS 1.3), authenticated"}},
		providertest.CheckerCase{Name: "through Connection.Dial", Conn: viaDial,
			Want: providertest.Want{OK: true}},
		providertest.CheckerCase{Name: "relay without auth", Conn: conn(relay.Host(), relay.Port(), smtp.TLSNone, "", ""),
			Want: providertest.Want{OK: true, Contains: "without TLS, no authentication"}},
		providertest.CheckerCase{Name: "wrong password", Conn: conn(starttls.Host(), starttls.Port(), smtp.TLSStartTLS, smtpfake.DefaultUser, "wrong-password-0123"),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "535 5.7.8"}},
		providertest.CheckerCase{Name: "unknown user", Conn: conn(implicit.Host(), implicit.Port(), smtp.TLSImplicit, "nobody@example.com", smtpfake.DefaultPassword),
			Want: providertest.Want{Kind: provider.ErrAuth}},
		providertest.CheckerCase{Name: "no STARTTLS offered", Conn: fconn(plain, smtp.TLSStartTLS),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "does not offer STARTTLS"}},
		providertest.CheckerCase{Name: "tls against a starttls port", Conn: fconn(starttls, smtp.TLSImplicit),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "TLS handshake"}},
		providertest.CheckerCase{Name: "password without TLS is refused", Conn: fconn(plain, smtp.TLSNone),
			Want: providertest.Want{Kind: provider.ErrInvalid}},
		providertest.CheckerCase{Name: "no host", Conn: conn("", 587, "", "", ""),
			Want: providertest.Want{Kind: provider.ErrInvalid}},
		providertest.CheckerCase{Name: "host with scheme", Conn: conn("smtp://mail.example.com", 587, "", "", ""),
			Want: providertest.Want{Kind: provider.ErrInvalid}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn("127.0.0.1", 1, smtp.TLSStartTLS, smtpfake.DefaultUser, smtpfake.DefaultPassword),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "refused by the dialer", Conn: refused,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "refused by the egress policy"}},
		providertest.CheckerCase{Name: "never greets (timeout)", Conn: fconn(hang, smtp.TLSStartTLS), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "never greets (cancel)", Conn: fconn(hang, smtp.TLSImplicit), CancelAfter: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
	)
	t.Cleanup(func() {
		if dials.Load() == 0 {
			t.Errorf("Connection.Dial was never used")
		}
		if n := len(starttls.Messages()) + len(implicit.Messages()); n != 0 {
			t.Errorf("the connection tests sent %d messages, want none", n)
		}
	})
}

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, smtpfake.Options{})
	wrong := conn(f.Host(), f.Port(), smtp.TLSStartTLS, smtpfake.DefaultUser, "wrong-password-0123")
	badFrom, noFrom := fconn(f, smtp.TLSStartTLS), fconn(f, smtp.TLSStartTLS)
	badFrom.Settings[smtp.FieldFrom] = "alerts"
	delete(noFrom.Settings, smtp.FieldFrom)
	providertest.Actions{
		Provider: &smtp.Provider{RootCAs: f.RootCAs()},
		Conn:     func(string) provider.Connection { return fconn(f, smtp.TLSStartTLS) },
		NoHTTP:   true,
		Cases: []providertest.ActionCase{
			{Name: "send", Action: "send_email",
				Input: `{"to":["ops@example.net"],"subject":"Disk full","text":"server1 is at 99%"}`,
				Want:  providertest.Want{OK: true, Contains: `"recipients":1`}},
			{Name: "send html and text with cc", Action: "send_email",
				Input: `{"from":"Billing <billing@example.com>","to":["a@example.net"],"cc":["b@example.net"],"replyTo":"r@example.com","subject":"Invoice","text":"hi","html":"<p>hi</p>"}`,
				Want:  providertest.Want{OK: true, Contains: `"recipients":2`}},
			{Name: "rejected recipient", Action: "send_email",
				Input: `{"to":["nobody@` + smtpfake.RejectDomain + `"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Kind: provider.ErrProvider, Contains: "550"}},
			{Name: "wrong password", Action: "send_email", Conn: &wrong,
				Input: `{"to":["a@example.net"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Kind: provider.ErrAuth, Contains: "535"}},
			{Name: "no body", Action: "send_email", Input: `{"to":["a@example.net"],"subject":"s"}`,
				Want: providertest.Want{Input: true, Field: "text"}},
			{Name: "bad recipient", Action: "send_email", Input: `{"to":["not an address"],"subject":"s","text":"t"}`,
				Want: providertest.Want{Input: true, Field: "to[0]"}},
			{Name: "bad second recipient", Action: "send_email", Input: `{"to":["a@example.net","b@"],"subject":"s","text":"t"}`,
				Want: providertest.Want{Input: true, Field: "to[1]"}},
			{Name: "bad cc", Action: "send_email", Input: `{"to":["a@example.net"],"cc":["x"],"subject":"s","text":"t"}`,
				Want: providertest.Want{Input: true, Field: "cc[0]"}},
			{Name: "bad bcc", Action: "send_email", Input: `{"to":["a@example.net"],"bcc":["a@example.net","<>"],"subject":"s","text":"t"}`,
				Want: providertest.Want{Input: true, Field: "bcc[1]"}},
			{Name: "no recipient", Action: "send_email", Input: `{"to":[],"subject":"s","text":"t"}`,
				Want: providertest.Want{Input: true, Field: "to"}},
			{Name: "subject on two lines", Action: "send_email", Input: `{"to":["a@example.net"],"subject":"a\r\nBcc: x@example.org","text":"t"}`,
				Want: providertest.Want{Input: true, Field: "subject"}},
			{Name: "bad sender", Action: "send_email", Input: `{"from":"billing","to":["a@example.net"],"subject":"s","text":"t"}`,
				Want: providertest.Want{Input: true, Field: "from"}},
			{Name: "bad reply-to", Action: "send_email", Input: `{"to":["a@example.net"],"replyTo":"r@","subject":"s","text":"t"}`,
				Want: providertest.Want{Input: true, Field: "replyTo"}},
			{Name: "bad From setting", Action: "send_email", Conn: &badFrom,
				Input: `{"to":["a@example.net"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Kind: provider.ErrInvalid, Contains: "From address"}},
			{Name: "no sender", Action: "send_email", Conn: &noFrom,
				Input: `{"to":["a@example.net"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Kind: provider.ErrInvalid, Contains: "no sender"}},
		},
	}.Run(t)
}

func TestSendDelivers(t *testing.T) {
	t.Parallel()
	f := fake(t, smtpfake.Options{Mode: smtpfake.ModeTLS})
	p := &smtp.Provider{RootCAs: f.RootCAs()}
	cl, err := p.NewClient(nil, fconn(f, smtp.TLSImplicit))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := provider.FindAction(p, "send_email")
	out, err := a.Run(t.Context(), cl, []byte(`{"to":["ops@example.net"],"bcc":["audit@example.net"],"subject":"Disk full","text":"server1 is at 99%"}`))
	if err != nil {
		t.Fatal(err)
	}
	id := out.(smtp.SendEmailOutput).MessageID
	if id == "" || strings.ContainsAny(id, "<>") {
		t.Errorf("MessageID = %q, want an id without angle brackets", id)
	}
	got := f.Messages()
	want := []smtpfake.Message{{From: "alerts@example.com", To: []string{"ops@example.net", "audit@example.net"}, Subject: "Disk full"}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(smtpfake.Message{}, "Data")); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if len(got) == 1 {
		for _, s := range []string{"Message-ID: <" + id + ">", "server1 is at 99%", "To: <ops@example.net>"} {
			if !strings.Contains(got[0].Data, s) {
				t.Errorf("message data lacks %q:\n%s", s, got[0].Data)
			}
		}
		if strings.Contains(got[0].Data, "audit@example.net") {
			t.Errorf("the Bcc address appears in the message data")
		}
	}
}

func TestUntrustedCertificate(t *testing.T) {
	t.Parallel()
	f := fake(t, smtpfake.Options{})
	_, err := smtp.New().Test(t.Context(), nil, fconn(f, smtp.TLSStartTLS))
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrTransport || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Test against a self-signed server = %v, want a transport error about the certificate", err)
	}
	if strings.Contains(err.Error(), smtpfake.DefaultPassword) {
		t.Errorf("error %q contains the password", err)
	}
}

func TestConfigFrom(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		port any
		want int
	}{{nil, 587}, {float64(465), 465}, {int64(25), 25}, {2525, 2525}, {"587", 587}, {"x", 0}, {1.5, 0}} {
		c := provider.Connection{Settings: map[string]any{smtp.FieldPort: tc.port}}
		if tc.port == nil {
			c.Settings = nil
		}
		if got := smtp.ConfigFrom(c).Port; got != tc.want {
			t.Errorf("ConfigFrom(port %#v).Port = %d, want %d", tc.port, got, tc.want)
		}
	}
	_, err := smtp.NewClient(smtp.Config{Host: "smtp.example.com", Port: 465, Username: "u", Password: secret.NewValue("p")}, nil, nil)
	if err != nil {
		t.Errorf("NewClient on 465 without a TLS mode: %v", err)
	}
}
