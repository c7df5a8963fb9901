package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite api/openapi.json from the served OpenAPI document")

// openAPIFile is the committed OpenAPI document, relative to this package.
var openAPIFile = filepath.Join("..", "..", "api", "openapi.json")

// canonicalJSON is the committed form of a JSON document: two-space
// indentation, keys in the order the server writes them, and a final newline.
// It is what json.MarshalIndent(doc, "", "  ") writes.
func canonicalJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatalf("indent: %v", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	res := call(t, env, http.MethodGet, "/api/v1/openapi.json", "", nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json = %d, want 200: %s", res.Status, res.Body)
	}
	got := canonicalJSON(t, res.Body)

	// The served document is the API's document.
	m, err := json.MarshalIndent(env.App.API.API().OpenAPI(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append(m, '\n')) {
		t.Errorf("GET /api/v1/openapi.json differs from json.MarshalIndent(API().OpenAPI())")
	}

	if *update {
		if err := os.MkdirAll(filepath.Dir(openAPIFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(openAPIFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", openAPIFile)
	}
	want, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/httpapi -run TestOpenAPI -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the served OpenAPI document differs from %s; if the change is meant, run\n\tgo test ./internal/httpapi -run TestOpenAPI -update\nand commit the file.\n%s",
			openAPIFile, firstDifference(got, want))
	}

	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true, "trace": true}
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	n := 0
	for _, p := range paths {
		for method, raw := range doc.Paths[p] {
			if !methods[method] {
				continue
			}
			n++
			var op struct {
				OperationID string `json:"operationId"`
				Summary     string `json:"summary"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, p, err)
			}
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s: operationId, summary = %q, %q, want both set", method, p, op.OperationID, op.Summary)
			}
		}
	}
	if n != len(wantAccess) {
		t.Errorf("the document has %d operations, want %d (one per entry of wantAccess)", n, len(wantAccess))
	}
}

// firstDifference describes where a and b first differ, by line.
func firstDifference(a, b []byte) string {
	al, bl := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y []byte
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if !bytes.Equal(x, y) {
			return "line " + strconv.Itoa(i+1) + ":\n\tserved:    " + string(x) + "\n\tcommitted: " + string(y)
		}
	}
	return "no difference"
}

// TestOpenAPIErrorStatuses: the document declares the statuses the server
// answers before a handler runs: 400, 413, 415 and 422 where an operation
// takes a JSON body, 422 where it takes query parameters; and those of the
// plain handlers (405 and 429 on the ingress, 409 on a logout by token).
func TestOpenAPIErrorStatuses(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct {
				In string `json:"in"`
			} `json:"parameters"`
			RequestBody *struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"requestBody"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for path, ops := range doc.Paths {
		for method, op := range ops {
			var want []string
			if op.RequestBody != nil && op.RequestBody.Content["application/json"] != nil {
				want = append(want, "400", "413", "415", "422")
			}
			for _, p := range op.Parameters {
				if p.In == "query" {
					want = append(want, "422")
				}
			}
			switch {
			case op.OperationID == "logout":
				want = append(want, "409")
			case strings.HasPrefix(op.OperationID, "ingestWebhook"):
				want = append(want, "405", "413", "429")
				seen++
			}
			for _, code := range want {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s %s (%s) does not declare %s", strings.ToUpper(method), path, op.OperationID, code)
				}
			}
		}
	}
	if seen != 4 {
		t.Errorf("found %d ingress operations, want 4", seen)
	}
}
