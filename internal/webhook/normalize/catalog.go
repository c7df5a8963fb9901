package normalize

import "slices"

// TypeInfo describes one standard event type, for docs and the API.
type TypeInfo struct {
	// Type is the event type ("code.push").
	Type string `json:"type"`
	// Description says what happened, and which Data fields it carries.
	Description string `json:"description"`
	// Providers lists the ihub provider ids that emit it.
	Providers []string `json:"providers"`
}

// catalogue is the one list of standard types; the normalizers emit no
// other type except "<provider>.<raw>" (the generic http provider's too:
// "http.<the body's type>") and "<provider>.unparsed".
var catalogue = []TypeInfo{
	{"code.push", "Commits pushed to a branch (or a branch created/deleted). Data: repository, ref, branch, before, after, commit_count, actor, url, created, deleted, forced. commit_count is GitLab's total; GitHub's payload lists 20 commits at most, Bitbucket's 5 (then commits_truncated is true).", []string{"github", "gitlab", "bitbucket"}},
	{"code.tag.created", "A tag was pushed. Data: repository, tag, sha, actor.", []string{"github", "gitlab", "bitbucket"}},
	{"code.tag.deleted", "A tag was deleted. Data: repository, tag, sha, actor.", []string{"github", "gitlab", "bitbucket"}},
	{"code.pr.opened", "A pull/merge request was opened or reopened. Data: repository, number, title, actor, source_branch, target_branch, url.", []string{"github", "gitlab", "bitbucket"}},
	{"code.pr.merged", "A pull/merge request was merged. Data as code.pr.opened.", []string{"github", "gitlab", "bitbucket"}},
	{"code.pr.closed", "A pull/merge request was closed without merging. Data as code.pr.opened.", []string{"github", "gitlab", "bitbucket"}},
	{"issue.created", "An issue was opened. Data: repository, number, title, actor, url.", []string{"github", "gitlab", "bitbucket"}},
	{"issue.closed", "An issue was closed. Data as issue.created.", []string{"github", "gitlab"}},
	{"comment.created", "A comment on an issue, pull/merge request or commit. Data: repository, number, on, actor, url, body.", []string{"github", "gitlab"}},
	{"release.published", "A release was published. Data: repository, tag, name, url.", []string{"github", "gitlab"}},
	{"ci.run.succeeded", "A CI run (workflow, pipeline, commit status) succeeded. Data: repository, run_id, name, branch, sha, status, url.", []string{"github", "gitlab", "bitbucket"}},
	{"ci.run.failed", "A CI run failed. Data as ci.run.succeeded.", []string{"github", "gitlab", "bitbucket"}},
	{"system.ping", "The provider tested the endpoint (GitHub ping, Discord PING, Terraform verification, Bitbucket Server diagnostics).", []string{"github", "bitbucket", "discord", "terraform"}},
	{"system.challenge", "URL verification to be answered with the challenge (Slack url_verification). Data: challenge.", []string{"slack"}},
	{"chat.message.received", "A message was posted in a channel the app sees. Data: team, channel, user, text, ts, thread_ts, subtype.", []string{"slack"}},
	{"chat.mention", "The app was mentioned. Data as chat.message.received.", []string{"slack"}},
	{"chat.command", "A slash command was invoked. Data: command, text, user, channel, team or guild.", []string{"slack", "discord"}},
	{"chat.interaction", "A button or other component was used. Data: user, channel, team or guild, action_id or custom_id.", []string{"slack", "discord"}},
	{"chat.form.submitted", "A modal form was submitted. Data: user, team, callback_id or custom_id.", []string{"slack", "discord"}},
	{"payment.succeeded", "A payment went through (WHMCS: possibly partial). Data: reference, amount or amount_minor, currency, transaction_id, invoice_id, customer_id, method, reason, accepted.", []string{"whmcs", "netcash", "zoho_billing", "http"}},
	{"payment.pending", "An offline payment (EFT, retail) is pending. Data as payment.succeeded.", []string{"netcash"}},
	{"payment.failed", "A payment was declined or failed. Data as payment.succeeded.", []string{"netcash", "zoho_billing", "http"}},
	{"payment.cancelled", "The payer cancelled the payment. Data as payment.succeeded.", []string{"netcash"}},
	{"payment.refunded", "A payment was refunded (Stripe-shaped events). Data as payment.succeeded.", []string{"http"}},
	{"invoice.created", "An invoice was created. Data: invoice_id, customer_id, status, amount or amount_minor, currency.", []string{"whmcs", "zoho_billing"}},
	{"invoice.paid", "An invoice was paid in full. Data as invoice.created.", []string{"whmcs", "http"}},
	{"invoice.payment_failed", "Collecting an invoice failed (Stripe-shaped events). Data as invoice.created.", []string{"http"}},
	{"invoice.cancelled", "An invoice was cancelled. Data as invoice.created.", []string{"whmcs"}},
	{"invoice.reopened", "A paid or cancelled invoice was marked unpaid again. Data as invoice.created.", []string{"whmcs"}},
	{"subscription.created", "A subscription was created. Data: subscription_id, customer_id, plan, status.", []string{"zoho_billing", "http"}},
	{"subscription.activated", "A subscription became active. Data as subscription.created.", []string{"zoho_billing"}},
	{"subscription.cancelled", "A subscription was cancelled. Data as subscription.created.", []string{"zoho_billing", "http"}},
	{"customer.created", "A client was added. Data: customer_id, email, firstname, lastname, company.", []string{"whmcs"}},
	{"customer.updated", "A client's details changed. Data as customer.created.", []string{"whmcs"}},
	{"order.accepted", "An order was accepted. Data: order_id, invoice_id, customer_id.", []string{"whmcs"}},
	{"order.paid", "An order was paid. Data as order.accepted.", []string{"whmcs"}},
	{"service.provisioned", "A hosting service was created by its module. Data: service_id, customer_id, product_id, domain, username.", []string{"whmcs"}},
	{"service.suspended", "A hosting service was suspended. Data as service.provisioned.", []string{"whmcs"}},
	{"service.unsuspended", "A hosting service was unsuspended. Data as service.provisioned.", []string{"whmcs"}},
	{"service.terminated", "A hosting service was terminated. Data as service.provisioned.", []string{"whmcs"}},
	{"account.created", "A cPanel account was created (forwarded WHM hook). Data: user, domain, plan, reason.", []string{"whm", "cpanel"}},
	{"account.suspended", "A cPanel account was suspended. Data as account.created.", []string{"whm", "cpanel"}},
	{"account.unsuspended", "A cPanel account was unsuspended. Data as account.created.", []string{"whm", "cpanel"}},
	{"account.terminated", "A cPanel account was removed. Data as account.created.", []string{"whm", "cpanel"}},
	{"ticket.created", "A support ticket was opened. Data: ticket_id, ticket_mask, title, department, priority, status, customer_id.", []string{"whmcs", "zoho_desk"}},
	{"ticket.replied", "A ticket got a reply. Data as ticket.created, plus reply_id and author (customer or agent).", []string{"whmcs", "zoho_desk"}},
	{"ticket.closed", "A ticket was closed. Data as ticket.created.", []string{"whmcs", "zoho_desk"}},
	{"kyc.approved", "A KYC session was approved. Data: session_id, status, vendor_data, workflow_id, session_kind.", []string{"didit"}},
	{"kyc.declined", "A KYC session was declined. Data as kyc.approved.", []string{"didit"}},
	{"kyc.review_required", "A KYC session needs manual review. Data as kyc.approved.", []string{"didit"}},
	{"kyc.abandoned", "The user abandoned the KYC session. Data as kyc.approved.", []string{"didit"}},
	{"kyc.resubmission_requested", "The user must resubmit part of the KYC session. Data as kyc.approved.", []string{"didit"}},
	{"kyc.started", "The user started the KYC session. Data as kyc.approved.", []string{"didit"}},
	{"kyc.updated", "A KYC session's data changed. Data as kyc.approved.", []string{"didit"}},
	{"email.sent", "An email was accepted for sending. Data: email_id, from, to, title, bounce_type, bounce_message, link.", []string{"resend"}},
	{"email.delivered", "An email reached the recipient's server. Data as email.sent.", []string{"resend"}},
	{"email.delayed", "Delivery of an email is delayed. Data as email.sent.", []string{"resend"}},
	{"email.bounced", "An email bounced. Data as email.sent (bounce_type, bounce_message).", []string{"resend"}},
	{"email.complained", "The recipient marked an email as spam. Data as email.sent.", []string{"resend"}},
	{"email.opened", "An email was opened. Data as email.sent.", []string{"resend"}},
	{"email.clicked", "A link in an email was clicked. Data as email.sent (link).", []string{"resend"}},
	{"email.failed", "Sending an email failed. Data as email.sent.", []string{"resend"}},
	{"email.received", "An inbound email was received. Data as email.sent.", []string{"resend"}},
	{"esign.completed", "All parties signed the document. Data: request_id, request_name, request_status, actor_email, actor_name.", []string{"zoho_sign"}},
	{"esign.signed", "One signer signed. Data as esign.completed.", []string{"zoho_sign"}},
	{"esign.declined", "A signer declined. Data as esign.completed.", []string{"zoho_sign"}},
	{"esign.recalled", "The sender recalled the request. Data as esign.completed.", []string{"zoho_sign"}},
	{"esign.expired", "The request expired. Data as esign.completed.", []string{"zoho_sign"}},
	{"esign.viewed", "A recipient viewed the document. Data as esign.completed.", []string{"zoho_sign"}},
	{"crm.record.created", "CRM records were created. Data: module, ids, channel_id.", []string{"zoho_crm"}},
	{"crm.record.updated", "CRM records were updated. Data as crm.record.created.", []string{"zoho_crm"}},
	{"crm.record.deleted", "CRM records were deleted. Data as crm.record.created.", []string{"zoho_crm"}},
	{"sms.sent", "An SMS reached the carrier's gateway. Data: message_id, to, from, status, description or error_code.", []string{"clickatell", "sms_webhook"}},
	{"sms.delivered", "An SMS reached the handset. Data as sms.sent.", []string{"clickatell", "sms_webhook"}},
	{"sms.failed", "An SMS could not be delivered. Data as sms.sent.", []string{"clickatell", "sms_webhook"}},
	{"sms.received", "An inbound SMS (reply) arrived. Data: message_id, to, from, text.", []string{"clickatell", "sms_webhook"}},
	{"iac.run.applied", "A Terraform run completed. Data: run_id, workspace, organization, url, message, status, actor.", []string{"terraform"}},
	{"iac.run.failed", "A Terraform run errored. Data as iac.run.applied.", []string{"terraform"}},
	{"iac.run.needs_approval", "A Terraform run waits for confirmation. Data as iac.run.applied.", []string{"terraform"}},
	{"automation.job.succeeded", "An AWX job succeeded. Data: job_id, name, status, url, actor, playbook, inventory, project.", []string{"awx"}},
	{"automation.job.failed", "An AWX job failed. Data as automation.job.succeeded.", []string{"awx"}},
	{"automation.job.started", "An AWX job started. Data as automation.job.succeeded.", []string{"awx"}},
	{"http.event", "A generic HTTP delivery naming no event type (generic deliveries that do are typed http.<their type>, e.g. http.order.created). Data: up to 32 scalar fields of the body's data object.", []string{"http"}},
}

// Types returns the catalogue of standard event types, sorted by type. The
// slice is a copy; callers may modify it.
func Types() []TypeInfo {
	out := make([]TypeInfo, len(catalogue))
	for i, t := range catalogue {
		t.Providers = slices.Clone(t.Providers)
		out[i] = t
	}
	slices.SortFunc(out, func(a, b TypeInfo) int {
		switch {
		case a.Type < b.Type:
			return -1
		case a.Type > b.Type:
			return 1
		}
		return 0
	})
	return out
}
