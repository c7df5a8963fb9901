package app

import (
	"context"

	"ihub/internal/jobqueue"
)

// WorkCleanup exposes the cleanup job handler to tests.
func (a *App) WorkCleanup(ctx context.Context) error {
	return a.workCleanup(ctx, &jobqueue.Job[CleanupArgs]{})
}

// MaintainTables runs the table maintenance loop's tasks once.
func (a *App) MaintainTables(ctx context.Context) {
	a.newMaintenance().step(ctx)
}

// ReadKeyFile is readKeyFile, for tests.
var ReadKeyFile = readKeyFile
