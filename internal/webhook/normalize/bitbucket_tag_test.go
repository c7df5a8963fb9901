package normalize

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBitbucketAnnotatedTag: Bitbucket Cloud's event payload reference
// gives a ref's type as "branch", "tag" or "annotated_tag"; an annotated
// tag pushed or deleted is a tag event, not a push to a branch named like
// the tag.
func TestBitbucketAnnotatedTag(t *testing.T) {
	t.Parallel()
	h := hdr("X-Event-Key", "repo:push")
	for _, tc := range []struct {
		name, body string
		want       Event
	}{
		{
			name: "created",
			body: `{"push":{"changes":[{"new":{"type":"annotated_tag","name":"v2.0","target":{"hash":"cafe"}},"old":null,
"created":true,"closed":false,"forced":false,"commits":[]}]},"actor":{"nickname":"emma"},"repository":{"full_name":"team/repo"}}`,
			want: Event{Type: "code.tag.created", RawType: "repo:push", Subject: "team/repo",
				Data: map[string]any{"repository": "team/repo", "tag": "v2.0", "sha": "cafe", "actor": "emma"}},
		},
		{
			name: "deleted",
			body: `{"push":{"changes":[{"new":null,"old":{"type":"annotated_tag","name":"v2.0","target":{"hash":"cafe"}},
"created":false,"closed":true,"forced":false,"commits":[]}]},"actor":{"nickname":"emma"},"repository":{"full_name":"team/repo"}}`,
			want: Event{Type: "code.tag.deleted", RawType: "repo:push", Subject: "team/repo",
				Data: map[string]any{"repository": "team/repo", "tag": "v2.0", "sha": "cafe", "actor": "emma"}},
		},
	} {
		got, err := Normalize("bitbucket", h, []byte(tc.body))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", tc.name, diff)
		}
	}
}
