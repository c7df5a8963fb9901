package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ihub/internal/secret"
	"ihub/internal/store/storetest"
)

// TestMain lets the test binary act as the ihub command in a child process
// (IHUB_TEST_MAIN=1), so that TestCrashDuringBurst can SIGKILL a real
// server.
func TestMain(m *testing.M) {
	if os.Getenv("IHUB_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// server is an ihub serve child process.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
}

func startServer(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--listen", addr, "--log-level", "warn"}, args...)...)
	cmd.Env = append(append(os.Environ(), "IHUB_TEST_MAIN=1"), env...)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, logs: logs}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := apiClient.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the server did not become ready:\n%s", logs)
	return nil
}

// ihubCmd runs an ihub command in a child process with env added (tests
// running in parallel cannot change their own environment).
func ihubCmd(t *testing.T, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "IHUB_TEST_MAIN=1"), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("ihub %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// adminToken creates a super admin with email through the CLI, in a child
// process with env, and returns an API token of theirs.
func adminToken(t *testing.T, env []string, email string) string {
	t.Helper()
	if code, _, stderr := ihubCmd(t, env, "a long enough test password\n", "users", "create", "--email", email,
		"--role", "super_admin", "--password-stdin"); code != 0 {
		t.Fatalf("users create: %s", stderr)
	}
	code, token, stderr := ihubCmd(t, env, "", "tokens", "create", "--email", email, "--name", "test")
	if code != 0 {
		t.Fatalf("tokens create: %s", stderr)
	}
	return strings.TrimSpace(token)
}

// apiClient has its own transport (see providertest.HTTPClient).
var apiClient = &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}

func apiJSON(t *testing.T, base, token, method, path string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := apiClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, rb)
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			t.Fatal(err)
		}
	}
}

// subscriber records when each event (by its delivery id) arrived.
type subscriber struct {
	mu       sync.Mutex
	received map[int64][]time.Time
}

func (s *subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev struct{ DeliveryID int64 }
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.DeliveryID == 0 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.received[ev.DeliveryID] = append(s.received[ev.DeliveryID], time.Now())
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// crashWindow bounds how long before the kill a subscriber's 2xx may have
// been left unrecorded: only events acknowledged that late may come again.
const crashWindow = 5 * time.Second

// TestCrashDuringBurst kills the server with SIGKILL in the middle of a burst
// of concurrent webhooks, with a subscriber receiving their events, and
// restarts it: every delivery that was answered 2xx must be stored exactly
// once, with its event, and delivered to the subscriber; none that the
// subscriber acknowledged before the crash window is delivered again.
func TestCrashDuringBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			so := e.Options(t)
			key, err := secret.GenerateMasterKey()
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			env := []string{"IHUB_MASTER_KEY=" + key, "IHUB_DATA_DIR=" + dir, "IHUB_DATABASE_URL=" + so.DatabaseURL}
			token := adminToken(t, env, "crash@example.com")

			srv := startServer(t, env, "--sqlite-synchronous", "FULL")
			var it, ep struct{ ID string }
			apiJSON(t, srv.base, token, "POST", "/api/v1/integrations", map[string]any{"name": "crash", "provider": "http",
				"baseUrl": "https://crash.invalid", "isActive": false}, &it)
			const hookSecret = "crash-test-secret-0123456789"
			apiJSON(t, srv.base, token, "POST", "/api/v1/integrations/"+it.ID+"/webhooks", map[string]any{"scheme": "hmac",
				"secret": hookSecret, "settings": map[string]string{"algorithm": "sha256", "header": "X-Signature",
					"encoding": "hex", "prefix": "sha256=", "deliveryIdHeader": "X-Delivery-Id"}}, &ep)
			sub := &subscriber{received: map[int64][]time.Time{}}
			subSrv := httptest.NewServer(sub)
			t.Cleanup(subSrv.Close)
			apiJSON(t, srv.base, token, "POST", "/api/v1/subscriptions", map[string]any{"url": subSrv.URL + "/events",
				"allowPrivateNetwork": true, "maxConcurrency": 16}, nil)

			// The burst: 16 senders, each delivery with a unique id.
			var mu sync.Mutex
			acked := map[string]bool{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tr := &http.Transport{MaxIdleConnsPerHost: 32}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			var wg sync.WaitGroup
			for w := range 16 {
				wg.Go(func() {
					for n := 0; ctx.Err() == nil; n++ {
						id := fmt.Sprintf("w%d-%d", w, n)
						body := []byte(`{"type":"crash.test","id":"` + id + `","data":{"padding":"` + strings.Repeat("p", 1900) + `"}}`)
						m := hmac.New(sha256.New, []byte(hookSecret))
						m.Write(body)
						req, _ := http.NewRequestWithContext(ctx, "POST", srv.base+"/api/v1/hooks/"+ep.ID, bytes.NewReader(body))
						req.Header.Set("X-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
						req.Header.Set("X-Delivery-Id", id)
						resp, err := hc.Do(req)
						if err != nil {
							return // the server is gone
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == http.StatusAccepted {
							mu.Lock()
							acked[id] = true
							mu.Unlock()
						}
					}
				})
			}
			for deadline := time.Now().Add(2 * time.Minute); ; {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 1500 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("only %d deliveries acknowledged in 2 minutes; server log:\n%s", n, srv.logs)
				}
				time.Sleep(5 * time.Millisecond)
			}
			killedAt := time.Now()
			if err := srv.cmd.Process.Kill(); err != nil { // SIGKILL, mid-burst
				t.Fatal(err)
			}
			_ = srv.cmd.Wait()
			cancel()
			wg.Wait()

			// Restart on the same data, on another address (a replica
			// rescheduled elsewhere: it has a new name, and takes over the
			// subscriptions of the dead one), and read everything back.
			srv = startServer(t, env, "--sqlite-synchronous", "FULL")
			stored := map[string]int{}
			ids := map[string]int64{}
			var storedOrder []string
			for page := 1; ; page++ {
				var logs struct {
					Deliveries []struct {
						ID                 int64
						ProviderDeliveryID string
						Status             string
					}
				}
				apiJSON(t, srv.base, token, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs?limit=200&page="+strconv.Itoa(page), nil, &logs)
				for _, d := range logs.Deliveries {
					if d.Status == "processed" || d.Status == "pending" {
						stored[d.ProviderDeliveryID]++
						storedOrder = append(storedOrder, d.ProviderDeliveryID)
						ids[d.ProviderDeliveryID] = d.ID
					}
				}
				if len(logs.Deliveries) < 200 {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			t.Logf("%d deliveries acknowledged before the kill, %d stored", len(acked), len(storedOrder))
			for id := range acked {
				if stored[id] != 1 {
					t.Errorf("acknowledged delivery %s is stored %d times, want exactly once", id, stored[id])
				}
			}
			for id, n := range stored {
				if n > 1 {
					t.Errorf("delivery %s is stored %d times", id, n)
				}
			}
			// Every stored delivery has its event.
			total := 0
			for after := int64(0); ; {
				var events struct {
					Events []struct{ DeliveryID int64 }
					Next   int64
				}
				apiJSON(t, srv.base, token, "GET", "/api/v1/events?limit=1000&after="+strconv.FormatInt(after, 10), nil, &events)
				total += len(events.Events)
				if len(events.Events) < 1000 {
					break
				}
				after = events.Next
			}
			if total < len(acked) {
				t.Errorf("%d events for %d acknowledged deliveries", total, len(acked))
			}

			// Every acknowledged delivery reaches the subscriber. On
			// PostgreSQL, what the killed server had claimed waits for its
			// lease (2 minutes) to end; SQLite releases it at start.
			missing := func() []string {
				sub.mu.Lock()
				defer sub.mu.Unlock()
				var out []string
				for id := range acked {
					if len(sub.received[ids[id]]) == 0 {
						out = append(out, id)
					}
				}
				return out
			}
			for deadline := time.Now().Add(3 * time.Minute); len(missing()) > 0 && time.Now().Before(deadline); {
				time.Sleep(200 * time.Millisecond)
			}
			if m := missing(); len(m) > 0 {
				t.Errorf("%d acknowledged deliveries never reached the subscriber, e.g. %v", len(m), m[:min(5, len(m))])
			}
			sub.mu.Lock()
			defer sub.mu.Unlock()
			again := 0
			for id, times := range sub.received {
				if len(times) < 2 {
					continue
				}
				again++
				if times[0].Before(killedAt.Add(-crashWindow)) {
					t.Errorf("delivery %d was acknowledged by the subscriber %s before the kill and delivered again",
						id, killedAt.Sub(times[0]).Round(time.Millisecond))
				}
			}
			t.Logf("%d events delivered, %d of them again after the restart (acknowledged within %s of the kill)",
				len(sub.received), again, crashWindow)
		})
	}
}
