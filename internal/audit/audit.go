// Package audit defines the activity log: an append-only record of every
// admin action and every use of a secret. Entries carry who did what to
// which target, from where, and details that never include a secret value.
// Writers hand entries to the store together with the change they describe,
// so an action and its record commit or fail together.
package audit

import "time"

// ActorType says what kind of principal acted.
type ActorType string

// The actor types.
const (
	ActorUser   ActorType = "user"   // a console session
	ActorToken  ActorType = "token"  // an API token
	ActorSystem ActorType = "system" // ihub itself (jobs, schedules)
	ActorCLI    ActorType = "cli"    // the ihub command line on the server
	ActorAnon   ActorType = "anonymous"
)

// Actor is who performed an action and from where.
type Actor struct {
	Type ActorType `json:"type"`
	// ID is the user id (for tokens, the owning user's id).
	ID string `json:"id,omitempty"`
	// Name is the user's email, or the token name, or "system".
	Name      string `json:"name,omitempty"`
	TokenID   string `json:"tokenId,omitempty"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// System is the actor for work ihub does on its own.
var System = Actor{Type: ActorSystem, Name: "system"}

// The actions recorded. Keep names stable: filters and alerts match on them.
const (
	IntegrationCreated   = "integration.created"
	IntegrationUpdated   = "integration.updated"
	IntegrationDeleted   = "integration.deleted"
	IntegrationTested    = "integration.tested"
	CredentialsChanged   = "integration.credentials_changed"
	CredentialsDecrypted = "integration.credentials_decrypted"
	ActionRun            = "integration.action_run"

	WebhookEndpointCreated = "webhook.endpoint_created"
	WebhookEndpointUpdated = "webhook.endpoint_updated"
	WebhookEndpointDeleted = "webhook.endpoint_deleted"
	WebhookReplayed        = "webhook.replayed"
	WebhookTested          = "webhook.tested"
	SubscriptionCreated    = "subscription.created"
	SubscriptionUpdated    = "subscription.updated"
	SubscriptionDeleted    = "subscription.deleted"
	LoginSucceeded         = "auth.login_succeeded"
	LoginFailed            = "auth.login_failed"
	Logout                 = "auth.logout"
	TokenCreated           = "token.created"
	TokenRevoked           = "token.revoked"
	UserCreated            = "user.created"
	UserUpdated            = "user.updated"
	UserDeleted            = "user.deleted"
	KeyRotated             = "vault.key_rotated"

	// SubscriptionAttemptRetried: an undelivered attempt of a subscription
	// was made due now by hand.
	SubscriptionAttemptRetried = "subscription.attempt_retried"
	// SubscriptionDisabled: ihub disabled a subscription because its
	// destination is gone: its subscriber answered 410 Gone, or a chat
	// target's channel or webhook was archived or deleted.
	SubscriptionDisabled = "subscription.disabled"
)

// Entry is one record of the activity log.
type Entry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Actor      Actor     `json:"actor"`
	Action     string    `json:"action"`
	TargetType string    `json:"targetType,omitempty"`
	TargetID   string    `json:"targetId,omitempty"`
	TargetName string    `json:"targetName,omitempty"`
	// IntegrationID links the entry to an integration, for its activity tab.
	IntegrationID string `json:"integrationId,omitempty"`
	Success       bool   `json:"success"`
	// Details holds structured facts: changed field names, test results,
	// counts. Never secret values.
	Details map[string]any `json:"details,omitempty"`
}

// Filter selects entries; zero fields do not filter.
type Filter struct {
	IntegrationID string
	ActorID       string
	Action        string
	Since, Until  time.Time
	// BeforeID pages backwards: only entries with a smaller id.
	BeforeID int64
	Limit    int
}
