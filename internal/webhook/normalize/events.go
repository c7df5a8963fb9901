package normalize

import (
	"sort"
	"strings"
	"time"
)

// resendTypes maps Resend event types per Part C.
var resendTypes = map[string]string{
	"email.sent":             "email.sent",
	"email.delivered":        "email.delivered",
	"email.delivery_delayed": "email.delayed",
	"email.bounced":          "email.bounced",
	"email.complained":       "email.complained",
	"email.opened":           "email.opened",
	"email.clicked":          "email.clicked",
	"email.failed":           "email.failed",
	"email.received":         "email.received",
}

// resend maps {"type","created_at","data":{"email_id",…}}. Data: email_id,
// from, to (list), title (the email's subject), bounce_type,
// bounce_message, link (clicks). Subject is the email id.
func resend(in input) Event {
	o := in.o
	raw := o.str("type")
	at := parseTime(o.get("created_at"))
	dd := o.obj("data")
	typ, ok := resendTypes[raw]
	if !ok {
		// A contact or domain event: its object's id, name and status.
		d := data{}
		d.set("id", dd.str("id"))
		d.set("name", dd.str("name"))
		d.set("status", dd.str("status"))
		return result("", raw, at, firstNonEmpty(dd.str("id"), dd.str("email_id")), d)
	}
	d := data{}
	d.set("email_id", dd.str("email_id"))
	d.set("from", dd.str("from"))
	if to := stringList(dd.get("to")); len(to) > 0 {
		d["to"] = to
	}
	d.set("title", dd.str("subject"))
	d.set("bounce_type", dd.str("bounce", "type"))
	d.set("bounce_message", dd.str("bounce", "message"))
	d.set("link", dd.str("click", "link"))
	return result(typ, raw, at, dd.str("email_id"), d)
}

// diditStatusTypes maps a status.updated session status per Part C.
var diditStatusTypes = map[string]string{
	"approved":    "kyc.approved",
	"declined":    "kyc.declined",
	"in review":   "kyc.review_required",
	"abandoned":   "kyc.abandoned",
	"resubmitted": "kyc.resubmission_requested",
	"in progress": "kyc.started",
}

// didit maps {"session_id","status","webhook_type","timestamp",…}. Data:
// session_id, status, vendor_data, workflow_id, session_kind. Subject is
// the session id.
func didit(in input) Event {
	o := in.o
	raw := o.str("webhook_type")
	status := o.str("status")
	at := parseTime(o.get("timestamp"))
	if at.IsZero() {
		at = parseTime(o.get("created_at"))
	}
	var typ string
	switch raw {
	case "status.updated":
		typ = diditStatusTypes[strings.ToLower(strings.TrimSpace(status))]
	case "data.updated":
		typ = "kyc.updated"
	}
	d := data{}
	d.set("session_id", o.str("session_id"))
	d.set("status", status)
	d.set("vendor_data", o.str("vendor_data"))
	d.set("workflow_id", o.str("workflow_id"))
	d.set("session_kind", o.str("session_kind"))
	return result(typ, raw, at, o.str("session_id"), d)
}

// zohoSignTypes maps notifications.operation_type per Part C [?].
var zohoSignTypes = map[string]string{
	"RequestCompleted":      "esign.completed",
	"RequestSigningSuccess": "esign.signed",
	"RequestRejected":       "esign.declined",
	"RequestRecalled":       "esign.recalled",
	"RequestExpired":        "esign.expired",
	"RequestViewed":         "esign.viewed",
}

// zohoSign maps {"requests":{…},"notifications":{"operation_type",…}}.
// Data: request_id, request_name, request_status, actor_email, actor_name.
// Subject is the request id.
func zohoSign(in input) Event {
	o := in.o
	raw := o.str("notifications", "operation_type")
	req := o.obj("requests")
	d := data{}
	d.set("request_id", req.str("request_id"))
	d.set("request_name", req.str("request_name"))
	d.set("request_status", req.str("request_status"))
	d.set("actor_email", o.str("notifications", "performed_by_email"))
	d.set("actor_name", o.str("notifications", "performed_by_name"))
	return result(zohoSignTypes[raw], raw, parseTime(o.get("notifications", "performed_at")), req.str("request_id"), d)
}

// zohoCRM maps a Notifications API callback ({"module","operation","ids",
// "channel_id","token","server_time"}). Data: module, ids, channel_id (the
// token is a secret and is not copied). Subject is "<module>/<id>" for one
// record, the module for several. Workflow webhooks (custom bodies) are
// normalized generically.
func zohoCRM(in input) Event {
	o := in.o
	op := o.str("operation")
	if op == "" {
		return generic(in)
	}
	typ := map[string]string{
		"insert": "crm.record.created",
		"update": "crm.record.updated",
		"delete": "crm.record.deleted",
	}[op]
	module := o.str("module")
	ids := stringList(o.get("ids"))
	subject := module
	if len(ids) == 1 {
		subject = module + "/" + ids[0]
	}
	d := data{}
	d.set("module", module)
	if len(ids) > 0 {
		d["ids"] = ids
	}
	d.set("channel_id", o.str("channel_id"))
	return result(typ, op, parseTime(o.get("server_time")), subject, d)
}

// zohoDesk maps a Zoho Desk webhook: an array of {"eventType","payload",
// "eventTime"} [?], by its first event (zohoDeskAll makes one per
// element), whose event_count says how many the delivery held.
// Ticket_Add → ticket.created, Ticket_Thread_Add → ticket.replied (author
// from the thread direction), Ticket_Update to status Closed →
// ticket.closed. Subject is the ticket id.
func zohoDesk(in input) Event {
	var events []any
	switch v := in.body.(type) {
	case []any:
		events = v
	case map[string]any:
		events = []any{v}
	}
	if len(events) == 0 {
		return Event{}
	}
	e := asObj(events[0])
	raw := e.str("eventType")
	p := e.obj("payload")
	at := parseTime(e.get("eventTime"))
	d := data{}
	var typ, ticket string
	switch raw {
	case "Ticket_Add":
		typ, ticket = "ticket.created", p.str("id")
	case "Ticket_Thread_Add":
		typ, ticket = "ticket.replied", p.str("ticketId")
		d.set("reply_id", p.str("id"))
		switch p.str("direction") {
		case "in":
			d.set("author", "customer")
		case "out":
			d.set("author", "agent")
		}
	case "Ticket_Update":
		ticket = p.str("id")
		if strings.EqualFold(p.str("status"), "Closed") && !strings.EqualFold(e.str("prevState", "status"), "Closed") {
			typ = "ticket.closed"
		}
	}
	d.set("ticket_id", ticket)
	d.set("ticket_mask", p.str("ticketNumber"))
	d.set("title", p.str("subject"))
	d.set("department", p.str("departmentId"))
	d.set("priority", p.str("priority"))
	d.set("status", p.str("status"))
	d.set("customer_id", p.str("contactId"))
	if len(events) > 1 {
		d["event_count"] = int64(len(events))
	}
	return result(typ, raw, at, ticket, d)
}

// zohoDeskAll is zohoDesk for a whole batch: one event per element, in the
// batch's order; only the first carries event_count.
func zohoDeskAll(in input) []Event {
	evs := []Event{zohoDesk(in)}
	batch, _ := in.body.([]any)
	for i := 1; i < len(batch) && len(evs) < MaxEvents; i++ {
		evs = append(evs, zohoDesk(input{header: in.header, body: []any{batch[i]}}))
	}
	return evs
}

// clickatellFailed lists Clickatell's failure statuses (Part C: 005, 007,
// 009, 010, 012) with their string spellings [?].
var clickatellFailed = map[string]bool{
	"005": true, "007": true, "009": true, "010": true, "012": true,
	"ERROR_WITH_MESSAGE": true, "ERROR_DELIVERING_MESSAGE": true, "ERROR_DELIVERING": true,
	"ROUTING_ERROR": true, "MESSAGE_EXPIRED": true, "EXPIRED": true, "OUT_OF_CREDIT": true,
}

// clickatellStatus returns the status as a three-digit code when numeric
// ("4" → "004"), else upper-cased.
func clickatellStatus(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789") == "" && len(s) <= 3 {
		return strings.Repeat("0", 3-len(s)) + s
	}
	return strings.ToUpper(s)
}

// clickatell maps status callbacks (messageId/apiMsgId, status or
// statusCode) and reply callbacks (messageId/moMsgId, text from
// fromNumber/from), JSON or
// form. Data: message_id, client_message_id, to, from, status,
// description, text (replies). The apiKey is not copied. Subject is the
// message id.
func clickatell(in input) Event {
	o := in.o
	// moMsgId: the legacy HTTP API's reply callback.
	id := o.first("messageId", "apiMsgId", "moMsgId")
	at := parseTime(o.first("timestamp"))
	d := data{}
	d.set("message_id", id)
	d.set("client_message_id", o.first("clientMessageId", "cliMsgId"))
	d.set("to", o.first("toNumber", "to"))
	d.set("from", o.first("fromNumber", "from"))
	raw := o.first("statusCode", "status")
	if raw == "" {
		if text := o.first("text", "moText"); text != "" || o.first("replyMessageId") != "" {
			d.set("text", text)
			return result("sms.received", "reply_callback", at, id, d)
		}
		return generic(in)
	}
	status := clickatellStatus(raw)
	d.set("status", status)
	d.set("description", o.first("statusDescription"))
	var typ string
	switch {
	case status == "004" || status == "RECEIVED_BY_RECIPIENT":
		typ = "sms.delivered"
	case status == "003" || status == "DELIVERED_TO_GATEWAY":
		typ = "sms.sent"
	case clickatellFailed[status]:
		typ = "sms.failed"
	}
	return result(typ, "status."+status, at, id, d)
}

// smsWebhook maps SMS gateway callbacks: Twilio-shaped (MessageSid,
// MessageStatus/SmsStatus, inbound Body) or generic (messageId, status).
// Data: message_id, to, from, status, error_code, text (inbound). Subject is
// the message id.
func smsWebhook(in input) Event {
	o := in.o
	id := o.first("MessageSid", "SmsSid", "messageId", "message_id")
	status := strings.ToLower(o.first("MessageStatus", "SmsStatus", "status"))
	d := data{}
	d.set("message_id", id)
	d.set("to", o.first("To", "to"))
	d.set("from", o.first("From", "from"))
	d.set("error_code", o.first("ErrorCode", "error_code"))
	if status == "received" || (status == "" && o.first("Body") != "") {
		d.set("text", o.first("Body", "text"))
		return result("sms.received", "received", time.Time{}, id, d)
	}
	if status == "" {
		return generic(in)
	}
	d.set("status", status)
	var typ string
	switch status {
	case "delivered":
		typ = "sms.delivered"
	case "sent":
		typ = "sms.sent"
	case "failed", "undelivered", "rejected", "expired":
		typ = "sms.failed"
	}
	return result(typ, status, parseTime(o.first("timestamp", "time")), id, d)
}

// terraformTypes maps notification triggers per Part C.
var terraformTypes = map[string]string{
	"run:completed":       "iac.run.applied",
	"run:errored":         "iac.run.failed",
	"run:needs_attention": "iac.run.needs_approval",
	"verification":        "system.ping",
}

// terraform maps a notification ({"run_id","workspace_name",…,
// "notifications":[{"trigger","run_status","run_updated_at",…}]}) by its
// first notification (terraformAll makes one event per notification).
// Data: run_id, workspace, organization, url, message, status, actor.
// Subject is the run id (a ping: the notification configuration id).
func terraform(in input) Event {
	o := in.o
	var n obj
	if ns := o.arr("notifications"); len(ns) > 0 {
		n = asObj(ns[0])
	}
	raw := n.str("trigger")
	at := parseTime(n.get("run_updated_at"))
	if at.IsZero() {
		at = parseTime(o.get("run_created_at"))
	}
	subject := firstNonEmpty(o.str("run_id"), o.str("workspace_id"), o.str("notification_configuration_id"))
	d := data{}
	typ := terraformTypes[raw]
	if typ == "system.ping" {
		return result(typ, raw, at, o.str("notification_configuration_id"), nil)
	}
	d.set("run_id", o.str("run_id"))
	d.set("workspace", o.str("workspace_name"))
	d.set("organization", o.str("organization_name"))
	d.set("url", o.str("run_url"))
	d.set("message", o.str("run_message"))
	d.set("status", n.str("run_status"))
	d.set("actor", firstNonEmpty(n.str("run_updated_by"), o.str("run_created_by")))
	return result(typ, raw, at, subject, d)
}

// terraformAll is terraform for each notification of a delivery, in the
// payload's order: the run's fields with that notification's trigger,
// status, time and actor.
func terraformAll(in input) []Event {
	evs := []Event{terraform(in)}
	ns := in.o.arr("notifications")
	for i := 1; i < len(ns) && len(evs) < MaxEvents; i++ {
		o := in.o.withOnly(ns[i], "notifications")
		evs = append(evs, terraform(input{header: in.header, body: map[string]any(o), o: o}))
	}
	return evs
}

// awx maps a webhook notification's default body ({"id","name","url",
// "status","started","finished",…}): successful → succeeded, failed/error →
// failed, pending/waiting/running → started. Data: job_id, name, status,
// url, actor, playbook, inventory, project. Subject is the job id.
func awx(in input) Event {
	o := in.o
	status := o.str("status")
	if status == "" || o.str("id") == "" {
		return generic(in)
	}
	var typ string
	at := parseTime(o.get("finished"))
	switch status {
	case "successful":
		typ = "automation.job.succeeded"
	case "failed", "error":
		typ = "automation.job.failed"
	case "pending", "waiting", "running":
		typ = "automation.job.started"
		at = parseTime(o.get("started"))
	}
	d := data{}
	d.set("job_id", o.str("id"))
	d.set("name", o.str("name"))
	d.set("status", status)
	d.set("url", o.str("url"))
	d.set("actor", o.str("created_by"))
	d.set("playbook", o.str("playbook"))
	d.set("inventory", o.str("inventory"))
	d.set("project", o.str("project"))
	return result(typ, "job."+status, at, o.str("id"), d)
}

// awsSNS names SNS messages by their Type (no standard names: they become
// aws_sns.Notification, aws_sns.SubscriptionConfirmation, …). Data:
// message_id, topic_arn, title (the SNS Subject), message (≤ 1 KiB),
// subscribe_url. Subject is the topic ARN.
func awsSNS(in input) Event {
	o := in.o
	raw := firstNonEmpty(o.str("Type"), headerValue(in.header, "x-amz-sns-message-type"))
	if raw == "" {
		return generic(in)
	}
	d := data{}
	d.set("message_id", o.str("MessageId"))
	d.set("topic_arn", o.str("TopicArn"))
	d.set("title", o.str("Subject"))
	d.set("message", o.str("Message"))
	d.set("subscribe_url", o.str("SubscribeURL"))
	return result("", raw, parseTime(o.get("Timestamp")), o.str("TopicArn"), d)
}

// whmHookTypes maps cPanel & WHM standardized hook events (stage post) that
// a hook script forwards as {"context":{…},"data":{…}} [?].
var whmHookTypes = map[string]string{
	"Accounts::Create":        "account.created",
	"Accounts::suspendacct":   "account.suspended",
	"Accounts::unsuspendacct": "account.unsuspended",
	"Accounts::Remove":        "account.terminated",
}

// whmHook maps a forwarded standardized hook ({"context":{"category":
// "Whostmgr","event":"Accounts::suspendacct","stage":"post"},"data":{"user",
// …}}); other bodies are normalized generically. Data: user, domain, plan,
// reason. Subject is the account's user name.
func whmHook(in input) Event {
	o := in.o
	ctx := o.obj("context")
	if ctx == nil {
		return generic(in)
	}
	event, stage := ctx.str("event"), ctx.str("stage")
	raw := ctx.str("category") + "::" + event
	if stage != "" {
		raw += ":" + stage
	}
	var typ string
	if stage == "" || stage == "post" {
		typ = whmHookTypes[event]
	}
	dd := o.obj("data")
	d := data{}
	d.set("user", dd.str("user"))
	d.set("domain", dd.str("domain"))
	d.set("plan", firstNonEmpty(dd.str("plan"), dd.str("pkgname")))
	d.set("reason", dd.str("reason"))
	return result(typ, raw, time.Time{}, dd.str("user"), d)
}

// genericTypeKeys are the body fields a generic delivery names its event
// with, in order.
var genericTypeKeys = []string{"type", "event", "event_type", "eventType"}

// maxGenericFields bounds the fields generic copies into Data.
const maxGenericFields = 32

// SecretWords mark a name that may stand for a credential or a signature:
// a header stored with a delivery, or a field generic would copy into an
// event's data. A name holding one, ignoring case, is never kept in clear.
var SecretWords = []string{"auth", "token", "secret", "password", "passwd", "passphrase", "signature", "hmac", "cookie",
	"credential", "session", "apikey", "api-key", "api_key", "accesskey", "access-key", "access_key",
	"privatekey", "private-key", "private_key", "signingkey", "signing-key", "signing_key", "sshkey", "ssh-key", "ssh_key"}

// secretish reports whether a field name holds one of SecretWords, which
// generic never copies.
func secretish(key string) bool {
	k := strings.ToLower(key)
	for _, s := range SecretWords {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// generic normalizes a delivery without a provider-specific shape: RawType
// from the first of "type", "event", "event_type", "eventType";
// OccurredAt from "occurred_at", "timestamp", "created_at", "time" or
// "created"; Subject from data.object.id or data.id; Data the first 32 (by
// name) scalar fields of the "data" object, or of the body when it has
// none, leaving out the type field and anything named like a credential.
func generic(in input) Event {
	o := in.o
	raw := o.first(genericTypeKeys...)
	at := parseTime(o.first("occurred_at", "timestamp", "created_at", "time", "created"))
	subject := firstNonEmpty(o.str("data", "object", "id"), o.str("data", "id"))
	src, skip := o.obj("data"), map[string]bool{}
	if src == nil {
		src = o
		for _, k := range genericTypeKeys {
			skip[strings.ToLower(k)] = true
		}
	}
	keys := make([]string, 0, len(src))
	for k, v := range src {
		if scalar(v) != "" && !skip[strings.ToLower(k)] && !secretish(k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > maxGenericFields {
		keys = keys[:maxGenericFields]
	}
	d := data{}
	for _, k := range keys {
		d.set(cleanRaw(k), scalar(src[k]))
	}
	return result("", raw, at, subject, d)
}

// genericHTTP normalizes the generic http provider: a Stripe-shaped event
// ("object":"event") gets Part C's Stripe names; otherwise the type is
// "http." and the body's own "type"/"event" value (reduced to the type
// alphabet), like any provider's unknown event, so that a sender's own
// names never pose as standard events; "http.event" when it names none.
// Data as in generic (Stripe: as documented in billing.go).
func genericHTTP(in input) Event {
	if in.o.str("object") == "event" {
		if ev := stripe(in.o); ev.Type != "" {
			return ev
		}
	}
	ev := generic(in)
	if ev.RawType == "" {
		ev.Type = "http.event"
	}
	return ev
}
