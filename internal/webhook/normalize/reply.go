package normalize

import (
	"encoding/json"
	"net/http"
)

// Reply is the answer a provider expects to a verified delivery where a
// plain acknowledgement would not do: Slack's URL verification must echo
// its challenge, Discord's interactions need an interaction response and
// its event webhooks an empty 204. Body is JSON, or nil for none.
type Reply struct {
	Status int
	Body   []byte
}

// Discord interaction types (what the delivery is) and the answers to them
// (interaction callback types: 1 PONG, 5 deferred channel message, 6
// deferred update, 8 autocomplete result).
const (
	discordPing         = 1
	discordCommand      = 2
	discordComponent    = 3
	discordAutocomplete = 4
	discordModalSubmit  = 5
)

// InlineReply returns what provider expects in answer to a verified
// delivery, and false when the usual acknowledgement will do. It is
// answered for duplicates too: a provider repeating its check still needs
// the answer.
//
// Discord interactions other than PING are answered with a deferred
// response (commands and modal submissions: "thinking…", components: no
// visible change); the subscriber that handles the event follows up
// through Discord's interaction webhook with the interaction's token within
// 15 minutes.
func InlineReply(provider string, header http.Header, body []byte) (Reply, bool) {
	if provider != "slack" && provider != "discord" {
		return Reply{}, false
	}
	v, ok := decode(header, body)
	if !ok {
		return Reply{}, false
	}
	o := asObj(v)
	switch provider {
	case "slack":
		switch {
		case o.str("type") == "url_verification":
			b, _ := json.Marshal(map[string]string{"challenge": o.str("challenge")})
			return Reply{Status: http.StatusOK, Body: b}, true
		case o.str("command") != "" || o.str("payload") != "":
			// Slash commands and interactivity: an empty 200 posts
			// nothing in the channel (a JSON body would be shown).
			return Reply{Status: http.StatusOK}, true
		}
	case "discord":
		n, _ := o.int("type")
		if o.obj("event") != nil || (n == 0 && o.str("version") != "") {
			return Reply{Status: http.StatusNoContent}, true // event webhooks: an empty 204
		}
		var answer string
		switch n {
		case discordPing:
			answer = `{"type":1}`
		case discordCommand, discordModalSubmit:
			answer = `{"type":5}`
		case discordComponent:
			answer = `{"type":6}`
		case discordAutocomplete:
			answer = `{"type":8,"data":{"choices":[]}}`
		default:
			return Reply{}, false
		}
		return Reply{Status: http.StatusOK, Body: []byte(answer)}, true
	}
	return Reply{}, false
}
