package natspub_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

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
		if err := p.Publish(ctx, u, true, natspub.Auth{}, name+".events", "evt_1", hdr, []byte(`{"id":"evt_1"}`)); err != nil {
			t.Fatalf("Publish = %v", err)
		}
	}
	if err := p.Publish(ctx, u, true, natspub.Auth{}, name+".events", "evt_2", nil, []byte(`{"id":"evt_2"}`)); err != nil {
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
	err = p.Publish(ctx, u, true, natspub.Auth{}, "nostream"+name+".x", "evt_3", nil, []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "no JetStream stream") {
		t.Errorf("publish without a stream = %v", err)
	}
	// The dialer's guard applies: loopback is refused without private.
	err = p.Publish(ctx, u, false, natspub.Auth{}, name+".events", "evt_4", nil, []byte(`{}`))
	if err == nil || !strings.Contains(err.Error(), "blocked") {
		t.Errorf("publish to loopback without private = %v, want the dialer's refusal", err)
	}
}

// fakeNATS speaks the first lines of the NATS protocol: it asks for
// authentication with a nonce, records the client's CONNECT, and answers
// it with PONG, or with an authorization error when refuse is set.
type fakeNATS struct {
	ln       net.Listener
	answer   string // to CONNECT: acceptAll, refuseAll or echoConnect
	connects chan map[string]any
}

// What the fake answers CONNECT with.
const (
	acceptAll   = ""
	refuseAll   = "refuse"
	echoConnect = "echo" // refuses, quoting the CONNECT line (as a careless server or proxy might)
)

const fakeNonce = "bm9uY2Utb2YtdGhlLWZha2U"

func newFakeNATS(t *testing.T, answer string) *fakeNATS {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNATS{ln: ln, answer: answer, connects: make(chan map[string]any, 16)}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeNATS) url() string { return "nats://" + f.ln.Addr().String() }

func (f *fakeNATS) serve(c net.Conn) {
	defer c.Close()
	_, _ = fmt.Fprintf(c, "INFO {\"server_id\":\"fake\",\"version\":\"2.10.0\",\"proto\":1,\"headers\":true,\"max_payload\":1048576,\"auth_required\":true,\"nonce\":%q}\r\n", fakeNonce)
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "CONNECT ") {
		return
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "CONNECT ")), &m)
	f.connects <- m
	switch f.answer {
	case refuseAll:
		_, _ = io.WriteString(c, "-ERR 'Authorization Violation'\r\n")
		return
	case echoConnect:
		_, _ = io.WriteString(c, "-ERR 'Authorization Violation: "+strings.TrimSpace(line)+"'\r\n")
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if strings.HasPrefix(line, "PING") {
			_, _ = io.WriteString(c, "PONG\r\n")
		}
	}
}

func TestAuth(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	const jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJ0ZXN0In0.c2ln"
	creds := "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n" +
		"************************* IMPORTANT *************************\nNKEY Seed printed below can be used to sign and prove identity.\n\n" +
		"-----BEGIN USER NKEY SEED-----\n" + string(seed) + "\n------END USER NKEY SEED------\n"

	for _, tc := range []struct {
		name  string
		auth  natspub.Auth
		field string // "" and ok false: an error naming no field
		ok    bool
	}{
		{"none", natspub.Auth{}, "", true},
		{"token", natspub.Auth{Token: "s3cret"}, "", true},
		{"user", natspub.Auth{User: "ihub", Password: "pw"}, "", true},
		{"creds", natspub.Auth{Creds: creds}, "", true},
		{"user without password", natspub.Auth{User: "ihub"}, "password", false},
		{"password without user", natspub.Auth{Password: "pw"}, "user", false},
		{"two ways", natspub.Auth{Token: "t", Creds: creds}, "", false},
		{"not a creds file", natspub.Auth{Creds: "hello"}, "creds", false},
	} {
		field, err := tc.auth.Validate()
		if (err == nil) != tc.ok || field != tc.field {
			t.Errorf("%s: Validate = %q, %v; want ok %t, field %q", tc.name, field, err, tc.ok, tc.field)
		}
	}

	// What each way sends in CONNECT.
	f := newFakeNATS(t, acceptAll)
	p := natspub.New(dialer)
	t.Cleanup(p.Close)
	for _, tc := range []struct {
		auth  natspub.Auth
		check func(m map[string]any) bool
	}{
		{natspub.Auth{Token: "s3cret"}, func(m map[string]any) bool { return m["auth_token"] == "s3cret" }},
		{natspub.Auth{User: "ihub", Password: "pw"}, func(m map[string]any) bool { return m["user"] == "ihub" && m["pass"] == "pw" }},
		{natspub.Auth{Creds: creds}, func(m map[string]any) bool {
			sig, err := base64.RawURLEncoding.DecodeString(fmt.Sprint(m["sig"]))
			pk, _ := nkeys.FromPublicKey(pub)
			return m["jwt"] == jwt && err == nil && pk.Verify([]byte(fakeNonce), sig) == nil
		}},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		_ = p.Publish(ctx, f.url(), true, tc.auth, "a.b", "evt_1", nil, []byte("{}")) // the fake never acknowledges
		cancel()
		select {
		case m := <-f.connects:
			if !tc.check(m) {
				t.Errorf("%s: CONNECT = %v", tc.auth.Kind(), m)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: no CONNECT", tc.auth.Kind())
		}
	}

	// A server refusing the credentials: said so, without them.
	refusing := newFakeNATS(t, refuseAll)
	err = p.Publish(t.Context(), refusing.url(), true, natspub.Auth{Token: "s3cret"}, "a.b", "evt_1", nil, []byte("{}"))
	if err == nil || !strings.Contains(err.Error(), "refused ihub's credentials (token)") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("publish with refused credentials = %v", err)
	}
	err = p.Publish(t.Context(), refusing.url(), true, natspub.Auth{}, "a.b", "evt_1", nil, []byte("{}"))
	if err == nil || !strings.Contains(err.Error(), "requires authentication") {
		t.Errorf("publish without credentials to a server that wants them = %v", err)
	}

	// A server whose error quotes the CONNECT line: its text is kept, the
	// credentials are not, however JSON wrote them.
	echoing := newFakeNATS(t, echoConnect)
	for _, auth := range []natspub.Auth{{Token: "s3cret<&>tok"}, {User: "ihub", Password: "p\"w<1>"}, {Creds: creds}} {
		err := p.Publish(t.Context(), echoing.url(), true, auth, "a.b", "evt_1", nil, []byte("{}"))
		if err == nil || !strings.Contains(err.Error(), "Authorization Violation") || !strings.Contains(err.Error(), "[REDACTED]") {
			t.Errorf("%s: publish to an echoing server = %v; want its message, redacted", auth.Kind(), err)
			continue
		}
		for _, leak := range []string{"s3cret", `p\"w`, "u003c1", jwt, string(seed)} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%s: the error holds %q: %v", auth.Kind(), leak, err)
			}
		}
	}
	// A one-character password: masked where the line quotes it, not in
	// every word holding the letter ("Violation", "verbose", ...).
	err = p.Publish(t.Context(), echoing.url(), true, natspub.Auth{User: "ihub", Password: "e"}, "a.b", "evt_1", nil, []byte("{}"))
	if err == nil || !strings.Contains(err.Error(), `"pass":"[REDACTED]"`) || strings.Count(err.Error(), "[REDACTED]") != 1 {
		t.Errorf("publish with password e to an echoing server = %v; want the CONNECT line with only the password masked", err)
	}
}
