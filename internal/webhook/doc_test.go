package webhook_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"ihub/internal/provider"
	"ihub/internal/provider/catalog"
	"ihub/internal/webhook/normalize"
)

var update = flag.Bool("update", false, "rewrite the generated parts of docs/webhooks.md")

const docPath = "../../docs/webhooks.md"

// TestWebhooksDoc keeps the generated parts of docs/webhooks.md (the
// per-provider scheme table and the event catalogue) equal to the code.
func TestWebhooksDoc(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, part := range []struct{ name, text string }{
		{"providers", providersTable()},
		{"events", eventsTable()},
	} {
		begin, end := "<!-- BEGIN GENERATED "+part.name+" -->\n", "<!-- END GENERATED "+part.name+" -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("docs/webhooks.md lacks the %q markers", part.name)
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
	t.Errorf("docs/webhooks.md is stale: run go test ./internal/webhook -run TestWebhooksDoc -update and commit it")
}

func providersTable() string {
	r := provider.NewRegistry()
	catalog.Register(r)
	var b strings.Builder
	b.WriteString("| Provider | Default scheme | Delivery id | Event name |\n|---|---|---|---|\n")
	for _, p := range r.All() {
		d := p.Descriptor()
		if d.Webhook == nil {
			continue
		}
		id, ev := d.Webhook.DeliveryIDHeader, d.Webhook.EventHeader
		switch {
		case id == "" && normalize.HasBodyID(d.ID):
			id = "from the body, else a hash of the body"
		case id == "":
			id = "a hash of the body"
		default:
			id = "`" + id + "`"
		}
		if ev == "" {
			ev = "in the body"
		} else {
			ev = "`" + ev + "`"
		}
		fmt.Fprintf(&b, "| `%s` (%s) | `%s` | %s | %s |\n", d.ID, d.Name, d.Webhook.Scheme, id, ev)
	}
	return b.String()
}

func eventsTable() string {
	var b strings.Builder
	b.WriteString("| Type | What happened | Providers |\n|---|---|---|\n")
	for _, t := range normalize.Types() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", t.Type, strings.ReplaceAll(t.Description, "|", `\|`), strings.Join(t.Providers, ", "))
	}
	return b.String()
}
