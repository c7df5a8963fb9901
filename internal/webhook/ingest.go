package webhook

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"ihub/internal/apperr"
	"ihub/internal/secret"
	"ihub/internal/webhook/normalize"
	"ihub/internal/webhook/verify"
)

// Request is an inbound webhook as the HTTP layer received it.
type Request struct {
	Method string
	// URL is the full public URL the provider called (Twilio signs it).
	URL      string
	Header   http.Header
	Body     []byte
	SourceIP netip.Addr
	// Test marks ihub's own test delivery (SendTest).
	Test bool
}

// Outcome is what the provider is answered.
type Outcome struct {
	DeliveryID int64
	// Status is pending (accepted, stored), duplicate or rejected.
	Status string
	// Reason says why a delivery was rejected (safe to show).
	Reason string
	// ReplyStatus, when not 0, is the answer the provider expects instead
	// of the usual acknowledgement (Slack's URL verification, Discord's
	// interactions), with ReplyBody (JSON, or nil for an empty body).
	ReplyStatus int
	ReplyBody   []byte
}

// Target is a resolved endpoint, for the HTTP layer to check the body cap
// and allowlist before reading the body.
type Target struct{ r *resolved }

// MaxBody is the endpoint's body cap.
func (t Target) MaxBody() int64 { return t.r.ep.MaxBodyBytes }

// EndpointID is the endpoint's id.
func (t Target) EndpointID() string { return t.r.ep.ID }

// Scheme is the endpoint's verification scheme (verify.Scheme*).
func (t Target) Scheme() string { return t.r.ep.Scheme }

// Resolve finds an active endpoint by id, or (byIntegration) the default
// endpoint of an integration. Unknown and inactive endpoints are NotFound,
// so that probing learns nothing.
func (s *Service) Resolve(ctx context.Context, id string, byIntegration bool) (Target, error) {
	r, err := s.resolve(ctx, id, byIntegration)
	if err != nil {
		return Target{}, err
	}
	if !r.ep.IsActive {
		return Target{}, apperr.E(apperr.NotFound, "no such webhook endpoint")
	}
	return Target{r}, nil
}

// Allowed reports whether ip may send to the endpoint.
func (t Target) Allowed(ip netip.Addr) bool {
	if len(t.r.prefixes) == 0 {
		return true
	}
	// A prefix never contains an address with a zone, and a link-local
	// peer's address has one (fe80::1%eth0); the entries keep none.
	ip = ip.Unmap().WithZone("")
	for _, p := range t.r.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// secretWords (normalize.SecretWords) mark a header that may carry a
// credential or a signature: a header whose name contains one (ignoring
// case) is never stored with a delivery in clear. A signature is no
// secret, but where it covers the body alone (GitHub, Bitbucket, hmac) it
// lets whoever reads the logs send that body again under a new delivery id
// as if from the provider.
var secretWords = func() (out [][]byte) {
	for _, w := range normalize.SecretWords {
		out = append(out, []byte(w))
	}
	return out
}()

// redactHeaders copies h without secret-bearing values: any header named
// with one of secretWords (Authorization, X-Gitlab-Token, X-Webhook-Token,
// X-Hub-Signature-256, X-Shopify-Hmac-Sha256, Cookie, X-Api-Key, …) but a
// signature's timestamp (timestampHeader), the endpoint's own token or
// signature header (extra), whatever its name, and any header whose value
// holds one of the endpoint's secrets (a sender still using the token
// header the endpoint named before).
func redactHeaders(h http.Header, secrets [][]byte, extra ...string) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if secretHeaderName(k) && !timestampHeader(k, v) || slices.ContainsFunc(extra, func(s string) bool { return s != "" && strings.EqualFold(s, k) }) ||
			holdsSecret(v, secrets) {
			out[k] = []string{"[REDACTED]"}
			continue
		}
		out[k] = v
	}
	return out
}

// timestampHeader reports whether a header is a signature's timestamp,
// named so (Discord's X-Signature-Timestamp) and holding only a number:
// kept in the logs, where it tells why a delivery was refused as too old,
// though its name holds a secret word. The endpoint's own secrets are
// still looked for in it.
func timestampHeader(k string, v []string) bool {
	if len(k) < len("timestamp") || !strings.EqualFold(k[len(k)-len("timestamp"):], "timestamp") || len(v) != 1 ||
		v[0] == "" || len(v[0]) > 20 {
		return false
	}
	for _, c := range []byte(v[0]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// holdsSecret reports whether one of the values holds one of the secrets,
// as it is or percent-decoded: a URL repeated in a header (Referer, a
// proxy's X-Original-URL or X-Forwarded-Uri) carries a query_token
// endpoint's secret encoded when the secret needs it. The rule is the one
// ihub masks credentials in free text with (secret.Holds): a secret given
// may be of any length, and a short one counts only where it stands alone,
// so that a 4-character secret does not take out every header where those
// characters happen to appear.
func holdsSecret(values []string, secrets [][]byte) bool {
	for _, v := range values {
		texts := [3]string{v}
		if strings.ContainsAny(v, "%+") {
			if d, err := url.QueryUnescape(v); err == nil && d != v {
				texts[1] = d
			}
			if d, err := url.PathUnescape(v); err == nil && d != v && d != texts[1] {
				texts[2] = d
			}
		}
		for _, text := range texts {
			for _, s := range secrets {
				if text != "" && secret.Holds(text, string(s)) {
					return true
				}
			}
		}
	}
	return false
}

// secretWordsAt are secretWords by their first byte: a header name is
// looked at once, on the ingest path of every delivery.
var secretWordsAt = func() (m [256][][]byte) {
	for _, w := range secretWords {
		m[w[0]] = append(m[w[0]], w)
	}
	return m
}()

// secretHeaderName reports whether a header name contains one of
// secretWords, ignoring ASCII case.
func secretHeaderName(k string) bool {
	var buf [96]byte
	b := buf[:0]
	if len(k) > len(buf) {
		b = make([]byte, 0, len(k))
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	for i, c := range b {
		for _, w := range secretWordsAt[c] {
			if bytes.HasPrefix(b[i:], w) {
				return true
			}
		}
	}
	return false
}

// ReasonEventTypeNotAccepted is the reason of a verified delivery the
// endpoint filtered out by its event types: recorded as rejected, answered
// as accepted, and not a failure in the endpoint's signals.
const ReasonEventTypeNotAccepted = "event type not accepted by this endpoint"

// ErrRejectionsThrottled is returned when a source keeps sending deliveries
// that fail verification: they are refused without being recorded.
var ErrRejectionsThrottled = apperr.E(apperr.TooManyRequests, "too many rejected deliveries from this address; slow down")

// Ingest verifies, deduplicates and durably stores one delivery, returning
// once it is committed. A failed verification is stored as rejected
// (without payload) and answered with a *verify.Error; repeated rejections
// from one source are throttled. Neither the request's URL nor a token in
// the body (verify.RedactBody) is stored. A delivery is stored with those
// of its events (one per change it reports) whose type the endpoint
// accepts; one with none is stored as rejected with reason "event type not
// accepted" but answered as accepted, so the provider does not retry it.
func (s *Service) Ingest(ctx context.Context, t Target, req Request) (Outcome, error) {
	r := t.r
	now := s.o.Now()
	d := NewDelivery{EndpointID: r.ep.ID, IntegrationID: r.ep.IntegrationID, ReceivedAt: now,
		Header: redactHeaders(req.Header, r.cfg.Secrets, r.ep.Settings["headerName"], r.ep.Settings["header"]), PayloadSize: int64(len(req.Body)),
		SourceIP: req.SourceIP.String(), Test: req.Test}
	res, verr := verify.Verify(r.cfg, verify.Request{Method: req.Method, URL: req.URL, Header: req.Header, Body: req.Body})
	if verr != nil {
		key := r.ep.ID + "|" + req.SourceIP.String()
		if !s.limits.allow(key, now) {
			s.rejected.Add(1)
			return Outcome{Status: StatusRejected}, ErrRejectionsThrottled
		}
		reason := "verification failed"
		var ve *verify.Error
		if errors.As(verr, &ve) {
			reason = ve.Reason
		}
		d.Status, d.Reason = StatusRejected, reason
		ins, err := s.commit.submit(ctx, d)
		if err != nil {
			return Outcome{}, err
		}
		s.rejected.Add(1)
		return Outcome{DeliveryID: ins.ID, Status: StatusRejected, Reason: reason}, verr
	}
	// Verified on the raw bytes; from here on the body is the one stored,
	// without a token the scheme read in it (body_token), so that neither
	// the payload nor the event's data nor the de-duplication hash holds
	// the endpoint's secret.
	body, header := verify.RedactBody(r.cfg, req.Body), req.Header
	d.PayloadSize = int64(len(body))
	if q := queryPostback(r.ep.Scheme, req); q != "" {
		// The fields the scheme verified came in the query: they are the
		// delivery, stored and normalized as the form body they stand for.
		body, header = []byte(q), header.Clone()
		header.Set("Content-Type", formType)
		d.Header.Set("Content-Type", formType)
		d.PayloadSize = int64(len(body))
	}
	// The delivery id header is seldom covered by the signature: whatever
	// a sender puts there is kept bounded and printable (a long or binary
	// id is stored as its hash), as DeliveryID does for the others.
	d.ProviderDeliveryID = normalize.BoundID(res.DeliveryID)
	d.DedupeKey = d.ProviderDeliveryID
	if d.DedupeKey == "" {
		d.DedupeKey = normalize.DeliveryID(r.ep.Provider, header, body)
	}
	if res.Signature != "" && !res.Timestamp.IsZero() {
		// A timestamped signature seen before within the tolerance is the
		// same delivery, whatever delivery id it comes with now (see
		// replayCache).
		tol := r.cfg.Tolerance
		if tol <= 0 {
			tol = verify.DefaultTolerance
		}
		d.DedupeKey = s.replay.dedupeKey(r.ep.ID+"|"+res.Signature, d.DedupeKey, res.Timestamp.Add(tol), now)
		d.ReplayKey = replayKey(res.Signature)
	}
	if d.ProviderDeliveryID == "" && !strings.HasPrefix(d.DedupeKey, "sha256:") {
		d.ProviderDeliveryID = d.DedupeKey
	}
	d.Status, d.Payload = StatusPending, body
	evs, raws := s.normalize(r.ep.Provider, r.ep.IntegrationID, header, body, now, now)
	named := normalize.CleanName(eventTypeOf(r.ep.Provider, req.Header))
	d.EventType = named
	if d.EventType == "" {
		d.EventType = raws[0] // named in the body
	}
	// Only the events the endpoint accepts are stored; the delivery is
	// accepted if one is.
	if d.Events = acceptedEvents(r.ep.EventTypes, named, evs, raws); len(d.Events) == 0 {
		d.Status, d.Reason, d.Payload = StatusRejected, ReasonEventTypeNotAccepted, nil
	}
	d.HeaderText = d.HeaderJSON()
	ins, err := s.commit.submit(ctx, d)
	if err != nil {
		return Outcome{}, err
	}
	switch ins.Status {
	case StatusDuplicate:
		s.duplicates.Add(1)
	case StatusPending, StatusProcessed:
		s.accepted.Add(1)
	}
	out := Outcome{DeliveryID: ins.ID, Status: ins.Status, Reason: d.Reason}
	if rep, ok := normalize.InlineReply(r.ep.Provider, header, body); ok {
		out.ReplyStatus, out.ReplyBody = rep.Status, rep.Body
	}
	return out, nil
}

// normalize maps a delivery to its events, one per change it reports
// (normalize.NormalizeAll), each with its Part, and returns them with the
// provider's name of each (RawType). It runs in the request's goroutine,
// before the group commit, so that the delivery and its events are written
// together and no second write is needed to process it. An event whose
// payload names no time occurred when the delivery was received (for a
// replay, the original's reception).
func (s *Service) normalize(providerID, integrationID string, h http.Header, body []byte, received, now time.Time) ([]Event, []string) {
	nevs, _ := normalize.NormalizeAll(providerID, h, body) // an unknown provider still yields usable events
	evs, raws := make([]Event, len(nevs)), make([]string, len(nevs))
	for i, ev := range nevs {
		occurred := ev.OccurredAt
		if occurred.IsZero() {
			occurred = received
		}
		evs[i] = Event{Part: i, IntegrationID: integrationID, Provider: providerID, Type: ev.Type, Subject: ev.Subject,
			OccurredAt: occurred.UTC(), CreatedAt: now, Data: ev.Data, DataJSON: []byte("{}")}
		if ev.Data != nil {
			if b, err := normalize.EncodeData(ev.Data); err == nil {
				evs[i].DataJSON = b
			}
		}
		raws[i] = ev.RawType
	}
	return evs, raws
}

// acceptedEvents returns the events, of evs, that an endpoint accepting
// only the event names in list (all when empty) takes (see accepts); raws
// are their provider names, header the delivery's from its event header.
// They keep their parts: a delivery's second change is evt_<id>_2 whether
// or not its first was accepted.
func acceptedEvents(list []string, header string, evs []Event, raws []string) []Event {
	if len(list) == 0 {
		return evs
	}
	out := evs[:0:0]
	for i, ev := range evs {
		if accepts(list, header, raws[i], ev.Type) {
			out = append(out, ev)
		}
	}
	return out
}

// accepts reports whether an endpoint accepting only the event names in
// list (all when empty) takes an event: by the provider's event name from
// its header or body (GitHub's "push" or "pull_request.closed", Resend's
// "email.bounced") or by ihub's standard type, or by a family ("code.*",
// "pull_request.*") of either. A provider's check of the
// endpoint (system.ping, system.challenge) always passes, so that the
// endpoint can be set up whatever it filters.
func accepts(list []string, header, raw, typ string) bool {
	if len(list) == 0 || strings.HasPrefix(typ, "system.") {
		return true
	}
	return slices.ContainsFunc(list, func(t string) bool {
		if family, ok := strings.CutSuffix(t, "*"); ok && strings.HasSuffix(family, ".") {
			return strings.HasPrefix(typ, family) || strings.HasPrefix(raw, family)
		}
		return t != "" && (t == header || t == raw || t == typ)
	})
}

const formType = "application/x-www-form-urlencoded"

// queryPostback is the query string of a NetCash postback that came with
// its fields there and an empty body (the netcash scheme reads them from
// either), "" otherwise.
func queryPostback(scheme string, req Request) string {
	if scheme != verify.SchemeNetCash || len(bytes.TrimSpace(req.Body)) > 0 {
		return ""
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return ""
	}
	return u.RawQuery
}

// eventTypeOf is the provider's event name from its own event header, for
// the providers that name the event only there (GitHub, GitLab,
// Bitbucket); "" for the others, whose name is in the body. Another
// provider's header is not read: unsigned, it would name the delivery in
// the logs and pass the endpoint's eventTypes filter for whatever the
// signed body says. (WHMCS's X-Hub-Event is only a fallback for a body
// naming no hook, which the normalizer applies.)
func eventTypeOf(providerID string, h http.Header) string {
	switch providerID {
	case "github", "gitlab", "bitbucket":
		return h.Get(normalize.EventHeader(providerID))
	}
	return ""
}

// committer is the group commit: deliveries submitted concurrently are
// written by a few writers, each taking everything waiting (up to maxBatch)
// into one transaction; every submitter returns once its transaction has
// committed.
type committer struct {
	store    Store
	ch       chan *pendingWrite
	writers  int
	maxBatch int
	log      *slog.Logger
	wg       sync.WaitGroup
	mu       sync.RWMutex
	closed   bool
	// onCommit runs after each successful batch (it must not block).
	onCommit func()
}

type pendingWrite struct {
	d    NewDelivery
	done chan writeResult
}

type writeResult struct {
	ins Inserted
	err error
}

func newCommitter(st Store, writers, maxBatch int, log *slog.Logger) *committer {
	return &committer{store: st, ch: make(chan *pendingWrite, 8192), writers: writers, maxBatch: maxBatch, log: log}
}

// ErrStopping is returned for deliveries submitted during shutdown; the
// provider gets a 503 and retries.
var ErrStopping = apperr.E(apperr.Unavailable, "ihub is shutting down; retry shortly")

func (c *committer) start(ctx context.Context) {
	for range c.writers {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.run(ctx)
		}()
	}
}

// stop closes the queue and waits until every submitted delivery is
// written (or failed).
func (c *committer) stop() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.ch)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *committer) submit(ctx context.Context, d NewDelivery) (Inserted, error) {
	p := &pendingWrite{d: d, done: make(chan writeResult, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return Inserted{}, ErrStopping
	}
	select {
	case c.ch <- p:
	case <-ctx.Done():
		c.mu.RUnlock()
		return Inserted{}, ctx.Err()
	}
	c.mu.RUnlock()
	// Once queued, the write happens whatever the caller does: wait for it
	// so that the answer reflects what was stored.
	r := <-p.done
	return r.ins, r.err
}

func (c *committer) run(ctx context.Context) {
	batch := make([]*pendingWrite, 0, c.maxBatch)
	ds := make([]NewDelivery, 0, c.maxBatch)
	for p := range c.ch {
		batch = append(batch[:0], p)
	fill:
		for len(batch) < c.maxBatch {
			select {
			case q, ok := <-c.ch:
				if !ok {
					break fill
				}
				batch = append(batch, q)
			default:
				break fill
			}
		}
		ds = ds[:0]
		for _, q := range batch {
			ds = append(ds, q.d)
		}
		res, err := c.write(ctx, ds)
		if err == nil {
			for i, q := range batch {
				q.done <- writeResult{ins: res[i]}
			}
			continue
		}
		if len(batch) == 1 || errors.Is(err, context.DeadlineExceeded) {
			c.log.Error("storing webhook deliveries failed", "count", len(ds), "err", err)
			for _, q := range batch {
				q.done <- writeResult{err: err}
			}
			continue
		}
		// The batch's transaction was rolled back as a whole: one delivery
		// the database refuses must not fail the others that shared it,
		// so each is written again on its own (unless the database stops
		// answering: then the rest fail at once).
		c.log.Warn("storing a batch of webhook deliveries failed; writing them one by one", "count", len(ds), "err", err)
		var stuck error
		for _, q := range batch {
			var res []Inserted
			err := stuck
			if err == nil {
				res, err = c.write(ctx, []NewDelivery{q.d})
			}
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					stuck = err
				}
				c.log.Error("storing a webhook delivery failed", "err", err)
				q.done <- writeResult{err: err}
				continue
			}
			q.done <- writeResult{ins: res[0]}
		}
	}
}

// write stores ds in one transaction; a shutdown does not cut it short,
// since their senders wait for it.
func (c *committer) write(ctx context.Context, ds []NewDelivery) ([]Inserted, error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	res, err := c.store.InsertDeliveries(wctx, ds)
	if err == nil && c.onCommit != nil {
		c.onCommit()
	}
	return res, err
}

// rejectLimiter throttles rejected deliveries per endpoint and source: 20
// in a burst, then one per 3 seconds. It holds at most rejectKeysMax
// buckets; see prune for which give way beyond that.
type rejectLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	limit   int // rejectKeysMax when 0 (tests set less)
}

type bucket struct {
	tokens float64
	last   time.Time
}

const (
	rejectBurst   = 20
	rejectRate    = 1.0 / 3 // per second
	rejectKeysMax = 100_000
)

// refilled reports whether b has refilled to the burst by now: such a
// bucket says nothing a missing one would not.
func (b *bucket) refilled(now time.Time) bool {
	return b.tokens+now.Sub(b.last).Seconds()*rejectRate >= rejectBurst
}

func (l *rejectLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if l.buckets == nil {
			l.buckets = map[string]*bucket{}
		}
		if len(l.buckets) >= l.max() {
			l.prune(now)
		}
		b = &bucket{tokens: rejectBurst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(rejectBurst, b.tokens+now.Sub(b.last).Seconds()*rejectRate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *rejectLimiter) max() int {
	if l.limit > 0 {
		return l.limit
	}
	return rejectKeysMax
}

// prune makes room when the limiter is full. Buckets that have refilled go
// first: forgetting them changes nothing. If more than half are still
// draining (more sources rejected within a minute than the limit), the
// ones with the most tokens left go until half remain, so the sources
// throttled hardest stay throttled and a flood of new sources cannot
// reset them. Halving keeps the cost of a prune, O(n log n), to once per
// n/2 new sources.
func (l *rejectLimiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.refilled(now) {
			delete(l.buckets, k)
		}
	}
	keep := l.max() / 2
	if len(l.buckets) <= keep {
		return
	}
	type held struct {
		key    string
		tokens float64
	}
	all := make([]held, 0, len(l.buckets))
	for k, b := range l.buckets {
		all = append(all, held{k, b.tokens + now.Sub(b.last).Seconds()*rejectRate})
	}
	slices.SortFunc(all, func(a, b held) int { return cmp.Compare(a.tokens, b.tokens) })
	for _, h := range all[keep:] {
		delete(l.buckets, h.key)
	}
}
