package provider

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"sync"
)

// Registry holds the providers ihub knows. It is a value built once by the
// composition root (catalog.Register fills it) and passed down; there is no
// package-level registry. It is safe for concurrent reads after setup.
type Registry struct {
	mu     sync.RWMutex
	byID   map[string]Provider
	sorted []Provider
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byID: map[string]Provider{}} }

// Add registers p after validating its descriptor. It fails on an invalid
// descriptor or a duplicate id.
func (r *Registry) Add(p Provider) error {
	d := p.Descriptor()
	if err := ValidateDescriptor(d); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byID[d.ID]; dup {
		return fmt.Errorf("provider: duplicate provider id %q", d.ID)
	}
	r.byID[d.ID] = p
	i := sort.Search(len(r.sorted), func(i int) bool { return r.sorted[i].Descriptor().ID > d.ID })
	r.sorted = slices.Insert(r.sorted, i, p)
	return nil
}

// MustAdd is Add that panics; it is meant for the built-in catalog, where a
// bad descriptor is a programming error that must stop start-up.
func (r *Registry) MustAdd(p Provider) {
	if err := r.Add(p); err != nil {
		panic(err)
	}
}

// Get returns the provider with the given id.
func (r *Registry) Get(id string) (Provider, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.byID[id]
	return p, ok
}

// All returns every provider, sorted by id. The slice is a copy.
func (r *Registry) All() []Provider {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.sorted)
}

var (
	idPattern       = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)
	fieldKeyPattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]{0,63}$`)
)

// ValidateDescriptor checks a descriptor for the mistakes that would break
// the API, forms or redaction: a bad id, unknown category or auth kind,
// duplicate or malformed field keys, enum fields without options, and
// defaults on sensitive fields (a default secret is not a secret).
func ValidateDescriptor(d Descriptor) error {
	if !idPattern.MatchString(d.ID) {
		return fmt.Errorf("provider: id %q must be lowercase letters, digits and underscores", d.ID)
	}
	if d.Name == "" {
		return fmt.Errorf("provider %s: name is required", d.ID)
	}
	if !slices.Contains(Categories, d.Category) {
		return fmt.Errorf("provider %s: unknown category %q", d.ID, d.Category)
	}
	switch d.AuthKind {
	case AuthAPIToken, AuthBearer, AuthBasic, AuthAPIKey, AuthCredentials, AuthChallenge,
		AuthOAuth2, AuthURLSecret, AuthAWSSigV4, AuthSMTP, AuthConfigurable, AuthNone:
	default:
		return fmt.Errorf("provider %s: unknown auth kind %q", d.ID, d.AuthKind)
	}
	for _, u := range []Usage{d.BaseURL, d.Username} {
		switch u {
		case UsageNone, UsageOptional, UsageRequired:
		default:
			return fmt.Errorf("provider %s: usage %q must be none, optional or required", d.ID, u)
		}
	}
	if d.BaseURL == UsageOptional && d.DefaultBaseURL == "" {
		return fmt.Errorf("provider %s: an optional base URL needs a default", d.ID)
	}
	seen := map[string]bool{}
	for _, f := range d.Fields {
		if !fieldKeyPattern.MatchString(f.Key) {
			return fmt.Errorf("provider %s: field key %q must be lowerCamelCase", d.ID, f.Key)
		}
		if seen[f.Key] {
			return fmt.Errorf("provider %s: duplicate field %q", d.ID, f.Key)
		}
		seen[f.Key] = true
		if f.Label == "" {
			return fmt.Errorf("provider %s: field %s needs a label", d.ID, f.Key)
		}
		switch f.Type {
		case FieldString, FieldText, FieldSecret, FieldURL, FieldEmail, FieldInteger, FieldNumber,
			FieldBoolean, FieldEnum, FieldStringList:
		default:
			return fmt.Errorf("provider %s: field %s has unknown type %q", d.ID, f.Key, f.Type)
		}
		if f.Type == FieldSecret && !f.Sensitive {
			return fmt.Errorf("provider %s: secret field %s must be sensitive", d.ID, f.Key)
		}
		if f.Type == FieldEnum && len(f.Options) == 0 {
			return fmt.Errorf("provider %s: enum field %s needs options", d.ID, f.Key)
		}
		if (f.Minimum != nil || f.Maximum != nil) && f.Type != FieldInteger {
			return fmt.Errorf("provider %s: field %s has bounds but is not an integer", d.ID, f.Key)
		}
		if f.Minimum != nil && f.Maximum != nil && *f.Minimum > *f.Maximum {
			return fmt.Errorf("provider %s: field %s has a minimum above its maximum", d.ID, f.Key)
		}
		if f.Sensitive && f.Default != nil {
			return fmt.Errorf("provider %s: sensitive field %s must not have a default", d.ID, f.Key)
		}
		if f.Default != nil {
			if _, msg := checkValue(f, f.Default); msg != "" {
				return fmt.Errorf("provider %s: field %s default: %s", d.ID, f.Key, msg)
			}
		}
	}
	for _, opt := range d.AuthOptions {
		if len(opt) == 0 {
			return fmt.Errorf("provider %s: an empty auth option", d.ID)
		}
		for _, k := range opt {
			if k == AuthOptionUsername {
				if d.Username == UsageNone {
					return fmt.Errorf("provider %s: auth option names the username, which is not used", d.ID)
				}
				continue
			}
			if f, ok := d.Field(k); !ok || !f.Sensitive || f.Required {
				return fmt.Errorf("provider %s: auth option %q must be an optional credential field", d.ID, k)
			}
		}
	}
	for _, c := range d.Capabilities {
		switch c {
		case CapTest, CapActions, CapProxy, CapWebhooks, CapOAuth, CapNotify:
		default:
			return fmt.Errorf("provider %s: unknown capability %q", d.ID, c)
		}
	}
	if d.Has(CapWebhooks) != (d.Webhook != nil) {
		return fmt.Errorf("provider %s: the webhooks capability and the webhook spec go together", d.ID)
	}
	if d.Has(CapOAuth) != (d.OAuth != nil) {
		return fmt.Errorf("provider %s: the oauth capability and the oauth spec go together", d.ID)
	}
	return nil
}
