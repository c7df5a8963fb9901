// Package verify checks the authenticity of inbound webhooks for every
// scheme of providers.md Part B. Signatures are computed over the raw body
// bytes and compared in constant time (hmac.Equal, Ed25519); anything
// missing, malformed, stale, unknown or unconfigured is rejected (fail
// closed). Any of Config.Secrets may match, so a rotated secret stays valid
// during its grace period. Timestamps are held to Config.Tolerance (5
// minutes by default) in both directions, and only after the signature
// matched, so "timestamp too old" always means a genuine but replayed or
// delayed delivery.
//
// It is a leaf package (standard library only). The gateway calls Verify
// with the endpoint's Config and the request as received, and keys its
// de-duplication and replay cache on Result.DeliveryID and
// Result.Signature; what it stores, normalizes and hashes is RedactBody's
// body, without a token a scheme read there. Sign produces a delivery
// Verify accepts, for the gateway's signed test deliveries.
//
// Schemes (Config.Secrets holds, unless said otherwise, the secret as the
// provider shows it):
//
//   - github: X-Hub-Signature-256 "sha256=<hex HMAC-SHA256(body)>"; the
//     SHA-1 X-Hub-Signature only with Config.Legacy. Delivery id
//     X-GitHub-Delivery.
//   - gitlab_token: X-Gitlab-Token equal to the secret, or the signing-token
//     form (webhook-id/-timestamp/-signature "v1,<base64>" over
//     "{id}.{ts}.{body}"). The signing key format is unconfirmed [?]: the
//     raw token is tried, and a "whsec_" secret's decoded key too. Delivery
//     id Idempotency-Key, else X-Gitlab-Event-UUID, else webhook-id.
//   - slack: X-Slack-Signature "v0=<hex>" over "v0:{ts}:{body}", timestamp
//     X-Slack-Request-Timestamp.
//   - standard_webhooks: Standard Webhooks, Svix and Resend (webhook-* or
//     svix-* headers); secret "whsec_<base64 key>"; several space-separated
//     signatures, any v1 may match; v1a (Ed25519) entries are ignored.
//   - stripe: Stripe-Signature "t=…,v1=…" (several v1 allowed) over
//     "{t}.{body}", secret used as a plain string.
//   - bitbucket: X-Hub-Signature "sha256=<hex>"; delivery id X-Request-UUID
//     (X-Request-Id on Server/Data Center).
//   - discord_ed25519: X-Signature-Ed25519 over "{X-Signature-Timestamp}{body}";
//     the secret is the application's hex public key. The 5-minute window
//     is ihub's: Discord documents none.
//   - twilio: X-Twilio-Signature, base64 HMAC-SHA1 of the full public URL
//     plus the sorted form parameters (or, with bodySHA256 in the URL, the
//     URL alone and the body's hash). Any other body (JSON without
//     bodySHA256, a GET request's body) is refused, as nothing signs it.
//     Request.URL must be the URL exactly as Twilio called it; the default
//     port is tolerated either way.
//   - terraform: X-TFE-Notification-Signature, hex HMAC-SHA512 of the body.
//   - whmcs: ihub's hook module (providers.md B10): X-Hub-Signature-256
//     "sha256=<hex>" over "{X-Hub-Timestamp}.{body}", delivery id
//     X-Hub-Delivery.
//   - netcash: Pay Now postbacks are unsigned; ihub signs Reference and
//     Amount into the Extra3 token it issues (NetcashExtra3). Verified: the
//     postback concerns a payment ihub created, with its amount. Not
//     verifiable: that NetCash sent it and its outcome fields, since the
//     token passes through the payer's browser. See netcash.go.
//   - didit: X-Timestamp plus X-Signature-V2 (canonical JSON; Unicode and
//     timestamp-prefix variants tried [?]) or X-Signature (raw body);
//     X-Signature-Simple (envelope only) with Config.Legacy.
//   - zoho_sign: X-ZS-WEBHOOK-SIGNATURE, base64 HMAC-SHA256 of the body [L].
//   - zoho_payments: X-Zoho-Webhook-Signature "t={ms},v={hex}", HMAC-SHA256
//     of "{t}.{body}" (providers.md B13) [V]; t held to the tolerance.
//   - header_token: the header Config.HeaderName equals a secret.
//   - query_token: the URL query parameter Config.QueryParam (in
//     Request.URL) equals a secret, for senders that can add a parameter
//     but no header (Zoho CRM workflow webhooks). A parameter given more
//     than once is refused whatever its values (parsers disagree on which
//     one counts), and so is a query that does not parse.
//   - body_token: the top-level member Config.BodyField of a JSON object
//     body is a string equal to a secret (Zoho CRM's Notifications API
//     echoes its channel "token" so, providers.md B13). A body that is not
//     one JSON object, a member given twice or not a string is refused; a
//     nested member does not count. RedactBody gives the body to store,
//     without the token.
//   - basic_auth: Authorization: Basic with Config.Username and a secret.
//   - hmac: generic, per Config.HMAC (algorithm, header, hex/base64, prefix,
//     body or "{timestamp}.{body}").
//   - none: accepts everything; valid only when chosen explicitly.
package verify
