package normalize

import (
	"cmp"
	"strings"
	"time"
)

// Billing, payment and hosting-service events (WHMCS, NetCash, Zoho
// Billing, Stripe-shaped bodies on the generic http provider). Amounts are
// kept as the provider spells them: "amount" is a decimal string in major
// units, "amount_minor" an integer in minor units (Stripe). Data:
//
//	payment.*        reference, amount | amount_minor, currency, transaction_id, invoice_id, customer_id, method, reason, accepted
//	invoice.*        invoice_id, customer_id, status, amount | amount_minor, currency
//	subscription.*   subscription_id, customer_id, plan, status
//	customer.*       customer_id, email, firstname, lastname, company
//	order.*          order_id, invoice_id, customer_id
//	service.*        service_id, customer_id, product_id, domain, username
//	ticket.*         ticket_id, ticket_mask, title, department, priority, status, customer_id, reply_id, author (customer|agent)
//
// Subject is the object's id (invoice, ticket, client, order, service,
// subscription, payment reference).

// stripeTypes maps Stripe event types per Part C.
var stripeTypes = map[string]string{
	"payment_intent.succeeded":      "payment.succeeded",
	"payment_intent.payment_failed": "payment.failed",
	"charge.refunded":               "payment.refunded",
	"invoice.paid":                  "invoice.paid",
	"invoice.payment_failed":        "invoice.payment_failed",
	"customer.subscription.created": "subscription.created",
	"customer.subscription.deleted": "subscription.cancelled",
}

// stripe maps a Stripe event ({"id":"evt_…","object":"event","type":…,
// "data":{"object":{…}}}); Type is empty for events without a standard
// name.
func stripe(o obj) Event {
	raw := o.str("type")
	obj := o.obj("data", "object")
	at := parseTime(o.get("created"))
	d := data{}
	typ := stripeTypes[raw]
	switch {
	case strings.HasPrefix(typ, "payment."):
		d.set("transaction_id", obj.str("id"))
		amount, ok := obj.int("amount_received")
		if !ok || amount == 0 {
			amount, ok = obj.int("amount")
		}
		if typ == "payment.refunded" {
			amount, ok = obj.int("amount_refunded")
		}
		d.setN("amount_minor", amount, ok)
		d.set("currency", obj.str("currency"))
		d.set("customer_id", obj.str("customer"))
		d.set("invoice_id", obj.str("invoice"))
		d.set("reason", obj.str("last_payment_error", "message"))
	case strings.HasPrefix(typ, "invoice."):
		d.set("invoice_id", obj.str("id"))
		d.set("customer_id", obj.str("customer"))
		d.set("status", obj.str("status"))
		amount, ok := obj.int("amount_paid")
		if typ == "invoice.payment_failed" || !ok {
			amount, ok = obj.int("amount_due")
		}
		d.setN("amount_minor", amount, ok)
		d.set("currency", obj.str("currency"))
	case strings.HasPrefix(typ, "subscription."):
		d.set("subscription_id", obj.str("id"))
		d.set("customer_id", obj.str("customer"))
		d.set("status", obj.str("status"))
		plan := obj.str("plan", "id")
		if items := obj.arr("items", "data"); plan == "" && len(items) > 0 {
			// The top-level plan is deprecated, and null when there are
			// several items: the first item's price.
			plan = firstNonEmpty(asObj(items[0]).str("price", "id"), asObj(items[0]).str("plan", "id"))
		}
		d.set("plan", plan)
	}
	if typ == "" {
		return Event{RawType: raw, OccurredAt: at, Subject: obj.str("id")}
	}
	return result(typ, raw, at, obj.str("id"), d)
}

// whmcsTypes maps WHMCS hook names per Part C.
var whmcsTypes = map[string]string{
	"TicketOpen":           "ticket.created",
	"TicketUserReply":      "ticket.replied",
	"TicketAdminReply":     "ticket.replied",
	"TicketClose":          "ticket.closed",
	"InvoiceCreated":       "invoice.created",
	"InvoicePaid":          "invoice.paid",
	"AddInvoicePayment":    "payment.succeeded",
	"InvoiceCancelled":     "invoice.cancelled",
	"InvoiceUnpaid":        "invoice.reopened",
	"ClientAdd":            "customer.created",
	"ClientEdit":           "customer.updated",
	"AcceptOrder":          "order.accepted",
	"OrderPaid":            "order.paid",
	"AfterModuleCreate":    "service.provisioned",
	"AfterModuleSuspend":   "service.suspended",
	"AfterModuleUnsuspend": "service.unsuspended",
	"AfterModuleTerminate": "service.terminated",
}

// whmcs maps a delivery from ihub's WHMCS hook module
// (contrib/whmcs/ihub.php): the hook name in the body's "event" (or
// "hook"), else in X-Hub-Event, else the body's "type"; the hook's $vars
// under "vars" (or "data", or as the body itself), JSON or form-encoded. Module hooks nest
// their parameters under "params"; only the fields listed above are copied
// (module parameters include the service password).
func whmcs(in input) Event {
	o := in.o
	// The body's "event" is signed; X-Hub-Event is not, so it only names
	// the event of a body that does not ("type" may be one of the vars).
	hook := cmp.Or(o.first("event", "hook"), headerValue(in.header, "X-Hub-Event"), o.first("type"))
	vars := o
	for _, k := range []string{"vars", "data"} {
		if v := o.obj(k); v != nil {
			vars = v
			break
		}
	}
	if p := asObj(vars.fold("params")); p != nil {
		vars = p
	}
	at := parseTime(o.first("occurred_at", "timestamp"))
	typ, ok := whmcsTypes[hook]
	if !ok {
		return Event{RawType: hook, OccurredAt: at}
	}
	d := data{}
	// Not "user": InvoiceCreated's is who created the invoice ("system" or
	// an admin), not the client.
	customer := vars.first("client_id", "clientid", "userid", "user_id")
	var subject string
	switch {
	case strings.HasPrefix(typ, "ticket."):
		subject = vars.first("ticketid")
		d.set("ticket_id", subject)
		d.set("ticket_mask", vars.first("ticketmask"))
		d.set("title", vars.first("subject"))
		d.set("department", vars.first("deptname"))
		d.set("priority", vars.first("priority"))
		d.set("status", vars.first("status"))
		d.set("reply_id", vars.first("replyid"))
		switch hook {
		case "TicketUserReply":
			d.set("author", "customer")
		case "TicketAdminReply":
			d.set("author", "agent")
		}
	case strings.HasPrefix(typ, "invoice."), typ == "payment.succeeded":
		subject = vars.first("invoiceid", "invoice_id")
		if subject == "" {
			subject = asObj(vars.fold("invoice")).first("id", "invoiceid")
		}
		inv := asObj(vars.fold("invoice")) // some hooks pass the invoice itself
		d.set("invoice_id", subject)
		d.set("status", firstNonEmpty(vars.first("status"), inv.first("status")))
		d.set("amount", firstNonEmpty(vars.first("amount", "total"), inv.first("total")))
		if customer == "" {
			customer = inv.first("userid", "clientid", "client_id")
		}
		d.set("transaction_id", vars.first("transid", "transaction_id"))
		d.set("method", vars.first("gateway", "paymentmethod"))
	case strings.HasPrefix(typ, "customer."):
		subject = customer
		d.set("email", vars.first("email"))
		d.set("firstname", vars.first("firstname"))
		d.set("lastname", vars.first("lastname"))
		d.set("company", vars.first("companyname"))
	case strings.HasPrefix(typ, "order."):
		subject = vars.first("orderid", "order_id")
		d.set("order_id", subject)
		d.set("invoice_id", vars.first("invoiceid", "invoice_id"))
	case strings.HasPrefix(typ, "service."):
		subject = vars.first("serviceid", "accountid", "service_id")
		d.set("service_id", subject)
		d.set("product_id", vars.first("pid", "packageid"))
		d.set("domain", vars.first("domain"))
		d.set("username", vars.first("username"))
	}
	d.set("customer_id", customer)
	return result(typ, hook, at, subject, d)
}

// netcashType classifies a Pay Now postback per Part C, "" when the body is
// not one (neither TransactionAccepted nor Reason).
func netcashType(o obj) string {
	acceptedField := o.first("TransactionAccepted")
	reason := strings.ToLower(o.first("Reason"))
	if acceptedField == "" && reason == "" {
		return ""
	}
	switch {
	case strings.Contains(reason, "pending"):
		return "payment.pending"
	case strings.Contains(reason, "cancel"):
		return "payment.cancelled"
	case strings.Contains(reason, "declined"):
		return "payment.failed"
	case strings.EqualFold(acceptedField, "true"):
		return "payment.succeeded"
	}
	return "payment.failed"
}

// netcash maps a Pay Now postback (form-encoded; JSON accepted too). Extra3
// carries ihub's per-payment secret and card tokens are sensitive: neither
// is copied.
func netcash(in input) Event {
	o := in.o
	typ := netcashType(o)
	if typ == "" {
		return Event{RawType: "postback"}
	}
	d := data{}
	ref := o.first("Reference")
	d.set("reference", ref)
	if amount := o.first("Amount"); amount != "" {
		d.set("amount", amount)
		d.set("currency", "ZAR") // Pay Now charges in rand only; the postback does not say
	}
	d.set("transaction_id", o.first("RequestTrace"))
	d.set("method", o.first("Method"))
	d.set("reason", o.first("Reason"))
	d.setBool("accepted", strings.EqualFold(o.first("TransactionAccepted"), "true"))
	d.set("extra1", o.first("Extra1"))
	d.set("extra2", o.first("Extra2"))
	return result(typ, "postback", time.Time{}, ref, d)
}

// zohoBillingTypes maps Zoho Billing event_type values per Part C [?], and
// the Zoho Payments names that already are standard.
var zohoBillingTypes = map[string]string{
	"subscription_created":   "subscription.created",
	"subscription_activated": "subscription.activated",
	"subscription_cancelled": "subscription.cancelled",
	"payment_thankyou":       "payment.succeeded",
	"payment_declined":       "payment.failed",
	"invoice_notification":   "invoice.created",
	"payment.succeeded":      "payment.succeeded",
	"payment.failed":         "payment.failed",
}

// zohoBilling maps {"event_id","event_type","event_time","data":{…}}
// (Zoho Payments: "event_object" instead of "data").
func zohoBilling(in input) Event {
	o := in.o
	raw := o.str("event_type")
	at := parseTime(o.get("event_time"))
	body := firstObj(o.obj("data"), o.obj("event_object"))
	typ, ok := zohoBillingTypes[raw]
	if !ok {
		return Event{RawType: raw, OccurredAt: at}
	}
	d := data{}
	var subject string
	switch {
	case strings.HasPrefix(typ, "subscription."):
		s := body.obj("subscription")
		subject = s.str("subscription_id")
		d.set("subscription_id", subject)
		d.set("customer_id", firstNonEmpty(s.str("customer_id"), s.str("customer", "customer_id")))
		d.set("plan", s.str("plan", "plan_code"))
		d.set("status", s.str("status"))
	case strings.HasPrefix(typ, "payment."):
		p := body.obj("payment")
		subject = p.str("payment_id")
		d.set("transaction_id", subject)
		d.set("customer_id", p.str("customer_id"))
		d.set("amount", p.str("amount"))
		d.set("currency", firstNonEmpty(p.str("currency_code"), p.str("currency")))
		d.set("reference", firstNonEmpty(p.str("reference_number"), p.str("reference_id")))
		if invs := p.arr("invoices"); len(invs) > 0 {
			d.set("invoice_id", asObj(invs[0]).str("invoice_id"))
		}
	case strings.HasPrefix(typ, "invoice."):
		inv := body.obj("invoice")
		subject = inv.str("invoice_id")
		d.set("invoice_id", subject)
		d.set("customer_id", inv.str("customer_id"))
		d.set("status", inv.str("status"))
		d.set("amount", inv.str("total"))
		d.set("currency", inv.str("currency_code"))
	}
	return result(typ, raw, at, subject, d)
}

func firstObj(os ...obj) obj {
	for _, o := range os {
		if o != nil {
			return o
		}
	}
	return nil
}
