//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeStopsBeforeTheDatabase: a second server on a data directory, or
// a server whose port is taken, stops before it opens (and migrates) the
// database, saying why.
func TestServeStopsBeforeTheDatabase(t *testing.T) {
	locked := t.TempDir()
	release, err := lockDataDir(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, tc := range []struct {
		name, dir, listen, want string
	}{
		{"second server", locked, "127.0.0.1:0", "another ihub serve is running"},
		{"port taken", filepath.Join(t.TempDir(), "new"), taken.Addr().String(), "listen on " + taken.Addr().String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := ihub(t, "", nil, "serve", "--data-dir", tc.dir, "--listen", tc.listen)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("serve = exit %d, %q; want a failure saying %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(tc.dir, "ihub.db")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("ihub.db: %v; want no database opened", err)
			}
		})
	}
}

// TestServeOnAnEphemeralPort: with --listen on port 0 and no --public-url,
// the log and the ingress URLs name the port the server got, not port 0.
func TestServeOnAnEphemeralPort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := []string{"IHUB_DATA_DIR=" + dir}
	token := adminToken(t, env, "port@example.com")
	cmd := exec.Command(os.Args[0], "serve", "--listen", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(append(os.Environ(), "IHUB_TEST_MAIN=1"), env...)
	logs, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	serving := make(chan map[string]any, 1)
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "ihub is serving" {
				serving <- line
				break
			}
		}
		_, _ = io.Copy(io.Discard, logs)
	}()
	var line map[string]any
	select {
	case line = <-serving:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not say it is serving")
	}
	addr, _ := line["address"].(string)
	if _, port, _ := net.SplitHostPort(addr); port == "" || port == "0" {
		t.Fatalf("logged address %q; want the port the server got", addr)
	}
	want := "http://" + addr
	if line["public_url"] != want {
		t.Errorf("logged public_url %v; want %s", line["public_url"], want)
	}
	var it, ep struct{ ID, URL string }
	apiJSON(t, want, token, "POST", "/api/v1/integrations", map[string]any{"name": "port", "provider": "http",
		"baseUrl": "https://port.invalid", "isActive": false}, &it)
	apiJSON(t, want, token, "POST", "/api/v1/integrations/"+it.ID+"/webhooks", map[string]any{"scheme": "none"}, &ep)
	if u, err := url.Parse(ep.URL); err != nil || u.Host != addr {
		t.Errorf("ingress URL %q; want it on %s", ep.URL, addr)
	}
}
