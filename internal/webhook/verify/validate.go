package verify

import (
	"crypto/ed25519"
	"encoding/hex"
	"slices"
	"strconv"
)

// Validate reports a configuration that Verify cannot use: an unknown or
// empty scheme, no secret or an empty one, a secret of the wrong form for
// the scheme (standard_webhooks "whsec_<base64>", discord_ed25519 hex
// public key), a negative tolerance, header_token without HeaderName,
// query_token without a valid QueryParam, body_token without a valid
// BodyField, or an incomplete generic hmac setup. The error is a *Error of
// KindConfig.
func Validate(c Config) error {
	if c.Scheme == "" {
		return fail(KindConfig, "no verification scheme configured")
	}
	if !slices.Contains(Schemes(), c.Scheme) {
		return fail(KindConfig, "unknown verification scheme "+strconv.Quote(c.Scheme))
	}
	if c.Tolerance < 0 {
		return fail(KindConfig, "negative timestamp tolerance")
	}
	if c.Scheme == SchemeNone {
		return nil
	}
	if len(c.Secrets) == 0 {
		return fail(KindConfig, "no secret configured")
	}
	for i, s := range c.Secrets {
		if len(s) == 0 {
			return fail(KindConfig, "secret "+strconv.Itoa(i+1)+" is empty")
		}
		switch c.Scheme {
		case SchemeStandardWebhooks:
			if _, ok := standardWebhookKey(s); !ok {
				return fail(KindConfig, "secret "+strconv.Itoa(i+1)+" is not a whsec_ base64 secret")
			}
		case SchemeDiscordEd25519:
			if !usableDiscordKey(s) {
				return fail(KindConfig, "secret "+strconv.Itoa(i+1)+" is not a usable hex Ed25519 public key (64 hex digits of a point of the curve, not of small order)")
			}
		}
	}
	switch c.Scheme {
	case SchemeHeaderToken:
		if !validHeaderName(c.HeaderName) {
			return badSetting("headerName", "header_token needs a valid header name")
		}
	case SchemeQueryToken:
		if !validTokenName(c.QueryParam, true) {
			return badSetting("param", "query_token needs a URL parameter name of 1 to 100 letters, digits, '-', '_', '.' or '~'")
		}
	case SchemeBodyToken:
		if !validTokenName(c.BodyField, false) {
			return badSetting("field", "body_token needs a top-level JSON field name of 1 to 100 letters, digits, '-' or '_'")
		}
	case SchemeHMAC:
		return validateHMAC(c.HMAC)
	}
	return nil
}

func validateHMAC(h HMACConfig) error {
	switch {
	case !validHeaderName(h.Header):
		return badSetting("header", "hmac needs a valid signature header name")
	case hmacHash(h.Algorithm) == nil:
		return badSetting("algorithm", "hmac algorithm must be sha1, sha256 or sha512")
	case h.Encoding != "" && h.Encoding != EncodingHex && h.Encoding != EncodingBase64:
		return badSetting("encoding", "hmac encoding must be hex or base64")
	case h.Signed != "" && h.Signed != SignedBody && h.Signed != SignedTimestampBody:
		return badSetting("signed", "hmac signed content must be body or timestamp.body")
	case h.Signed == SignedTimestampBody && !validHeaderName(h.TimestampHeader):
		return badSetting("timestampHeader", "hmac over timestamp.body needs a valid timestamp header name")
	case h.DeliveryIDHeader != "" && !validHeaderName(h.DeliveryIDHeader):
		return badSetting("deliveryIdHeader", "hmac delivery id header name is invalid")
	}
	return nil
}

// badSetting is a configuration error naming the endpoint setting at fault.
func badSetting(setting, reason string) error {
	return &Error{Kind: KindConfig, Reason: reason, Setting: setting}
}

// validHeaderName reports whether s is a non-empty RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c < 0x80 && slices.Contains([]byte("!#$%&'*+-.^_`|~"), c):
		default:
			return false
		}
	}
	return true
}

// SecretProblem says what is wrong with a secret typed in for scheme, or ""
// when the scheme can use it: standard_webhooks needs base64 (Svix and
// Resend show it as "whsec_<base64>"), discord_ed25519 the application's
// public key as 64 hex digits.
func SecretProblem(scheme, secret string) string {
	switch scheme {
	case SchemeStandardWebhooks:
		if _, ok := standardWebhookKey([]byte(secret)); !ok {
			return "must be the whsec_<base64> signing secret the provider shows"
		}
	case SchemeDiscordEd25519:
		if k, err := hex.DecodeString(secret); err != nil || len(k) != ed25519.PublicKeySize {
			return "must be the Discord application's public key: 64 hexadecimal digits"
		}
		if !usableDiscordKey([]byte(secret)) {
			return "is not a usable Ed25519 public key (not a point of the curve, or of small order); copy the application's public key again"
		}
	}
	return ""
}

// PlaceholderSecret is a well-formed secret for scheme, for checking an
// endpoint's other settings without its real secret.
func PlaceholderSecret(scheme string) []byte {
	switch scheme {
	case SchemeStandardWebhooks:
		return []byte("whsec_cGxhY2Vob2xkZXItc2VjcmV0LWZvci12YWxpZGF0aW9u")
	case SchemeDiscordEd25519:
		// RFC 8032's first test key: any valid point will do.
		return []byte("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
	}
	return []byte("placeholder-secret-for-validation")
}
