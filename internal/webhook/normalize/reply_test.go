package normalize

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInlineReply(t *testing.T) {
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for _, tc := range []struct {
		name, provider, body string
		header               http.Header
		want                 Reply
		ok                   bool
	}{
		{"slack url verification (providers.md B3)", "slack",
			`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, nil,
			Reply{Status: 200, Body: []byte(`{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`)}, true},
		{"slack slash command", "slack", "command=%2Fdeploy&text=now&user_id=U1", form, Reply{Status: 200}, true},
		{"slack interactivity", "slack", "payload=%7B%22type%22%3A%22block_actions%22%7D", form, Reply{Status: 200}, true},
		{"slack event callback", "slack", `{"type":"event_callback","event":{"type":"message"}}`, nil, Reply{}, false},
		{"discord ping (providers.md B7)", "discord", `{"type":1}`, nil, Reply{Status: 200, Body: []byte(`{"type":1}`)}, true},
		{"discord command", "discord", `{"type":2,"id":"1","token":"tok","data":{"name":"deploy"}}`, nil, Reply{Status: 200, Body: []byte(`{"type":5}`)}, true},
		{"discord component", "discord", `{"type":3,"data":{"custom_id":"ok"}}`, nil, Reply{Status: 200, Body: []byte(`{"type":6}`)}, true},
		{"discord autocomplete", "discord", `{"type":4}`, nil, Reply{Status: 200, Body: []byte(`{"type":8,"data":{"choices":[]}}`)}, true},
		{"discord modal", "discord", `{"type":5}`, nil, Reply{Status: 200, Body: []byte(`{"type":5}`)}, true},
		{"discord event webhook ping", "discord", `{"version":1,"application_id":"1","type":0}`, nil, Reply{Status: 204}, true},
		{"discord event webhook event", "discord", `{"version":1,"type":1,"event":{"type":"APPLICATION_AUTHORIZED"}}`, nil, Reply{Status: 204}, true},
		{"discord unknown type", "discord", `{"type":99}`, nil, Reply{}, false},
		{"discord garbage", "discord", `{"type":`, nil, Reply{}, false},
		{"other provider", "github", `{"type":"url_verification","challenge":"x"}`, nil, Reply{}, false},
	} {
		got, ok := InlineReply(tc.provider, tc.header, []byte(tc.body))
		if ok != tc.ok || !cmp.Equal(got, tc.want) {
			t.Errorf("%s: InlineReply = %+v (%s), %v; want %+v (%s), %v", tc.name, got, got.Body, ok, tc.want, tc.want.Body, tc.ok)
		}
	}
}
