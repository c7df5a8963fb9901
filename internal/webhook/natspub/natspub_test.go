package natspub_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"ihub/internal/webhook/natspub"
	"ihub/internal/webhook/natspub/natstest"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		url, subject string
		urlOK, subOK bool
	}{
		{"nats://127.0.0.1:4222", "ihub.events", true, true},
		{"tls://nats.example.com:4222", "ihub", true, true},
		{"nats://nats.example.com", "a.b-c.d_e", true, true},
		{"http://127.0.0.1:4222", "ihub.>", false, false},
		{"nats://user:pass@127.0.0.1:4222", "ihub.*", false, false},
		{"nats://token@127.0.0.1:4222", "", false, false},
		{"nats://127.0.0.1:4222/path", "ihub..events", false, false},
		{"nats://", ".ihub", false, false},
		{"nats://h:4222?x=1", "ihub events", false, false},
		{"::", strings.Repeat("a", 256), false, false},
	} {
		if err := natspub.ValidateURL(tc.url); (err == nil) != tc.urlOK {
			t.Errorf("ValidateURL(%q) = %v, want ok %t", tc.url, err, tc.urlOK)
		}
		if err := natspub.ValidateSubject(tc.subject); (err == nil) != tc.subOK {
			t.Errorf("ValidateSubject(%q) = %v, want ok %t", tc.subject, err, tc.subOK)
		}
	}
}

func dialer(ctx context.Context, network, addr string, private bool) (net.Conn, error) {
	if !private {
		return nil, errors.New("blocked: " + addr + " is a loopback address")
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// TestPublish needs a NATS server with JetStream (see natstest).
func TestPublish(t *testing.T) {
	u, js := natstest.Connect(t)
	name := natstest.Name()
	stream := natstest.Stream(t, js, name)
	ctx := t.Context()

	p := natspub.New(dialer)
	t.Cleanup(p.Close)
	hdr := map[string][]string{"Webhook-Id": {"evt_1"}}
	for range 3 { // the same event three times: stored once
		if err := p.Publish(ctx, u, true, name+".events", "evt_1", hdr, []byte(`{"id":"evt_1"}`)); err != nil {
			t.Fatalf("Publish = %v", err)
		}
	}
	if err := p.Publish(ctx, u, true, name+".events", "evt_2", nil, []byte(`{"id":"evt_2"}`)); err != nil {
		t.Fatalf("Publish = %v", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 {
		t.Errorf("stream holds %d messages, want 2 (the repeats deduplicated)", info.State.Msgs)
	}
	m, err := stream.GetMsg(ctx, 1)
	if err != nil || string(m.Data) != `{"id":"evt_1"}` || m.Header.Get("Webhook-Id") != "evt_1" {
		t.Errorf("first message = %v %v", m, err)
	}

	// No stream for the subject: a clear error.
	err = p.Publish(ctx, u, true, "nostream"+name+".x", "evt_3", nil, []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "no JetStream stream") {
		t.Errorf("publish without a stream = %v", err)
	}
	// The dialer's guard applies: loopback is refused without private.
	err = p.Publish(ctx, u, false, name+".events", "evt_4", nil, []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "blocked") {
		t.Errorf("publish to loopback without private = %v, want the dialer's refusal", err)
	}
}
