package providertest

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"ihub/internal/provider"
)

// WebhookSchemes are the inbound verification scheme ids a descriptor may
// name (providers.md Part B). The webhook gateway implements them.
var WebhookSchemes = []string{
	"github", "gitlab_token", "slack", "standard_webhooks", "stripe", "bitbucket", "discord_ed25519",
	"twilio", "terraform", "whmcs", "netcash", "didit", "zoho_sign", "zoho_payments", "header_token", "query_token",
	"body_token", "basic_auth", "hmac", "none",
}

// credentialWord matches the last camelCase word of keys that name a
// credential: ...Token, ...Secret, ...Password, ...Key.
var credentialWord = regexp.MustCompile(`(Token|Secret|Password|Key|^token|^secret|^password|^key)$`)

// notCredentials are keys that end like a credential but are not one.
var notCredentials = []string{"publicKey"}

var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// Lint checks a descriptor against the house rules that ValidateDescriptor
// does not enforce because they are about quality, not safety of the API:
//
//   - a description is set, and DocsURL (empty only for generic providers
//     that have no vendor) is an https URL;
//   - every field has a label and help text telling the user where to find
//     the value; sensitive fields are of type secret, secret fields are
//     sensitive, and keys that name a credential (…Token, …Secret,
//     …Password, …Key) are sensitive;
//   - usernames: UsernameHelp is set exactly when the username is used;
//   - base URLs: a default only when the base URL is optional, and it is an
//     absolute https URL without a trailing slash;
//   - capabilities are not repeated; webhook specs name a known scheme and
//     valid header names; OAuth URLs are https.
//
// It returns every problem found.
func Lint(d provider.Descriptor) []error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("provider %s: "+format, append([]any{d.ID}, args...)...))
	}
	if strings.TrimSpace(d.Description) == "" {
		add("description is empty")
	}
	if d.DocsURL != "" && !isHTTPS(d.DocsURL) {
		add("docs URL %q must be an absolute https URL", d.DocsURL)
	}
	switch {
	case d.Username == provider.UsageNone && d.UsernameHelp != "":
		add("username help is set but the username is not used")
	case d.Username != provider.UsageNone && strings.TrimSpace(d.UsernameHelp) == "":
		add("the username is used but has no help text")
	}
	switch {
	case d.BaseURL != provider.UsageOptional && d.DefaultBaseURL != "":
		add("a default base URL only makes sense when the base URL is optional")
	case d.DefaultBaseURL != "" && (!isHTTPS(d.DefaultBaseURL) || strings.HasSuffix(d.DefaultBaseURL, "/")):
		add("default base URL %q must be an https URL without a trailing slash", d.DefaultBaseURL)
	}
	if d.DefaultPort < 0 || d.DefaultPort > 65535 {
		add("default port %d is out of range", d.DefaultPort)
	}
	if len(d.Capabilities) == 0 {
		add("no capabilities")
	}
	for i, c := range d.Capabilities {
		if slices.Contains(d.Capabilities[:i], c) {
			add("capability %q is listed twice", c)
		}
	}
	for _, f := range d.Fields {
		if strings.TrimSpace(f.Help) == "" {
			add("field %s has no help text", f.Key)
		}
		if f.Sensitive && f.Type != provider.FieldSecret {
			add("sensitive field %s must be of type secret, not %s", f.Key, f.Type)
		}
		if !f.Sensitive && credentialWord.MatchString(f.Key) && !slices.Contains(notCredentials, f.Key) {
			add("field %s looks like a credential but is not sensitive", f.Key)
		}
		if f.Type == provider.FieldEnum && f.Default != nil && !slices.Contains(f.Options, fmt.Sprint(f.Default)) {
			add("enum field %s default %v is not an option", f.Key, f.Default)
		}
	}
	if w := d.Webhook; w != nil {
		if !slices.Contains(WebhookSchemes, w.Scheme) {
			add("unknown webhook scheme %q", w.Scheme)
		}
		for _, h := range []string{w.DeliveryIDHeader, w.EventHeader} {
			if h != "" && !headerName.MatchString(h) {
				add("webhook header %q is not a valid header name", h)
			}
		}
	}
	if o := d.OAuth; o != nil {
		for _, u := range []string{o.AuthURL, o.TokenURL} {
			if !isHTTPS(u) {
				add("OAuth URL %q must be an absolute https URL", u)
			}
		}
		if o.RevokeURL != "" && !isHTTPS(o.RevokeURL) {
			add("OAuth revoke URL %q must be an absolute https URL", o.RevokeURL)
		}
		if len(o.Scopes) == 0 {
			add("OAuth spec has no scopes")
		}
	}
	return errs
}

func isHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}
