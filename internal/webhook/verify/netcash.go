package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// NetCash Pay Now postbacks carry no signature (providers.md B11), so ihub
// makes one of its own: when it creates a payment it sends NetcashExtra3's
// token as m6, which NetCash echoes back as Extra3 on the postback.
//
// What the netcash scheme verifies: the postback names a Reference and an
// Amount that ihub itself signed with one of the secrets (neither was
// altered nor invented). What it cannot verify: that NetCash sent the
// postback, nor its outcome fields (TransactionAccepted, Reason, Method,
// RequestTrace), because the token travels through the payer's browser in
// the payment form and anyone who saw it can replay it with another
// outcome. Treat an accepted postback as authentic as to which payment it
// concerns, confirm the outcome out of band (or at least restrict the
// endpoint to NetCash's addresses). The delivery id is left to the
// normalizer: RequestTrace with the outcome, as a pending EFT payment posts
// again with the same trace when it settles, and RequestTrace alone would
// drop the settlement as a duplicate of the pending postback.

// netcashTokenLen is the length of the Extra3 token: 24 bytes of
// HMAC-SHA256, URL-safe base64 without padding (32 characters, within the
// field's limit [?]).
const netcashTokenLen = 24

// NetcashExtra3 returns the token ihub sends as m6 (Extra3) for a payment
// with reference (p2) and amount (p4, such as "100.00"): base64url of the
// first 24 bytes of HMAC-SHA256(secret, "ihub-netcash-v1\n{reference}\n{cents}").
func NetcashExtra3(secret []byte, reference, amount string) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("netcash: empty secret")
	}
	if reference == "" {
		return "", errors.New("netcash: empty reference")
	}
	cents, ok := amountCents(amount)
	if !ok {
		return "", errors.New("netcash: amount is not a decimal number of rands")
	}
	return base64.RawURLEncoding.EncodeToString(netcashMAC(secret, reference, cents)), nil
}

func netcashMAC(secret []byte, reference string, cents int64) []byte {
	return macOf(sha256.New, secret, []byte("ihub-netcash-v1\n"+reference+"\n"+strconv.FormatInt(cents, 10)))[:netcashTokenLen]
}

// amountCents parses "123", "123.4" or "123.45" (more decimals only if
// zero) into cents.
func amountCents(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 15 || !allDigits(whole) || !allDigits(frac) {
		return 0, false
	}
	if len(frac) > 2 {
		if strings.Trim(frac[2:], "0") != "" {
			return 0, false
		}
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	return n, err == nil
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// netcash: the postback's Extra3 must be NetcashExtra3 of its Reference and
// Amount under one of the secrets. Fields are read from the form body, or
// from the query when the body is empty.
func (v *verifier) netcash() (Result, error) {
	raw := string(v.r.Body)
	if strings.TrimSpace(raw) == "" {
		if u, err := url.Parse(v.r.URL); err == nil {
			raw = u.RawQuery
		}
	}
	// A postback is a form. A body that reads as JSON would be read as
	// JSON by the normalizer too, which would then take the event's
	// Reference and Amount from the JSON, not from the form fields the
	// token was checked against (hidden in a JSON string): a token for one
	// cheap payment would vouch for any other.
	if t := strings.TrimLeftFunc(raw, func(r rune) bool { return r == '\ufeff' || unicode.IsSpace(r) }); t != "" && (t[0] == '{' || t[0] == '[') {
		return Result{}, fail(KindMalformed, "the postback is JSON, not a form")
	}
	form, err := url.ParseQuery(raw)
	if err != nil {
		return Result{}, fail(KindMalformed, "malformed form body")
	}
	for _, k := range []string{"Reference", "Amount", "Extra3"} {
		if len(form[k]) > 1 {
			// Parsers disagree on which repeated value wins.
			return Result{}, fail(KindMalformed, "repeated "+k+" field")
		}
	}
	ref, amount, token := form.Get("Reference"), form.Get("Amount"), form.Get("Extra3")
	switch {
	case ref == "":
		return Result{}, fail(KindMissing, "missing Reference field")
	case amount == "":
		return Result{}, fail(KindMissing, "missing Amount field")
	case token == "":
		return Result{}, fail(KindMissing, "missing Extra3 field")
	}
	cents, ok := amountCents(amount)
	if !ok {
		return Result{}, fail(KindMalformed, "malformed Amount field")
	}
	sig, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(sig) != netcashTokenLen {
		return Result{}, fail(KindMalformed, "malformed Extra3 field")
	}
	for _, s := range v.c.Secrets {
		if hmac.Equal(netcashMAC(s, ref, cents), sig) {
			// No Signature: the token is the same for every postback of a
			// payment (pending, then accepted), so it is no replay marker.
			return Result{}, nil
		}
	}
	return Result{}, errMismatch
}
