package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// rule says which ihub packages a package may import directly. Imports
// outside ihub are not checked here (go.mod pins them).
type rule struct {
	// match reports whether the rule applies to the package path.
	match func(pkg string) bool
	name  string
	// allowed reports whether pkg may import dep.
	allowed func(pkg, dep string) bool
	why     string
}

const mod = "ihub/"

func under(p, prefix string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }

func oneOf(dep string, pkgs ...string) bool {
	for _, p := range pkgs {
		if dep == mod+p {
			return true
		}
	}
	return false
}

var rules = []rule{
	{name: "leaf packages", why: "leaves import nothing from ihub so that everything can use them",
		match: func(p string) bool {
			return oneOf(p, "internal/apperr", "internal/config", "internal/secret", "internal/egress", "internal/console",
				"internal/jsonenc")
		},
		allowed: func(_, _ string) bool { return false }},
	{name: "provider contract", why: "the adapter contract knows only errors and secrets",
		match:   func(p string) bool { return p == mod+"internal/provider" },
		allowed: func(_, d string) bool { return oneOf(d, "internal/apperr", "internal/secret") }},
	{name: "provider catalog", why: "the catalog is the one list of adapters",
		match: func(p string) bool { return p == mod+"internal/provider/catalog" },
		allowed: func(_, d string) bool {
			return under(d, mod+"internal/provider") && d != mod+"internal/provider/providertest"
		}},
	{name: "provider adapters", why: "adapters get an *http.Client injected and never touch persistence, HTTP serving, jobs or domain packages",
		match: func(p string) bool {
			return under(p, mod+"internal/provider") && p != mod+"internal/provider" && p != mod+"internal/provider/catalog"
		},
		allowed: func(p, d string) bool {
			return oneOf(d, "internal/provider", "internal/apperr", "internal/secret") ||
				(under(d, mod+"internal/provider") && d != mod+"internal/provider/catalog" && !oneOf(d, "internal/provider/catalog"))
		}},
	{name: "outbound", why: "the resilience stack wraps transports and knows only the provider contract",
		match: func(p string) bool { return under(p, mod+"internal/outbound") },
		allowed: func(p, d string) bool {
			// outboundtest, for adapters' tests, drives the stack itself.
			return oneOf(d, "internal/provider") || p == mod+"internal/outbound/outboundtest" && oneOf(d, "internal/outbound")
		}},
	{name: "jobqueue", why: "the queue never knows the jobs' domains",
		match:   func(p string) bool { return under(p, mod+"internal/jobqueue") },
		allowed: func(_, d string) bool { return oneOf(d, "internal/apperr") }},
	{name: "domain packages", why: "domain rules reach I/O only through what they are handed",
		match: func(p string) bool {
			return oneOf(p, "internal/integration", "internal/auth", "internal/audit", "internal/webhook")
		},
		allowed: func(_, d string) bool {
			return oneOf(d, "internal/apperr", "internal/secret", "internal/egress", "internal/provider", "internal/jobqueue",
				"internal/audit", "internal/auth", "internal/integration", "internal/outbound", "internal/jsonenc") || under(d, mod+"internal/webhook")
		}},
	{name: "webhook building blocks", why: "signature schemes, normalization and publishers are pure leaves (secret only for its redaction rule)",
		match:   func(p string) bool { return under(p, mod+"internal/webhook") && p != mod+"internal/webhook" },
		allowed: func(_, d string) bool { return oneOf(d, "internal/jsonenc", "internal/secret") }},
	{name: "store", why: "persistence must not depend on HTTP, adapters or the composition root",
		match: func(p string) bool { return under(p, mod+"internal/store") },
		allowed: func(_, d string) bool {
			return !under(d, mod+"internal/httpapi") && !under(d, mod+"internal/app") &&
				!(under(d, mod+"internal/provider") && d != mod+"internal/provider")
		}},
	{name: "httpapi", why: "the HTTP layer talks to domain services, never to the store or adapters",
		match: func(p string) bool { return under(p, mod+"internal/httpapi") },
		allowed: func(_, d string) bool {
			return !under(d, mod+"internal/store") && !under(d, mod+"internal/app") && !under(d, mod+"internal/jobqueue") &&
				!(under(d, mod+"internal/provider") && d != mod+"internal/provider")
		}},
	{name: "cmd/ihub", why: "main only parses the command line and calls app",
		match: func(p string) bool { return under(p, mod+"cmd/ihub") },
		allowed: func(_, d string) bool {
			return oneOf(d, "internal/app", "internal/apperr", "internal/config", "internal/auth", "internal/audit", "internal/secret")
		}},
}

// TestImportRules enforces the package layout of STYLE.md §5 on the
// non-test imports of every package (tailscale's deptest idea).
func TestImportRules(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "ihub/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		for _, r := range rules {
			if !r.match(pkg) {
				continue
			}
			checked++
			for _, d := range imports {
				if strings.HasPrefix(d, mod) && d != pkg && !r.allowed(pkg, d) {
					t.Errorf("%s imports %s: not allowed for %s (%s)", pkg, d, r.name, r.why)
				}
			}
		}
		if under(pkg, mod+"internal/app") || under(pkg, mod+"cmd/ihub") {
			continue
		}
		for _, d := range imports {
			if under(d, mod+"internal/app") {
				t.Errorf("%s imports %s: only cmd/ihub may import the composition root", pkg, d)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages matched a rule; the rules no longer describe the tree", checked)
	}
}
