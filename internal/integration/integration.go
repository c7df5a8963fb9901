// Package integration is the integration registry: configured accounts at
// third-party providers, their validation against the provider catalog,
// their sealed credentials, and connection testing. It reaches storage only
// through the Store interface declared here and outbound networks only
// through the *http.Client it is handed.
package integration

import (
	"context"
	"time"

	"ihub/internal/audit"
	"ihub/internal/jobqueue"
	"ihub/internal/provider"
)

// HealthStatus is an integration's health.
type HealthStatus string

// The health statuses.
const (
	HealthUnknown  HealthStatus = "unknown"
	HealthHealthy  HealthStatus = "healthy"
	HealthDegraded HealthStatus = "degraded"
	HealthDown     HealthStatus = "down"
)

// Health is the outcome of the latest checks.
type Health struct {
	Status              HealthStatus
	LastCheckedAt       *time.Time
	LastConnectedAt     *time.Time
	LastError           *string
	LastLatencyMs       *int64
	ConsecutiveFailures int
}

// Integration is one configured account at a provider. It never holds
// credential values: Credentials says which credential fields are set and
// when each last changed.
type Integration struct {
	ID                         string
	Slug                       string
	Name                       string
	Provider                   string
	Category                   provider.Category
	BaseURL                    string
	Username                   string
	Settings                   map[string]any
	Labels                     map[string]string
	Credentials                map[string]time.Time
	IsActive                   bool
	LinkedServerID             *string
	HealthCheckIntervalMinutes int
	AllowPrivateNetwork        bool
	// TLSSkipVerify accepts any TLS certificate from the provider (a
	// self-signed WHM, say): the connection is encrypted but not
	// authenticated.
	TLSSkipVerify bool
	Health        Health
	// Version counts configuration changes; it is the ETag. Health updates
	// do not change it, so a connection test does not invalidate an editor's
	// copy.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SealedCredential is one credential field as stored: AES-GCM ciphertext
// bound to its integration and field.
type SealedCredential struct {
	Field      string
	Ciphertext []byte
	KeyID      string
	UpdatedAt  time.Time
}

// Filter selects integrations; zero fields do not filter.
type Filter struct {
	Provider     string
	Category     string
	HealthStatus string
	IsActive     *bool
	LabelKey     string
	LabelValue   string
	// Search matches a case-insensitive substring of the name or slug.
	Search  string
	AfterID string
	Limit   int
}

// Store is the persistence the registry needs. Writes take the audit entry
// that records them (and any jobs they cause) and commit them in one
// transaction. Lookups return apperr NotFound when nothing matches; a
// duplicate slug is apperr Conflict; an UpdateIntegration whose in.Version
// is not the stored version is apperr PreconditionFailed.
type Store interface {
	CreateIntegration(ctx context.Context, in Integration, creds []SealedCredential, e audit.Entry, jobs ...jobqueue.Args) error
	GetIntegration(ctx context.Context, idOrSlug string) (Integration, error)
	ListIntegrations(ctx context.Context, f Filter) ([]Integration, error)
	UpdateIntegration(ctx context.Context, in Integration, set []SealedCredential, del []string, e audit.Entry) error
	DeleteIntegration(ctx context.Context, id string, e audit.Entry) error
	IntegrationCredentials(ctx context.Context, id string) ([]SealedCredential, error)
	RecordTest(ctx context.Context, id string, h Health, e audit.Entry) error
	RecordActivity(ctx context.Context, e audit.Entry) error
	// APIUsage returns the roll-ups of an integration's outbound calls
	// from since (an hour boundary) to now, its ten most recent failed
	// calls and its latest rate-limit state.
	APIUsage(ctx context.Context, id string, since, now time.Time) (APIUsage, error)
	// IntegrationsChangeCounter returns a number that changes whenever any
	// integration is created, updated or deleted (on any replica).
	IntegrationsChangeCounter(ctx context.Context) (int64, error)
}

// TestArgs is the job that tests an integration's connection in the
// background (after create, and later on schedule).
type TestArgs struct {
	IntegrationID string `json:"integrationId"`
}

// Kind implements jobqueue.Args.
func (TestArgs) Kind() string { return "integration.test" }

// TestOutcome is the result of a connection test.
type TestOutcome struct {
	Success   bool
	Message   string
	Latency   time.Duration
	TestedAt  time.Time
	ErrorKind string
	Details   map[string]any
}
