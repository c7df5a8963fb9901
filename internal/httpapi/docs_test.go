package httpapi_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// curlData matches a curl option that sends a body.
var curlData = regexp.MustCompile(`\s(-d|--data|--data-raw|--data-binary)[\s=]`)

// TestDocsCurlSendJSON: curl -d sends application/x-www-form-urlencoded,
// which the API refuses with 415, so every curl example in the README and
// docs that sends a body must say it is JSON.
func TestDocsCurlSendJSON(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Join shell continuation lines into one command.
		text := strings.ReplaceAll(string(b), "\\\n", " ")
		for line := range strings.Lines(text) {
			if !strings.Contains(line, "curl ") || !curlData.MatchString(line) {
				continue
			}
			n++
			if !strings.Contains(line, "Content-Type: application/json") {
				t.Errorf("%s: curl sends a body without -H 'Content-Type: application/json': %s", filepath.Base(f), strings.TrimSpace(line))
			}
		}
	}
	if n == 0 {
		t.Errorf("found no curl example with a body in the README and docs")
	}
}
