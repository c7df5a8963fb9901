// Package smtp is the adapter for sending email through an SMTP submission
// server (providers.md A18). The connection test connects, negotiates TLS,
// says EHLO and authenticates, and never sends a message.
//
// Base URL convention: none — SMTP is not HTTP; host, port and TLS mode are
// settings.
package smtp

import "ihub/internal/provider"

// ID is the provider id.
const ID = "smtp"

// Provider is the SMTP adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

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
				Key: "host", Label: "Server", Type: provider.FieldString, Required: true,
				Help:        "The SMTP server's host name, e.g. smtp.example.com (smtp.office365.com, smtp.gmail.com).",
				Placeholder: "smtp.example.com",
			},
			{
				Key: "port", Label: "Port", Type: provider.FieldInteger, Required: true, Default: 587,
				Help: "587 for submission with STARTTLS (recommended), 465 for implicit TLS, 25 only for a relay " +
					"(often blocked by cloud providers).",
			},
			{
				Key: "tlsMode", Label: "TLS", Type: provider.FieldEnum, Required: true,
				Options: []string{"starttls", "tls", "none"}, Default: "starttls",
				Help: "starttls: connect in plain text and upgrade with STARTTLS (port 587; fails if the server " +
					"does not offer it); tls: TLS from the first byte (port 465); none: no encryption — only " +
					"for a relay on a trusted network, and the password is never sent without TLS.",
			},
			{
				Key: "password", Label: "Password", Type: provider.FieldSecret, Sensitive: true,
				Help: "The password for SMTP AUTH. Microsoft 365 and Google need SMTP AUTH enabled for the " +
					"mailbox and usually an app password.",
			},
			{
				Key: "from", Label: "From address", Type: provider.FieldEmail, Required: true,
				Help: "Sender of ihub's email, e.g. ihub <alerts@example.com>; the server must allow the user to send as it.",
			},
			{
				Key: "heloName", Label: "EHLO name", Type: provider.FieldString,
				Help: "Optional name ihub announces in EHLO; empty uses the machine's host name.",
			},
		},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapNotify, provider.CapActions},
		DocsURL:      "https://www.rfc-editor.org/rfc/rfc6409",
	}
}
