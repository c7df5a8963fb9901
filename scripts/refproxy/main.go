// Command refproxy is the reference point of scripts/bench-proxy.sh: Go's
// own httputil.ReverseProxy with a tuned transport (idle connections per
// host raised to 128), forwarding every request to the URL given as its
// only argument and listening on the address in $REFPROXY_LISTEN
// (default 127.0.0.1:18099). It does nothing else: no auth, no logging.
package main

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: refproxy <upstream URL>")
	}
	u, err := url.Parse(os.Args[1])
	if err != nil || u.Scheme == "" || u.Host == "" {
		log.Fatalf("refproxy: %q is not an absolute URL", os.Args[1])
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 128}
	rp.ErrorLog = log.New(os.Stderr, "", 0)
	addr := os.Getenv("REFPROXY_LISTEN")
	if addr == "" {
		addr = "127.0.0.1:18099"
	}
	log.Fatal(http.ListenAndServe(addr, rp)) //nolint:gosec // a local benchmark tool
}
