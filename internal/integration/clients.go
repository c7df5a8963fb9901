package integration

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/outbound"
	"ihub/internal/provider"
)

// Handle is everything needed to call one integration's provider: the
// integration as loaded, its provider and descriptor, the decrypted
// connection, the outbound HTTP client (egress guard plus resilience stack)
// and, for providers that build one, the typed client. A Handle is shared
// by every caller until the integration changes; treat it as read-only.
type Handle struct {
	Integration Integration
	Provider    provider.Provider
	Descriptor  provider.Descriptor
	Conn        provider.Connection
	HTTP        *http.Client
	// Proxy is HTTP without redirect following: the proxy relays a
	// provider's redirect to the caller instead of following it anywhere.
	Proxy *http.Client
	// Client is the provider's typed client (nil when the provider is not
	// a provider.ClientMaker); ClientErr is why it could not be built (a
	// *provider.Error, usually of kind invalid).
	Client    any
	ClientErr error
}

// Factory caches a Handle per integration: credentials are decrypted once
// per integration version, and the cache follows changes made by this
// replica at once (Invalidate) and by other replicas within the watch
// interval (Watch). It is safe for concurrent use.
type Factory struct {
	s       *Service
	mu      sync.RWMutex
	byKey   map[string]*Handle // by id and by slug
	group   singleflight.Group
	hits    atomic.Int64
	misses  atomic.Int64
	counter atomic.Int64
}

func newFactory(s *Service) *Factory { return &Factory{s: s, byKey: map[string]*Handle{}} }

// Clients returns the service's client factory.
func (s *Service) Clients() *Factory { return s.clients }

// Get returns the handle of the integration with the given id or slug.
func (f *Factory) Get(ctx context.Context, idOrSlug string) (*Handle, error) {
	f.mu.RLock()
	h := f.byKey[idOrSlug]
	f.mu.RUnlock()
	if h != nil {
		f.hits.Add(1)
		return h, nil
	}
	f.misses.Add(1)
	v, err, _ := f.group.Do(idOrSlug, func() (any, error) { return f.load(ctx, idOrSlug) })
	if err != nil {
		return nil, err
	}
	return v.(*Handle), nil
}

func (f *Factory) load(ctx context.Context, idOrSlug string) (*Handle, error) {
	// Read the counter before the integration: a change committed in
	// between makes the next Refresh re-check this entry.
	counter, err := f.s.o.Store.IntegrationsChangeCounter(ctx)
	if err != nil {
		return nil, err
	}
	in, err := f.s.o.Store.GetIntegration(ctx, idOrSlug)
	if err != nil {
		return nil, err
	}
	p, d, err := f.s.descriptor(in.Provider)
	if err != nil {
		return nil, err
	}
	conn, err := f.s.Connection(ctx, audit.System, in, "client factory")
	if err != nil {
		return nil, err
	}
	private := in.AllowPrivateNetwork || f.s.o.AllowPrivate
	if f.s.o.Dial != nil {
		conn.Dial = f.s.o.Dial(private)
	}
	hc := f.s.o.Client(private, in.TLSSkipVerify)
	if limit := max(f.s.o.ActionTimeout, f.s.o.TestTimeout); hc.Timeout > 0 && hc.Timeout < limit {
		// The egress client's per-request limit is a net for callers
		// without a deadline; it must not cut an action short of its own.
		c := *hc
		c.Timeout = limit
		hc = &c
	}
	if m := f.s.o.Outbound; m != nil {
		hc = m.Client(hc, outbound.Target{IntegrationID: in.ID, Provider: in.Provider, Limit: d.RateLimit})
	}
	h := &Handle{Integration: in, Provider: p, Descriptor: d, Conn: conn, HTTP: hc,
		Proxy: &http.Client{Transport: hc.Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
	if cm, ok := p.(provider.ClientMaker); ok {
		h.Client, h.ClientErr = cm.NewClient(hc, conn)
	}
	f.mu.Lock()
	f.byKey[in.ID] = h
	f.byKey[in.Slug] = h
	f.mu.Unlock()
	f.counter.CompareAndSwap(0, counter)
	return h, nil
}

// Invalidate drops the cached handle of an integration (by id or slug).
func (f *Factory) Invalidate(idOrSlug string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.byKey[idOrSlug]
	if h == nil {
		return
	}
	for k, v := range f.byKey {
		if v == h {
			delete(f.byKey, k)
		}
	}
}

// Refresh drops every cached handle whose integration changed or went away
// since it was loaded, if the store's change counter moved.
func (f *Factory) Refresh(ctx context.Context) error {
	counter, err := f.s.o.Store.IntegrationsChangeCounter(ctx)
	if err != nil {
		return err
	}
	if counter == f.counter.Load() {
		return nil
	}
	f.mu.RLock()
	cached := map[string]*Handle{}
	for _, h := range f.byKey {
		cached[h.Integration.ID] = h
	}
	f.mu.RUnlock()
	for id, h := range cached {
		cur, err := f.s.o.Store.GetIntegration(ctx, id)
		if err == nil && cur.Version == h.Integration.Version && cur.Slug == h.Integration.Slug &&
			cur.IsActive == h.Integration.IsActive {
			continue
		}
		f.Invalidate(id)
		switch {
		case f.s.o.Outbound == nil:
		case err != nil:
			f.s.o.Outbound.Forget(id)
		case connectionChanged(h.Integration, cur):
			// Changed on another replica (Service.update resets it there).
			f.s.o.Outbound.ResetBreaker(id)
		}
	}
	f.counter.Store(counter)
	return nil
}

// Watch calls Refresh every interval until ctx ends, so that changes made
// by other replicas reach this one's cache.
func (f *Factory) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	fails := &apperr.Recurring{Log: f.s.o.Logger, Msg: "client factory refresh failed"}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fails.Step(ctx, f.Refresh(ctx))
		}
	}
}

// FactoryStats are the factory's counters.
type FactoryStats struct {
	Hits, Misses int64
	Cached       int
}

// Stats returns the hit and miss counts and the number of cached handles.
func (f *Factory) Stats() FactoryStats {
	f.mu.RLock()
	ids := map[string]bool{}
	for _, h := range f.byKey {
		ids[h.Integration.ID] = true
	}
	f.mu.RUnlock()
	return FactoryStats{Hits: f.hits.Load(), Misses: f.misses.Load(), Cached: len(ids)}
}
