package provider_test

import (
	"strings"
	"testing"

	"ihub/internal/provider"
)

func TestPathTemplate(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"empty", "", "/"},
		{"root", "/", "/"},
		{"words kept", "/repos/octocat/hello", "/repos/octocat/hello"},
		{"trailing slash kept", "/api/v2/me/", "/api/v2/me/"},
		{"number", "/users/42/repos", "/users/{id}/repos"},
		{"user name with digits", "/users/secretuser-12345abc", "/users/{id}"},
		{"uuid", "/s/11111111-2222-3333-4444-555555555555/decision/", "/s/{id}/decision/"},
		{"hash with digits", "/commits/4f1c2a9e7b3d45c8a0e6", "/commits/{id}"},
		{"hash of hex letters only", "/blobs/deadbeefdeadbeefdeadbeef", "/blobs/{id}"},
		{"prefixed id", "/orders/ord_2x9f8k3j4h5g6f7d", "/orders/{id}"},
		{"email", "/people/jane@example.com", "/people/{id}"},
		{"percent-encoded", "/files/a%2Fb", "/files/{id}"},
		{"non-ASCII", "/users/jürgen", "/users/{id}"},
		{"token without separators", "/hooks/XXXXXXXXXXXXXXXXXXXXXXXXsecret", "/hooks/{id}"},
		{"long word with separators", "/list_job_templates_for_organization", "/list_job_templates_for_organization"},
		{"over 40 characters", "/" + strings.Repeat("a-", 21), "/{id}"},
		{"versions kept", "/api/v4/projects/v1.2/x/V3", "/api/v4/projects/v1.2/x/V3"},
		{"not a version", "/v123/v1.234/v1x", "/{id}/{id}/{id}"},
		{"colon method", "/documents:batchGet", "/documents:batchGet"},
		{"relative", "items/7", "/items/{id}"},
		{"depth capped", "/a/b/c/d/e/f/g/h/i/j", "/a/b/c/d/e/f/g/h/…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := provider.PathTemplate(tt.in); got != tt.want {
				t.Errorf("PathTemplate(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
