package httpapi_test

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/httpapi"
	"ihub/internal/provider/generichttp/generichttpfake"
	"ihub/internal/store/storetest"
)

// upload is what the provider saw of one proxied upload.
type upload struct {
	Expect string
	Length int64 // declared; -1 chunked
	Read   int64
	Cut    bool // the body ended in an error, not a clean end
	Done   bool // the provider finished reading
}

// TestProxyUploadLimit: a body over the cap is refused with 413 before the
// provider is contacted when its length is declared, and cut off when it is
// chunked; the caller's Expect is answered by ihub, not forwarded.
func TestProxyUploadLimit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]upload{} // by X-Case
	fake := generichttpfake.New(generichttpfake.Options{Auth: generichttpfake.AuthNone,
		Fail: func(r *http.Request) *generichttpfake.Reply {
			u := upload{Expect: r.Header.Get("Expect"), Length: r.ContentLength}
			mu.Lock()
			seen[r.Header.Get("X-Case")] = u // arrived
			mu.Unlock()
			n, err := io.Copy(io.Discard, r.Body)
			u.Read, u.Cut, u.Done = n, err != nil, true
			mu.Lock()
			seen[r.Header.Get("X-Case")] = u
			mu.Unlock()
			return &generichttpfake.Reply{Status: http.StatusNoContent}
		}})
	t.Cleanup(fake.Close)
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "up", "provider": "http",
		"baseUrl": fake.URL(), "settings": map[string]any{"authMode": "none"}}); r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	const over = httpapi.MaxProxyRequestBody + 8<<20
	tests := []struct {
		name    string
		size    int64
		chunked bool
		expect  bool
		status  int // 0: the connection may be cut before an answer arrives
		want    *upload
	}{
		{"small with 100-continue", 1 << 10, false, true, 204, &upload{Length: 1 << 10, Read: 1 << 10, Done: true}},
		{"small chunked", 1 << 10, true, false, 204, &upload{Length: -1, Read: 1 << 10, Done: true}},
		{"declared over the cap with 100-continue", over, false, true, 413, nil},
		{"declared over the cap", over, false, false, 0, nil},
		{"chunked over the cap", over, true, false, 0, &upload{Length: -1, Read: -1, Cut: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), "POST", env.Server.URL+"/api/v1/integrations/up/proxy/files",
				io.LimitReader(zeros{}, tt.size))
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = tt.size
			if tt.chunked {
				req.ContentLength = -1
			}
			req.Header.Set("Authorization", "Bearer "+env.AdminToken)
			req.Header.Set("Content-Type", "application/octet-stream")
			req.Header.Set("X-Case", tt.name)
			if tt.expect {
				req.Header.Set("Expect", "100-continue")
			}
			tr := &http.Transport{ExpectContinueTimeout: 30 * time.Second}
			t.Cleanup(tr.CloseIdleConnections)
			resp, err := (&http.Client{Transport: tr}).Do(req)
			status := 0
			if err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			if status != tt.status && (tt.status != 0 || status != 0 && status != 413) {
				t.Errorf("POST %s = %d (%v), want %d", tt.name, status, err, tt.status)
			}
			var got upload
			var ok bool
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				mu.Lock()
				got, ok = seen[tt.name]
				mu.Unlock()
				// The provider may notice the cut after the caller has its answer.
				if !ok || got.Done || time.Now().After(deadline) {
					break
				}
			}
			switch {
			case tt.want == nil && ok:
				t.Errorf("the provider received %+v, want no request", got)
			case tt.want == nil:
			case !ok:
				t.Errorf("the provider received no request, want %+v", *tt.want)
			case tt.want.Read < 0: // cut off: somewhere up to the cap, never the whole body
				if got.Read > httpapi.MaxProxyRequestBody || !got.Cut || got.Expect != "" {
					t.Errorf("the provider received %+v, want at most %d bytes, cut off, no Expect", got, httpapi.MaxProxyRequestBody)
				}
			default:
				if diff := cmp.Diff(*tt.want, got); diff != "" {
					t.Errorf("the provider received (-want +got):\n%s", diff)
				}
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
