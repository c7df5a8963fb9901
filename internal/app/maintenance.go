package app

import (
	"context"
	"fmt"
	"time"

	"ihub/internal/apperr"
	"ihub/internal/jobqueue"
	"ihub/internal/store"
	"ihub/internal/webhook"
)

// CleanupArgs is the periodic housekeeping job: it deletes expired console
// sessions and activity entries older than the retention period.
type CleanupArgs struct{}

// Kind implements jobqueue.Args.
func (CleanupArgs) Kind() string { return "maintenance.cleanup" }

// DefaultActivityRetention is how long activity entries are kept.
const DefaultActivityRetention = 90 * 24 * time.Hour

// Retention of API metrics: raw call records (recent errors) and hourly
// roll-ups (the metrics endpoint's windows, up to 30 days).
const (
	APICallRetention   = 7 * 24 * time.Hour
	APIRollupRetention = 90 * 24 * time.Hour
)

func (a *App) workCleanup(ctx context.Context, _ *jobqueue.Job[CleanupArgs]) error {
	now := time.Now()
	sessions, err := a.DB.DeleteExpiredSessions(ctx, now)
	if err != nil {
		return err
	}
	retention := a.Config.ActivityRetention
	if retention <= 0 {
		retention = DefaultActivityRetention
	}
	entries, err := a.DB.DeleteActivityBefore(ctx, now.Add(-retention))
	if err != nil {
		return fmt.Errorf("activity retention: %w", err)
	}
	calls, err := a.DB.PurgeAPIMetrics(ctx, now.Add(-APICallRetention), now.Add(-APIRollupRetention))
	if err != nil {
		return fmt.Errorf("API metrics retention: %w", err)
	}
	deliveries, err := a.Webhooks.Purge(ctx, a.Config.WebhookRetention) // 0: the default, 90 days
	if err != nil {
		return fmt.Errorf("webhook retention: %w", err)
	}
	webhookRetention := a.Config.WebhookRetention
	if webhookRetention <= 0 {
		webhookRetention = webhook.DefaultRetention
	}
	a.Log.InfoContext(ctx, "cleanup", "expired_sessions", sessions, "activity_entries_removed", entries,
		"activity_retention", retention, "api_metric_rows_removed", calls, "webhook_deliveries_removed", deliveries,
		"webhook_retention", webhookRetention)
	return nil
}

// maintainTables vacuums the subscription attempts on PostgreSQL every
// interval when they hold enough dead row versions (see
// store.DB.VacuumAttempts): under a steady delivery rate they pile up
// faster than the hourly cleanup could matter, and faster than autovacuum's
// default thresholds, or forever where autovacuum is off. It also analyzes
// the tables that grow with traffic when their statistics are stale (see
// store.DB.AnalyzeStale); both do nothing on SQLite. On both engines it
// deletes the attempts of deleted subscriptions, then the subscriptions
// (see store.DB.PurgeDeletedSubscriptions). Failures are reported as the
// other background loops report theirs (apperr.Recurring).
func (a *App) maintainTables(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	m := a.newMaintenance()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m.step(ctx)
	}
}

// maintenance is maintainTables' state: how each task's failures went.
type maintenance struct {
	a                                     *App
	vacuumFails, analyzeFails, purgeFails *apperr.Recurring
}

func (a *App) newMaintenance() *maintenance {
	return &maintenance{a: a,
		vacuumFails:  &apperr.Recurring{Log: a.Log, Msg: "vacuuming subscription attempts failed"},
		analyzeFails: &apperr.Recurring{Log: a.Log, Msg: "analyzing tables failed"},
		purgeFails:   &apperr.Recurring{Log: a.Log, Msg: "purging deleted subscriptions failed"},
	}
}

// step runs each task once.
func (m *maintenance) step(ctx context.Context) {
	a := m.a
	start := time.Now()
	did, err := a.DB.VacuumAttempts(ctx, store.VacuumMinDead)
	m.vacuumFails.Step(ctx, err)
	if did {
		a.Log.DebugContext(ctx, "vacuumed subscription attempts", "duration", time.Since(start))
	}
	start = time.Now()
	tables, err := a.DB.AnalyzeStale(ctx, store.AnalyzeMinInterval)
	m.analyzeFails.Step(ctx, err)
	if len(tables) > 0 {
		a.Log.DebugContext(ctx, "analyzed tables", "tables", tables, "duration", time.Since(start))
	}
	start = time.Now()
	subs, attempts, err := a.DB.PurgeDeletedSubscriptions(ctx)
	m.purgeFails.Step(ctx, err)
	if subs > 0 || attempts > 0 {
		a.Log.InfoContext(ctx, "purged deleted subscriptions", "subscriptions", subs, "attempts", attempts,
			"duration", time.Since(start))
	}
}
