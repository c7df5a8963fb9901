// Package smtp is the adapter for sending email through an SMTP submission
// server (providers.md A18). The connection test connects, negotiates TLS,
// says EHLO and authenticates, and never sends a message.
//
// Base URL convention: none — SMTP is not HTTP; host, port and TLS mode are
// settings.
package smtp

import (
	"context"
	"crypto/x509"
	"math"
	"net/http"
	"strconv"
	"strings"

	"ihub/internal/provider"
)

// ID is the provider id.
const ID = "smtp"

// Field keys.
const (
	FieldHost     = "host"
	FieldPort     = "port"
	FieldTLSMode  = "tlsMode"
	FieldPassword = "password"
	FieldFrom     = "from"
	FieldHeloName = "heloName"
)

// Provider is the SMTP adapter. The zero value is ready to use and it is
// safe for concurrent use.
type Provider struct {
	// RootCAs, when set, replaces the system roots for verifying server
	// certificates (tests and the demo mode's fake server).
	RootCAs *x509.CertPool
}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
)

// New returns the SMTP provider.
func New() *Provider { return &Provider{} }

// Descriptor describes SMTP.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:          ID,
		Name:        "SMTP",
		Category:    provider.CategoryEmail,
		Description: "Send email and alerts through any SMTP submission server (your mail server, Microsoft 365, Google Workspace, an ESP's relay).",
		AuthKind:    provider.AuthSMTP,
		BaseURL:     provider.UsageNone,
		DefaultPort: 587,
		Username:    provider.UsageOptional,
		UsernameHelp: "The SMTP AUTH user name, often the full mailbox address. Leave empty for a relay that " +
			"accepts mail without authentication.",
		Fields: []provider.Field{
			{
				Key: FieldHost, Label: "Server", Type: provider.FieldString, Required: true,
				Help:        "The SMTP server's host name, e.g. smtp.example.com (smtp.office365.com, smtp.gmail.com).",
				Placeholder: "smtp.example.com",
			},
			{
				Key: FieldPort, Label: "Port", Type: provider.FieldInteger, Required: true, Default: 587,
				Minimum: new(int64(1)), Maximum: new(int64(65535)),
				Help: "587 for submission with STARTTLS (recommended), 465 for implicit TLS, 25 only for a relay " +
					"(often blocked by cloud providers).",
			},
			{
				Key: FieldTLSMode, Label: "TLS", Type: provider.FieldEnum, Required: true,
				Options: []string{"starttls", "tls", "none"}, Default: "starttls",
				Help: "starttls: connect in plain text and upgrade with STARTTLS (port 587; fails if the server " +
					"does not offer it); tls: TLS from the first byte (port 465); none: no encryption — only " +
					"for a relay on a trusted network, and the password is never sent without TLS.",
			},
			{
				Key: FieldPassword, Label: "Password", Type: provider.FieldSecret, Sensitive: true,
				Help: "The password for SMTP AUTH. Microsoft 365 and Google need SMTP AUTH enabled for the " +
					"mailbox and usually an app password.",
			},
			{
				Key: FieldFrom, Label: "From address", Type: provider.FieldEmail, Required: true,
				Help: "Sender of ihub's email, e.g. ihub <alerts@example.com>; the server must allow the user to send as it.",
			},
			{
				Key: FieldHeloName, Label: "EHLO name", Type: provider.FieldString,
				Help: "Optional name ihub announces in EHLO; empty uses the machine's host name.",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapNotify, provider.CapActions},
		DocsURL:      "https://www.rfc-editor.org/rfc/rfc6409",
		TestCall:     "connect, EHLO, STARTTLS or TLS, AUTH, QUIT (no MAIL/RCPT/DATA)",
	}
}

// ConfigFrom reads the connection's settings: host, port (default 587), TLS
// mode, the top-level username, the password credential, EHLO name and
// From address.
func ConfigFrom(c provider.Connection) Config {
	return Config{
		Host:     c.Setting(FieldHost, ""),
		Port:     port(c.Settings[FieldPort]),
		TLSMode:  c.Setting(FieldTLSMode, ""),
		Username: strings.TrimSpace(c.Username),
		Password: c.Credentials[FieldPassword],
		HeloName: c.Setting(FieldHeloName, ""),
		From:     c.Setting(FieldFrom, ""),
	}
}

// port accepts the integer forms settings arrive in (JSON numbers,
// validated int64, numeric strings); absent means 587, garbage 0 (refused
// by NewClient).
func port(v any) int {
	switch n := v.(type) {
	case nil:
		return 587
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		if n != math.Trunc(n) || n < 0 || n > 65535 {
			return 0
		}
		return int(n)
	case string:
		if strings.TrimSpace(n) == "" {
			return 587
		}
		p, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return 0
		}
		return p
	}
	return 0
}

func (p *Provider) client(c provider.Connection) (*Client, error) {
	return NewClient(ConfigFrom(c), c.Dial, p.RootCAs)
}

// NewClient returns the *Client for c (provider.ClientMaker). hc is not
// used: SMTP dials through c.Dial.
func (p *Provider) NewClient(_ *http.Client, c provider.Connection) (any, error) {
	return p.client(c)
}

// Test connects, negotiates TLS as configured, says EHLO, authenticates
// when a user name is set and says QUIT; it never sends mail. Details:
// "server", "tlsMode", "tlsVersion", "authMechanisms", "authenticated",
// "user" and "extensions".
func (p *Provider) Test(ctx context.Context, _ *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := p.client(c)
	if err != nil {
		return provider.TestResult{}, err
	}
	res, err := cl.Probe(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	cfg := cl.cfg
	msg := "Connected to " + cl.Addr()
	switch {
	case cfg.TLSMode == TLSStartTLS:
		msg += " with STARTTLS"
	case cfg.TLSMode == TLSImplicit:
		msg += " over TLS"
	default:
		msg += " without TLS"
	}
	if res.TLSVersion != "" {
		msg += " (" + res.TLSVersion + ")"
	}
	details := map[string]any{
		"server":         cl.Addr(),
		"tlsMode":        cfg.TLSMode,
		"authenticated":  res.Authenticated,
		"authMechanisms": res.AuthMechanisms,
		"extensions":     res.Extensions,
	}
	if res.TLSVersion != "" {
		details["tlsVersion"] = res.TLSVersion
	}
	if res.Authenticated {
		msg += ", authenticated as " + cfg.Username
		details["user"] = cfg.Username
	} else {
		msg += ", no authentication"
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

// SendEmailInput is the input of send_email.
type SendEmailInput struct {
	From    string   `json:"from,omitempty" doc:"Sender, e.g. ihub <alerts@example.com>; empty uses the integration's From address. The server must allow the user to send as it." maxLength:"320"`
	To      []string `json:"to" doc:"Recipient addresses." minItems:"1" maxItems:"50"`
	Cc      []string `json:"cc,omitempty" doc:"Carbon-copy addresses." maxItems:"50"`
	Bcc     []string `json:"bcc,omitempty" doc:"Blind carbon-copy addresses." maxItems:"50"`
	ReplyTo string   `json:"replyTo,omitempty" doc:"Reply-To address." maxLength:"320"`
	Subject string   `json:"subject" doc:"Subject line." minLength:"1" maxLength:"998"`
	Text    string   `json:"text,omitempty" doc:"Plain-text body. At least one of text and html is needed."`
	HTML    string   `json:"html,omitempty" doc:"HTML body; with text, the email carries both as alternatives."`
}

// SendEmailOutput is the output of send_email.
type SendEmailOutput struct {
	// MessageID is the Message-ID header of the sent email, without <>.
	MessageID string `json:"messageId"`
	// Recipients is how many addresses the server accepted.
	Recipients int `json:"recipients"`
}

// Actions lists SMTP's actions (provider.ActionRunner).
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "send_email",
			Title: "Send email",
			Description: "Sends one email through the SMTP server (connect, TLS, AUTH, MAIL FROM, RCPT TO, " +
				"DATA, QUIT) and returns its Message-ID.",
			Mutating: true,
		}, sendEmail),
	}
}

func sendEmail(ctx context.Context, c *Client, in SendEmailInput) (SendEmailOutput, error) {
	id, err := c.Send(ctx, &Message{
		From: in.From, To: in.To, Cc: in.Cc, Bcc: in.Bcc, ReplyTo: in.ReplyTo,
		Subject: in.Subject, Text: in.Text, HTML: in.HTML,
	})
	if err != nil {
		return SendEmailOutput{}, err
	}
	return SendEmailOutput{MessageID: id, Recipients: len(in.To) + len(in.Cc) + len(in.Bcc)}, nil
}
