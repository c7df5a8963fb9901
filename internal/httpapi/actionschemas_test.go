package httpapi

import (
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/catalog"
	"ihub/internal/provider/clickatell"
	"ihub/internal/provider/github"
)

// TestActionSchemasAllProviders generates the schemas of every built-in
// provider's actions in one registry, as one server does over its life, and
// checks that each equals the schema generated alone: providers share Go
// type names (github.ListReposInput, gitlab.ListReposInput, …), and no
// provider may break or change another's schemas.
func TestActionSchemasAllProviders(t *testing.T) {
	t.Parallel()
	reg := provider.NewRegistry()
	catalog.Register(reg)
	all := reg.All()
	for _, order := range []struct {
		name    string
		reverse bool
	}{{"catalog order", false}, {"reverse order", true}} {
		t.Run(order.name, func(t *testing.T) {
			t.Parallel()
			shared := newActionSchemas()
			n := 0
			for i := range all {
				p := all[i]
				if order.reverse {
					p = all[len(all)-1-i]
				}
				r, ok := p.(provider.ActionRunner)
				if !ok {
					continue
				}
				for _, a := range r.Actions() {
					sp := a.Spec()
					for _, typ := range []struct {
						what string
						got  map[string]any
						want func() map[string]any
					}{
						{"input", shared.document(sp.Input), func() map[string]any { return newActionSchemas().document(sp.Input) }},
						{"output", shared.document(sp.Output), func() map[string]any { return newActionSchemas().document(sp.Output) }},
					} {
						n++
						if diff := cmp.Diff(typ.want(), typ.got); diff != "" {
							t.Errorf("%s %s %s schema differs from the one generated alone (-alone +shared):\n%s",
								p.Descriptor().ID, sp.Name, typ.what, diff)
						}
					}
					// Validation uses the same registry; {} must be judged
					// against this provider's schema, not a namesake's.
					_ = shared.validate(sp.Input, map[string]any{})
				}
			}
			if n < 20 {
				t.Errorf("checked %d schemas, want the whole catalog's actions", n)
			}
		})
	}
}

// TestActionSchemasValidate: field errors are located under body, the
// first validation of a fresh registry included.
func TestActionSchemasValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		typ  reflect.Type
		body map[string]any
		want []string
	}{
		{"missing required fields", reflect.TypeFor[github.ListCommitsInput](), map[string]any{},
			[]string{"body.owner", "body.repo"}},
		{"one missing field", reflect.TypeFor[clickatell.SendSMSInput](), map[string]any{"message": "hi"}, []string{"body.to"}},
		{"wrong type", reflect.TypeFor[clickatell.SendSMSInput](), map[string]any{"to": 27821234567, "message": "hi"},
			[]string{"body.to"}},
		{"pattern", reflect.TypeFor[github.ListCommitsInput](), map[string]any{"owner": "-x", "repo": "r"}, []string{"body.owner"}},
		{"valid", reflect.TypeFor[github.ListCommitsInput](), map[string]any{"owner": "octo", "repo": "r"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, fe := range newActionSchemas().validate(tc.typ, tc.body) {
				got = append(got, fe.Field)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("validate(%s, %v) locations mismatch (-want +got):\n%s", tc.typ, tc.body, diff)
			}
		})
	}
}
