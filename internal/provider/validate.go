package provider

import (
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode"

	"ihub/internal/apperr"
)

// maxValueLen caps any single setting or credential value. Real tokens,
// PEM keys and URLs fit comfortably; anything longer is a mistake or abuse.
const maxValueLen = 16 << 10

// checkValue validates v (as decoded from JSON) against f and returns the
// normalized value, or a message saying what is wrong.
func checkValue(f Field, v any) (any, string) {
	switch f.Type {
	case FieldString, FieldText, FieldSecret, FieldURL, FieldEmail, FieldEnum:
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if len(s) > maxValueLen {
			return nil, "is too long"
		}
		if strings.ContainsRune(s, 0) {
			return nil, "must not contain NUL characters"
		}
		// Control characters: a line break in a token or a host name would
		// add a header (or an SMTP command) of the sender's choosing when
		// the value is used, long after it was saved. Text may hold line
		// breaks and tabs, nothing else of the kind.
		if f.Type == FieldText {
			if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
				return nil, "must not contain control characters other than line breaks and tabs"
			}
		} else if strings.ContainsFunc(s, unicode.IsControl) {
			return nil, "must be a single line, without control characters"
		}
		switch f.Type {
		case FieldURL:
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, "must be an http or https URL"
			}
		case FieldEmail:
			if _, err := mail.ParseAddress(s); err != nil {
				return nil, "must be an email address"
			}
		case FieldEnum:
			if !slices.Contains(f.Options, s) {
				return nil, "must be one of: " + strings.Join(f.Options, ", ")
			}
		}
		return s, ""
	case FieldInteger:
		n, ok := v.(float64)
		if i, isInt := v.(int); isInt {
			n, ok = float64(i), true
		}
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, "must be an integer"
		}
		if msg := outOfRange(f, int64(n)); msg != "" {
			return nil, msg
		}
		return int64(n), ""
	case FieldNumber:
		switch n := v.(type) {
		case float64:
			return n, ""
		case int:
			return float64(n), ""
		}
		return nil, "must be a number"
	case FieldBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, "must be true or false"
		}
		return b, ""
	case FieldStringList:
		list, ok := v.([]any)
		if !ok {
			if ss, isSS := v.([]string); isSS {
				return slices.Clone(ss), ""
			}
			return nil, "must be a list of strings"
		}
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, isStr := e.(string)
			if !isStr || len(s) > maxValueLen {
				return nil, "must be a list of strings"
			}
			out = append(out, s)
		}
		return out, ""
	}
	return nil, "has an unknown type"
}

// outOfRange says how n is outside f's bounds ("" when it is not).
func outOfRange(f Field, n int64) string {
	lo, hi := f.Minimum, f.Maximum
	switch {
	case lo != nil && hi != nil && (n < *lo || n > *hi):
		return fmt.Sprintf("must be between %d and %d", *lo, *hi)
	case lo != nil && n < *lo:
		return fmt.Sprintf("must be at least %d", *lo)
	case hi != nil && n > *hi:
		return fmt.Sprintf("must be at most %d", *hi)
	}
	return ""
}

// ValidateSettings checks non-sensitive settings against the descriptor and
// returns them normalized, with defaults filled in for fields not given.
// Unknown keys and sensitive keys (which belong in credentials) are errors.
// Field errors are named "settings.<key>".
func (d Descriptor) ValidateSettings(in map[string]any) (map[string]any, []apperr.FieldError) {
	out := map[string]any{}
	var errs []apperr.FieldError
	for _, k := range sortedKeys(in) {
		f, ok := d.Field(k)
		switch {
		case !ok:
			errs = append(errs, apperr.FieldError{Field: "settings." + k, Message: "is not a setting of provider " + d.ID})
			continue
		case f.Sensitive:
			errs = append(errs, apperr.FieldError{Field: "settings." + k, Message: "is sensitive: send it in credentials"})
			continue
		}
		if in[k] == nil {
			continue // null clears the setting
		}
		v, msg := checkValue(f, in[k])
		if msg != "" {
			errs = append(errs, apperr.FieldError{Field: "settings." + k, Message: msg})
			continue
		}
		out[k] = v
	}
	for _, f := range d.Fields {
		if f.Sensitive {
			continue
		}
		if _, given := out[f.Key]; given {
			continue
		}
		if reported(errs, "settings."+f.Key) {
			continue // given, and wrong: it is neither missing nor defaulted
		}
		if f.Default != nil {
			out[f.Key], _ = checkValue(f, f.Default)
		} else if f.Required {
			errs = append(errs, apperr.FieldError{Field: "settings." + f.Key, Message: "is required"})
		}
	}
	return out, errs
}

// CredentialChange is the validated result of credential input: values to
// seal, and fields to delete.
type CredentialChange struct {
	Set    map[string]string
	Delete []string
}

// ValidateCredentials checks credential input against the descriptor. A
// string value sets the field; null or "" deletes it. present names the
// credential fields already stored (nil on create): a required field must
// end up set. Field errors are named "credentials.<key>"; their messages
// never contain the submitted value.
func (d Descriptor) ValidateCredentials(in map[string]any, present map[string]bool) (CredentialChange, []apperr.FieldError) {
	ch := CredentialChange{Set: map[string]string{}}
	var errs []apperr.FieldError
	for _, k := range sortedKeys(in) {
		f, ok := d.Field(k)
		switch {
		case !ok:
			errs = append(errs, apperr.FieldError{Field: "credentials." + k, Message: "is not a credential of provider " + d.ID})
			continue
		case !f.Sensitive:
			errs = append(errs, apperr.FieldError{Field: "credentials." + k, Message: "is not sensitive: send it in settings"})
			continue
		}
		if in[k] == nil || in[k] == "" {
			ch.Delete = append(ch.Delete, k)
			continue
		}
		v, msg := checkValue(f, in[k])
		if msg != "" {
			errs = append(errs, apperr.FieldError{Field: "credentials." + k, Message: msg})
			continue
		}
		ch.Set[k] = v.(string)
	}
	for _, f := range d.Fields {
		if !f.Sensitive || !f.Required || reported(errs, "credentials."+f.Key) {
			continue
		}
		_, setNow := ch.Set[f.Key]
		if !setNow && (present == nil || !present[f.Key] || slices.Contains(ch.Delete, f.Key)) {
			errs = append(errs, apperr.FieldError{Field: "credentials." + f.Key, Message: "is required"})
		}
	}
	return ch, errs
}

// AuthOptionUsername stands for the integration's top-level username in
// Descriptor.AuthOptions.
const AuthOptionUsername = "username"

// CheckAuthOptions says, as a field error at "credentials", when an
// integration with this username and these credential fields set has none
// of the descriptor's alternative ways to authenticate complete; nil when
// one is, or when the descriptor has no alternatives.
func (d Descriptor) CheckAuthOptions(username string, set map[string]bool) *apperr.FieldError {
	if len(d.AuthOptions) == 0 {
		return nil
	}
	ways := make([]string, 0, len(d.AuthOptions))
	for _, opt := range d.AuthOptions {
		complete := true
		names := make([]string, 0, len(opt))
		for _, k := range opt {
			if k == AuthOptionUsername {
				complete = complete && strings.TrimSpace(username) != ""
				names = append(names, "username")
				continue
			}
			complete = complete && set[k]
			names = append(names, "credentials."+k)
		}
		if complete {
			return nil
		}
		ways = append(ways, strings.Join(names, " with "))
	}
	return &apperr.FieldError{Field: "credentials", Message: "are not enough to authenticate: set " + strings.Join(ways, ", or ")}
}

// reported says whether errs already has an error for field: a field given
// with a wrong value is reported once, not also as missing.
func reported(errs []apperr.FieldError, field string) bool {
	return slices.ContainsFunc(errs, func(e apperr.FieldError) bool { return e.Field == field })
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
