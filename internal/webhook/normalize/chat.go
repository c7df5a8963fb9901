package normalize

import (
	"strconv"
	"time"
)

// Chat events (Slack, Discord). Subject is the channel id (Slack view
// submissions: the view id; a Discord ping: the application id). Data:
//
//	system.challenge       challenge (Slack url_verification: echo it back)
//	chat.message.received  team, channel, user, text, ts, thread_ts, subtype
//	chat.mention           same as chat.message.received
//	chat.command           command, text, user, channel, team (Discord: guild)
//	chat.interaction       user, channel, team, action_id (Discord: custom_id)
//	chat.form.submitted    user, team, callback_id (Discord: custom_id)
//
// Verification tokens and Discord interaction tokens are never copied.

// formPayload returns the JSON object in a form body's "payload" field
// (Slack interactivity, GitHub hooks set to form content), nil when there is
// none.
func formPayload(o obj) obj {
	s, ok := o["payload"].(string)
	if !ok {
		return nil
	}
	v, ok := decodeJSON([]byte(s))
	if !ok {
		return nil
	}
	return asObj(v)
}

// slack maps the Events API (JSON), slash commands and interactivity (form).
func slack(in input) Event {
	o := in.o
	d := data{}
	if o.str("command") != "" {
		d.set("command", o.str("command"))
		d.set("text", o.str("text"))
		d.set("user", o.str("user_id"))
		d.set("channel", o.str("channel_id"))
		d.set("team", o.str("team_id"))
		return result("chat.command", "slash_command", time.Time{}, o.str("channel_id"), d)
	}
	if p := formPayload(o); p != nil {
		kind := p.str("type")
		d.set("user", p.str("user", "id"))
		d.set("team", p.str("team", "id"))
		switch kind {
		case "block_actions":
			d.set("channel", p.str("channel", "id"))
			if acts := p.arr("actions"); len(acts) > 0 {
				d.set("action_id", asObj(acts[0]).str("action_id"))
			}
			return result("chat.interaction", kind, time.Time{}, p.str("channel", "id"), d)
		case "view_submission":
			d.set("callback_id", p.str("view", "callback_id"))
			return result("chat.form.submitted", kind, time.Time{}, p.str("view", "id"), d)
		}
		return Event{RawType: kind}
	}
	switch kind := o.str("type"); kind {
	case "url_verification":
		d.set("challenge", o.str("challenge"))
		return result("system.challenge", kind, time.Time{}, "", d)
	case "event_callback":
		ev := o.obj("event")
		et := ev.str("type")
		// Every event names its team, and most a user and a channel (a
		// reaction's is its item's), whatever its type.
		channel := firstNonEmpty(ev.str("channel"), ev.str("item", "channel"))
		d.set("team", firstNonEmpty(o.str("team_id"), ev.str("team")))
		d.set("channel", channel)
		d.set("user", ev.str("user"))
		at := parseTime(o.get("event_time"))
		if at.IsZero() {
			at = parseTime(firstNonEmpty(ev.str("event_ts"), ev.str("ts")))
		}
		var typ string
		switch et {
		case "message":
			typ = "chat.message.received"
		case "app_mention":
			typ = "chat.mention"
		default:
			d.set("reaction", ev.str("reaction"))
			return result("", et, at, channel, d)
		}
		d.set("text", ev.str("text"))
		d.set("ts", ev.str("ts"))
		d.set("thread_ts", ev.str("thread_ts"))
		d.set("subtype", ev.str("subtype"))
		return result(typ, et, at, channel, d)
	default:
		return Event{RawType: kind}
	}
}

// discordInteractionTypes names Discord's interaction types.
var discordInteractionTypes = map[int64]string{
	1: "ping",
	2: "application_command",
	3: "message_component",
	4: "application_command_autocomplete",
	5: "modal_submit",
}

// discordEpochMS is the Discord snowflake epoch (2015-01-01) in Unix ms.
const discordEpochMS = 1420070400000

// snowflakeTime is the creation time encoded in a Discord snowflake id.
func snowflakeTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpochMS).UTC()
}

// discord maps interactions by numeric type (Part C), and app webhook
// events ({"type":1,"event":{"type":"APPLICATION_AUTHORIZED"}}, ping
// {"version":1,"type":0}) by their event type.
func discord(in input) Event {
	o := in.o
	n, _ := o.int("type")
	if ev := o.obj("event"); ev != nil {
		return Event{RawType: ev.str("type"), OccurredAt: parseTime(ev.get("timestamp"))}
	}
	if n == 0 && o.str("version") != "" {
		return result("system.ping", "webhook_ping", time.Time{}, o.str("application_id"), nil)
	}
	raw, ok := discordInteractionTypes[n]
	if !ok {
		return Event{RawType: o.str("type")}
	}
	at := snowflakeTime(o.str("id"))
	subject := firstNonEmpty(o.str("channel_id"), o.str("guild_id"), o.str("application_id"))
	d := data{}
	d.set("user", firstNonEmpty(o.str("member", "user", "id"), o.str("user", "id")))
	d.set("channel", o.str("channel_id"))
	d.set("guild", o.str("guild_id"))
	var typ string
	switch n {
	case 1:
		return result("system.ping", raw, at, o.str("application_id"), nil)
	case 2:
		typ = "chat.command"
		d.set("command", o.str("data", "name"))
	case 3:
		typ = "chat.interaction"
		d.set("custom_id", o.str("data", "custom_id"))
	case 5:
		typ = "chat.form.submitted"
		d.set("custom_id", o.str("data", "custom_id"))
	default:
		return Event{RawType: raw, OccurredAt: at, Subject: subject}
	}
	return result(typ, raw, at, subject, d)
}
