// Package natstest gives tests a NATS JetStream server: the one of
// IHUB_TEST_NATS_URL (CI sets it, so there the tests cannot be skipped),
// else 127.0.0.1:4222 when one answers there.
package natstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// EnvURL names the variable holding the NATS server URL.
const EnvURL = "IHUB_TEST_NATS_URL"

// Connect returns the server URL and a JetStream client, closed at
// cleanup; it skips the test when no server answers and EnvURL is unset.
func Connect(t testing.TB) (string, jetstream.JetStream) {
	t.Helper()
	u := os.Getenv(EnvURL)
	required := u != ""
	if u == "" {
		u = "nats://127.0.0.1:4222"
	}
	nc, err := nats.Connect(u, nats.Timeout(2*time.Second))
	if err != nil {
		if required {
			t.Fatalf("%s=%s: %v", EnvURL, u, err)
		}
		t.Skipf("no NATS server at %s (set %s to require one): %v", u, EnvURL, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return u, js
}

// Name returns a stream name unique to this test run.
func Name() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "ihubtest" + hex.EncodeToString(b[:])
}

// Stream creates a memory stream called name, deleted at cleanup, that
// captures name.> with a one-minute duplicate window.
func Stream(t testing.TB, js jetstream.JetStream, name string) jetstream.Stream {
	t.Helper()
	s, err := js.CreateStream(context.Background(), jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"},
		Storage: jetstream.MemoryStorage, Duplicates: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	return s
}
