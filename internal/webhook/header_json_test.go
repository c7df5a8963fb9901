package webhook

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHeaderJSONMatchesEncodingJSON: stored headers read back as before the
// hand-written encoder (names sorted, values escaped as encoding/json does).
func TestHeaderJSONMatchesEncodingJSON(t *testing.T) {
	for _, h := range []http.Header{
		{},
		{"Content-Type": {"application/json"}, "X-Delivery-Id": {"d-1"}, "Accept": {"a", "b<c>&"}},
		{"X-Odd": {"\x00\n\"\\\u2028", "bad\xff"}, "X-Nil": nil, "X-Empty": {}, "User-Agent": {"GitHub-Hookshot/044aadd"}},
	} {
		want, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		got := NewDelivery{Header: h}.HeaderJSON()
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("HeaderJSON(%v) (-encoding/json +got):\n%s", h, diff)
		}
	}
	if got := (NewDelivery{}).HeaderJSON(); got != "{}" {
		t.Errorf("HeaderJSON(nil) = %s, want {}", got)
	}
}
