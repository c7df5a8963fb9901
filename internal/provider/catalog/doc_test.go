package catalog_test

import (
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"ihub/internal/provider"
)

var update = flag.Bool("update", false, "rewrite the generated parts of docs/providers.md")

const docPath = "../../../docs/providers.md"

// TestProvidersDoc keeps the generated parts of docs/providers.md (the
// catalog table and the per-provider reference) equal to what the
// descriptors and adapters say. Run with -update after changing a provider.
func TestProvidersDoc(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	r := registry(t)
	for _, part := range []struct{ name, text string }{
		{"catalog", catalogTable(r)},
		{"reference", reference(r)},
	} {
		begin, end := "<!-- BEGIN GENERATED "+part.name+" -->\n", "<!-- END GENERATED "+part.name+" -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("docs/providers.md lacks the %q markers", part.name)
		}
		doc = doc[:i+len(begin)] + part.text + doc[j:]
	}
	if doc == string(b) {
		return
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/providers.md is stale: run go test ./internal/provider/catalog -run TestProvidersDoc -update and commit it")
}

func baseURLText(d provider.Descriptor) string {
	switch d.BaseURL {
	case provider.UsageRequired:
		return "required"
	case provider.UsageOptional:
		return "optional, `" + d.DefaultBaseURL + "`"
	}
	return "not used"
}

func testText(p provider.Provider) string {
	d := p.Descriptor()
	if _, ok := p.(provider.Checker); ok {
		return d.TestCall
	}
	if why, ok := noConnectionTest[d.ID]; ok {
		return "none: " + why
	}
	return "none"
}

func actionNames(p provider.Provider) []string {
	r, ok := p.(provider.ActionRunner)
	if !ok {
		return nil
	}
	var out []string
	for _, a := range r.Actions() {
		out = append(out, "`"+a.Spec().Name+"`")
	}
	return out
}

func rateText(d provider.Descriptor) string {
	if d.RateLimit == nil {
		return "none"
	}
	return fmt.Sprintf("%d per %d s", d.RateLimit.Requests, d.RateLimit.PerSeconds)
}

func catalogTable(r *provider.Registry) string {
	var b strings.Builder
	b.WriteString("| ID | Name | Category | Auth | Base URL | Connection test | Actions | Proxy |\n|---|---|---|---|---|---|---|---|\n")
	for _, id := range catalogOrder {
		p, _ := r.Get(id)
		d := p.Descriptor()
		_, proxy := p.(provider.Proxyable)
		acts := strings.Join(actionNames(p), ", ")
		if acts == "" {
			acts = "none"
		}
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | `%s` | %s | %s | %s | %s |\n", d.ID, d.ID, d.Name, d.Category, d.AuthKind,
			baseURLText(d), cell(testText(p)), acts, yesNo(proxy))
	}
	return b.String()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ") }

func reference(r *provider.Registry) string {
	var b strings.Builder
	for _, id := range catalogOrder {
		p, _ := r.Get(id)
		d := p.Descriptor()
		_, proxy := p.(provider.Proxyable)
		fmt.Fprintf(&b, "### %s reference\n\n", d.ID)
		fmt.Fprintf(&b, "%s\n\n", d.Description)
		fmt.Fprintf(&b, "- Connection test: %s\n", testText(p))
		fmt.Fprintf(&b, "- Base URL: %s; username: %s\n", baseURLText(d), d.Username)
		if d.Username != provider.UsageNone {
			fmt.Fprintf(&b, "  (%s)\n", d.UsernameHelp)
		}
		if len(d.AuthOptions) > 0 {
			ways := make([]string, 0, len(d.AuthOptions))
			for _, opt := range d.AuthOptions {
				ways = append(ways, "`"+strings.Join(opt, "` with `")+"`")
			}
			fmt.Fprintf(&b, "- Authentication: one way must be complete: %s\n", strings.Join(ways, ", or "))
		}
		fmt.Fprintf(&b, "- Proxy: %s; default rate limit: %s\n", yesNo(proxy), rateText(d))
		if d.Webhook != nil {
			fmt.Fprintf(&b, "- Inbound webhooks: scheme `%s`\n", d.Webhook.Scheme)
		}
		if d.DocsURL != "" {
			fmt.Fprintf(&b, "- Provider docs: %s\n", d.DocsURL)
		}
		b.WriteString("\n| Field | Kind | Required | Help |\n|---|---|---|---|\n")
		for _, f := range d.Fields {
			kind := "setting, " + string(f.Type)
			if f.Sensitive {
				kind = "credential (encrypted)"
			}
			req := "no"
			if f.Required {
				req = "yes"
			}
			if f.Default != nil {
				req += fmt.Sprintf(" (default `%v`)", f.Default)
			}
			switch {
			case f.Minimum != nil && f.Maximum != nil:
				kind += fmt.Sprintf(", %d–%d", *f.Minimum, *f.Maximum)
			case f.Minimum != nil:
				kind += fmt.Sprintf(", at least %d", *f.Minimum)
			case f.Maximum != nil:
				kind += fmt.Sprintf(", at most %d", *f.Maximum)
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.Key, kind, req, cell(f.Help))
		}
		if ar, ok := p.(provider.ActionRunner); ok {
			b.WriteString("\nActions (`POST /api/v1/integrations/{id}/actions/{name}`):\n\n")
			for _, a := range ar.Actions() {
				sp := a.Spec()
				mut := "read-only"
				if sp.Mutating {
					mut = "**mutating**: needs `integrations:manage`, audited"
				}
				fmt.Fprintf(&b, "- `%s` (%s) — %s\n", sp.Name, mut, oneLine(sp.Description))
				for _, f := range inputFields(sp.Input) {
					fmt.Fprintf(&b, "  - %s\n", f)
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// inputFields describes an action's input struct: name, type, required.
func inputFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		req := "required"
		if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") || f.Tag.Get("required") == "false" {
			req = "optional"
		}
		extra := ""
		if e := f.Tag.Get("enum"); e != "" {
			extra = " (one of " + e + ")"
		}
		out = append(out, fmt.Sprintf("`%s` (%s, %s)%s: %s", name, typeName(f.Type), req, extra, oneLine(f.Tag.Get("doc"))))
	}
	return out
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.Map:
		return "object"
	case reflect.Struct:
		return "object"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	}
	return t.Kind().String()
}
