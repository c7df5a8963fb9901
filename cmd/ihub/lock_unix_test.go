//go:build unix

package main

import (
	"strings"
	"testing"
)

// TestLockDataDir: a second server on one SQLite data directory is
// refused, saying why, until the first lets go.
func TestLockDataDir(t *testing.T) {
	dir := t.TempDir()
	release, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("first lock = %v", err)
	}
	if _, err := lockDataDir(dir); err == nil || !strings.Contains(err.Error(), "another ihub serve is running") {
		t.Fatalf("second lock = %v; want another serve named", err)
	}
	release()
	again, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after release = %v", err)
	}
	again()
}
