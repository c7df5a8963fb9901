package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/webhook/normalize"
	"ihub/internal/webhook/verify"
)

// ReasonPayloadUnreadable is a pending delivery's failure reason when its
// stored payload cannot be read back.
const ReasonPayloadUnreadable = "the stored payload cannot be read"

// ProcessPending normalizes up to n pending deliveries into events and
// marks them processed, in one transaction; it returns how many it
// handled. It is idempotent: an event's id derives from its delivery and
// part, so a delivery processed twice (two replicas) yields its events
// once.
func (s *Service) ProcessPending(ctx context.Context, n int) (int, error) {
	pending, err := s.o.Store.ClaimPending(ctx, n)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	endpoints := map[string]Endpoint{}
	done := make([]Completed, 0, len(pending))
	for _, d := range pending {
		ep, ok := endpoints[d.EndpointID]
		if !ok {
			var err error
			if ep, _, err = s.o.Store.GetWebhookEndpoint(ctx, d.EndpointID); err != nil {
				ep = Endpoint{ID: d.EndpointID, Provider: "unknown"}
				if it, err := s.o.Integration(ctx, d.IntegrationID); err == nil {
					ep.Provider = it.Provider
				}
			}
			endpoints[d.EndpointID] = ep
		}
		now := s.o.Now()
		if d.Payload == nil && d.PayloadSize > 0 {
			// Stored, but the store could not read it back (it logged
			// why): no event is better than one made from nothing.
			done = append(done, Completed{DeliveryID: d.ID, Status: StatusFailed, Reason: ReasonPayloadUnreadable,
				ProcessedAt: now, ProcessingMs: now.Sub(d.ReceivedAt).Milliseconds()})
			continue
		}
		evs := s.eventsOf(ep, d, d.ReceivedAt, now)
		for i := range evs {
			evs[i].ID, evs[i].DeliveryID = EventID(d.ID, evs[i].Part), d.ID
		}
		done = append(done, Completed{DeliveryID: d.ID, Status: StatusProcessed, ProcessedAt: now,
			ProcessingMs: now.Sub(d.ReceivedAt).Milliseconds(), Events: evs})
	}
	if err := s.o.Store.CompleteDeliveries(ctx, done); err != nil {
		return 0, err
	}
	return len(done), nil
}

// eventsOf normalizes a stored delivery of ep again (to process it, or
// replay it), keeping the events the endpoint accepts now, as ingest
// does. When it accepts none (its event types changed since the delivery
// was accepted) all are kept: the delivery was accepted, and a replay is
// asked for by someone who wants it sent again.
func (s *Service) eventsOf(ep Endpoint, d Delivery, receivedAt, now time.Time) []Event {
	evs, raws := s.normalize(ep.Provider, d.IntegrationID, d.Header, d.Payload, receivedAt, now)
	if kept := acceptedEvents(ep.EventTypes, normalize.CleanName(eventTypeOf(ep.Provider, d.Header)), evs, raws); len(kept) > 0 {
		return kept
	}
	return evs
}

// EventID is the id of the event made of a delivery's change part (see
// Event.Part): evt_<deliveryId> for the first, as when a delivery made one
// event, then evt_<deliveryId>_2, evt_<deliveryId>_3, …
func EventID(deliveryID int64, part int) string {
	id := "evt_" + strconv.FormatInt(deliveryID, 10)
	if part == 0 {
		return id
	}
	return id + "_" + strconv.Itoa(part+1)
}

// RunProcessor processes pending deliveries until ctx ends, polling every
// interval when idle.
func (s *Service) RunProcessor(ctx context.Context, interval time.Duration) {
	fails := &apperr.Recurring{Log: s.o.Logger, Msg: "processing webhook deliveries failed"}
	for {
		n, err := s.ProcessPending(ctx, 500)
		fails.Step(ctx, err)
		if n == 500 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(fails.Delay(interval)):
		}
	}
}

// Deliveries lists an endpoint's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, apperr.InvalidFields("the filter is not valid", apperr.FieldError{Field: "query.status",
			Message: "must be one of pending, processed, failed, duplicate, rejected"})
	}
	return s.o.Store.ListDeliveries(ctx, f)
}

// Delivery returns one stored delivery, with its payload: what an event's
// deliveryId points to.
func (s *Service) Delivery(ctx context.Context, id int64) (Delivery, error) {
	return s.o.Store.GetDelivery(ctx, id)
}

// Events lists normalized events after a cursor (the pull API). A cursor
// above every event id ever given (one from another database, or from
// before a restore) is refused, naming query.after: read from it, a
// consumer would wait for nothing until new events overtook it, and then
// skip them.
func (s *Service) Events(ctx context.Context, after int64, limit int) ([]Event, error) {
	evs, err := s.o.Store.ListEvents(ctx, after, limit)
	if err != nil || len(evs) > 0 {
		return evs, err
	}
	if err := s.checkCursor(ctx, after); err != nil {
		return nil, err
	}
	return evs, nil
}

// PurgedAfter is the largest cursor of the events retention removed
// after the cursor given, 0 when it removed none after it: a consumer of
// the pull API that was behind retention missed them. From 0 (the oldest
// kept), nothing is missed.
func (s *Service) PurgedAfter(ctx context.Context, after int64) (int64, error) {
	if after == 0 {
		return 0, nil
	}
	purged, err := s.o.Store.PurgedEventSeq(ctx)
	if err != nil || purged <= after {
		return 0, err
	}
	return purged, nil
}

// checkCursor refuses a cursor past the newest event ever given (see
// Events).
func (s *Service) checkCursor(ctx context.Context, after int64) error {
	if after == 0 {
		return nil
	}
	newest, err := s.o.Store.NewestEventSeq(ctx)
	if err != nil {
		return err
	}
	if after > newest {
		return apperr.InvalidFields("the cursor is not valid", apperr.FieldError{Field: "query.after",
			Message: "is past the newest event (" + strconv.FormatInt(newest, 10) + "): continue from a cursor this server gave, or from 0 for the oldest kept"})
	}
	return nil
}

// PullFilter checks the pull API's filter and resolves it: event types
// and families as a subscription's eventTypes (query.types), and
// integrations by id or slug, each of which must exist, as a
// subscription's integrationIds (query.integrationId).
func (s *Service) PullFilter(ctx context.Context, types, integrations []string) (EventFilter, error) {
	// One error per parameter, naming each entry that is wrong.
	var errs []apperr.FieldError
	bad := func(field string, msgs []string) {
		if len(msgs) > 0 {
			errs = append(errs, apperr.FieldError{Field: field, Message: strings.Join(msgs, "; ")})
		}
	}
	var msgs []string
	if len(types) > maxFilterItems {
		msgs = append(msgs, "at most 100 event types")
	}
	for _, t := range types[:min(len(types), maxFilterItems)] {
		if msg := checkEventFilter(t, "leave types out"); msg != "" {
			msgs = append(msgs, quoteEntry(t)+msg)
		}
	}
	bad("query.types", msgs)
	refs := integrations[:min(len(integrations), maxFilterItems)]
	ids, unknown, err := s.integrationIDs(ctx, refs)
	if err != nil {
		return EventFilter{}, err
	}
	msgs = nil
	if len(integrations) > maxFilterItems {
		msgs = append(msgs, "at most 100 integrations")
	}
	for _, i := range unknown {
		msgs = append(msgs, quoteEntry(refs[i])+"no such integration (give its id or slug)")
	}
	bad("query.integrationId", msgs)
	if len(errs) > 0 {
		return EventFilter{}, apperr.InvalidFields("the filter is not valid", errs...)
	}
	return EventFilter{Types: distinct(types), IntegrationIDs: ids}, nil
}

// quoteEntry names an entry of a list parameter in a message about it
// ("" when too long to repeat).
func quoteEntry(s string) string {
	if utf8.RuneCountInString(s) > 100 {
		return ""
	}
	return strconv.Quote(s) + ": "
}

// pullScanBudget bounds the events one read of the pull API examines
// through a filter: one that matches rarely reads a long backlog in steps
// of this many, each answered with a cursor past those it skipped.
const pullScanBudget = 10_000

// EventsMatching is Events through a filter (from PullFilter): the events
// after the cursor that pass it, and a cursor past those it skipped, so
// that a consumer whose filter matches rarely does not read them again.
// Without a filter it reads as Events does.
func (s *Service) EventsMatching(ctx context.Context, after int64, limit int, f EventFilter) (EventPage, error) {
	if f.IsZero() {
		evs, err := s.Events(ctx, after, limit)
		if err != nil {
			return EventPage{}, err
		}
		page := EventPage{Events: evs, Next: after, More: len(evs) == limit}
		if len(evs) > 0 {
			page.Next = evs[len(evs)-1].Seq
		}
		return page, nil
	}
	page, err := s.o.Store.ScanEvents(ctx, after, limit, pullScanBudget, f.Matches)
	if err != nil || page.Next > after {
		return page, err
	}
	if err := s.checkCursor(ctx, after); err != nil {
		return EventPage{}, err
	}
	return page, nil
}

// Signals returns an endpoint's failure and silence signals.
func (s *Service) Signals(ctx context.Context, endpointID string) (Signals, error) {
	if _, _, err := s.o.Store.GetWebhookEndpoint(ctx, endpointID); err != nil {
		return Signals{}, err
	}
	return s.o.Store.EndpointSignals(ctx, endpointID, s.o.Now())
}

// Replay stores a copy of a delivery as a new pending delivery (with
// provenance), so that it is processed and dispatched again; audited.
func (s *Service) Replay(ctx context.Context, by audit.Actor, endpointID string, deliveryID int64) (Outcome, error) {
	// The endpoint must still exist (as for ReplayMany): its provider
	// normalizes the copy, which would otherwise become an "unknown"
	// event dispatched to the subscribers.
	ep, _, err := s.o.Store.GetWebhookEndpoint(ctx, endpointID)
	if err != nil {
		return Outcome{}, err
	}
	d, err := s.o.Store.GetDelivery(ctx, deliveryID)
	if err != nil {
		return Outcome{}, err
	}
	if d.EndpointID != endpointID {
		return Outcome{}, apperr.E(apperr.NotFound, "no such delivery on this endpoint")
	}
	if d.Payload == nil && d.DuplicateOf != nil {
		return Outcome{}, apperr.E(apperr.Conflict, "this delivery is a duplicate of delivery %d, which holds the payload: replay that one", *d.DuplicateOf)
	}
	if d.Payload == nil {
		return Outcome{}, apperr.E(apperr.Conflict, "this delivery has no stored payload to replay (it was rejected, a duplicate, or failed because its payload can no longer be read)")
	}
	orig := d.ID
	// A replay of a replay keeps the provider's time too: the first
	// delivery's, while retention keeps it.
	at := d.ReceivedAt
	for up, hops := d.ReplayOf, 0; up != nil && hops < 16; hops++ {
		o, err := s.o.Store.GetDelivery(ctx, *up)
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				break
			}
			return Outcome{}, err
		}
		at, up = o.ReceivedAt, o.ReplayOf
	}
	now := s.o.Now()
	// From here on the copy and its audit entry are written together,
	// even if the caller goes away: a replay stored but not on record must
	// not happen.
	wctx := context.WithoutCancel(ctx)
	ins, err := s.commit.submit(wctx, s.replayOf(d, ep, at, now))
	if err != nil {
		return Outcome{}, err
	}
	e := audit.Entry{At: s.o.Now(), Actor: by, Action: audit.WebhookReplayed, TargetType: "webhook_endpoint", TargetID: endpointID,
		IntegrationID: d.IntegrationID, Success: true, Details: map[string]any{"delivery": orig, "replay": ins.ID}}
	if err := s.o.Store.RecordActivity(wctx, e); err != nil {
		return Outcome{}, err
	}
	return Outcome{DeliveryID: ins.ID, Status: ins.Status}, nil
}

// replayOf is the new delivery that replays d, a delivery of ep: same
// payload and headers, normalized again into all its events (those ep
// accepts, see eventsOf), with provenance. receivedAt is when the provider
// sent it (d's, or its original's for a replay): the events' time when the
// payload names none.
func (s *Service) replayOf(d Delivery, ep Endpoint, receivedAt, now time.Time) NewDelivery {
	orig := d.ID
	return NewDelivery{EndpointID: d.EndpointID, IntegrationID: d.IntegrationID, ReceivedAt: now, Status: StatusPending,
		ProviderDeliveryID: d.ProviderDeliveryID, EventType: d.EventType, Header: d.Header, Payload: d.Payload,
		PayloadSize: d.PayloadSize, SourceIP: "replay", ReplayOf: &orig, Test: d.Test, Events: s.eventsOf(ep, d, receivedAt, now)}
}

// ReplayFilter selects deliveries to replay in bulk.
type ReplayFilter struct {
	Status       string
	Since, Until *time.Time
	// AfterID keeps originals with a larger id: the next page of an
	// earlier replay that reached its limit (ReplayResult.NextAfterID).
	AfterID int64
	// Limit caps how many are replayed (at most 1000).
	Limit int
}

// ReplayResult is what a bulk replay made: the new deliveries and the
// originals they copy, in the same order (oldest first).
type ReplayResult struct {
	Replays, Originals []int64
	// NextAfterID, when not 0, is the last original looked at while more
	// matched than the limit: ReplayFilter.AfterID for the rest.
	NextAfterID int64
}

// ReplayMany replays every delivery of the endpoint that matches f and has
// a stored payload (oldest first), with provenance, as one audited
// operation.
func (s *Service) ReplayMany(ctx context.Context, by audit.Actor, endpointID string, f ReplayFilter) (ReplayResult, error) {
	res := ReplayResult{Replays: []int64{}, Originals: []int64{}}
	ep, _, err := s.o.Store.GetWebhookEndpoint(ctx, endpointID)
	if err != nil {
		return res, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	// The oldest first, as they arrived: with more matches than the limit,
	// the rest is what a second replay after the last one takes.
	// Earlier replays are not replayed again: the originals are, so that
	// replaying a range twice, or page by page, does not multiply them.
	ds, err := s.Deliveries(ctx, DeliveryFilter{EndpointID: endpointID, Status: f.Status, Since: f.Since, Until: f.Until,
		AfterID: f.AfterID, Limit: f.Limit + 1, Oldest: true, WithPayload: true, Originals: true})
	if err != nil {
		return res, err
	}
	more := len(ds) > f.Limit
	ds = ds[:min(len(ds), f.Limit)]
	now := s.o.Now()
	// The copies are written whether or not the caller waits for them, and
	// the audit entry records those made, even when a later one fails.
	wctx := context.WithoutCancel(ctx)
	var failed error
	for _, d := range ds {
		if d.Payload == nil {
			continue
		}
		ins, err := s.commit.submit(wctx, s.replayOf(d, ep, d.ReceivedAt, now)) // a filter replays originals only
		if err != nil {
			failed = err
			break
		}
		res.Replays = append(res.Replays, ins.ID)
		res.Originals = append(res.Originals, d.ID)
	}
	if failed != nil && len(res.Replays) == 0 {
		return res, failed
	}
	if failed == nil && more {
		// The last one looked at, replayed or not: a page of deliveries
		// whose payload could not be read back (status failed) replays
		// nothing, and the next page must still go on after them.
		res.NextAfterID = ds[len(ds)-1].ID
	}
	details := map[string]any{"count": len(res.Replays), "limit": f.Limit}
	if f.Status != "" {
		details["status"] = f.Status
	}
	if failed != nil {
		details["error"] = "stopped after " + strconv.Itoa(len(res.Replays)) + " of " + strconv.Itoa(len(ds)) + ": the store refused a copy"
	}
	if f.Since != nil {
		details["since"] = f.Since
	}
	if f.Until != nil {
		details["until"] = f.Until
	}
	if f.AfterID != 0 {
		details["afterId"] = f.AfterID
	}
	if res.NextAfterID != 0 {
		details["nextAfterId"] = res.NextAfterID
	}
	// The first 100 of each: an entry stays small whatever the limit.
	n := min(len(res.Originals), 100)
	details["deliveries"], details["replays"] = res.Originals[:n], res.Replays[:n]
	e := audit.Entry{At: now, Actor: by, Action: audit.WebhookReplayed, TargetType: "webhook_endpoint", TargetID: endpointID,
		IntegrationID: ep.IntegrationID, Success: failed == nil, Details: details}
	if err := s.o.Store.RecordActivity(wctx, e); err != nil {
		return res, err
	}
	return res, failed
}

// Purge deletes deliveries (and their events) older than the retention.
func (s *Service) Purge(ctx context.Context, retention time.Duration) (int64, error) {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return s.o.Store.PurgeDeliveries(ctx, s.o.Now().Add(-retention))
}

// Stats are the ingest counters since start.
type Stats struct{ Accepted, Duplicates, Rejected int64 }

// Stats returns the ingest counters.
func (s *Service) Stats() Stats {
	return Stats{Accepted: s.accepted.Load(), Duplicates: s.duplicates.Load(), Rejected: s.rejected.Load()}
}

// SendTest signs a test payload with the endpoint's own secret and scheme
// and runs it through verification, storage and processing, as a provider's
// delivery would be. Schemes ihub cannot sign for (Discord's public key,
// NetCash, none) are a Conflict.
func (s *Service) SendTest(ctx context.Context, by audit.Actor, endpointID string) (Outcome, error) {
	r, err := s.resolve(ctx, endpointID, false)
	if err != nil {
		return Outcome{}, err
	}
	if !r.ep.IsActive {
		// The caller may see the endpoint (the ingress's NotFound hides
		// inactive endpoints from providers, not from the console).
		return Outcome{}, apperr.E(apperr.Conflict, "the endpoint is inactive: enable it to send a test delivery")
	}
	t := Target{r}
	if t.r.ep.Scheme == verify.SchemeNone {
		// No secret, so nothing a test could show is verified.
		return Outcome{}, apperr.E(apperr.Conflict, "ihub cannot sign a test delivery for scheme %s", t.r.ep.Scheme)
	}
	now := s.o.Now()
	body := []byte(`{"type":"ihub.test","id":"test_` + strconv.FormatInt(now.UnixNano(), 36) + `","created_at":"` +
		now.Format(time.RFC3339) + `","data":{"message":"test delivery from ihub"}}`)
	req := verify.Request{Method: "POST", URL: s.URL(endpointID), Header: http.Header{
		"Content-Type": {"application/json"}, "Webhook-Id": {"msg_ihubtest" + strconv.FormatInt(now.UnixNano(), 36)},
		"Svix-Id": {"msg_ihubtest" + strconv.FormatInt(now.UnixNano(), 36)}}, Body: body}
	if err := verify.Sign(t.r.cfg, &req); err != nil {
		return Outcome{}, apperr.E(apperr.Conflict, "ihub cannot sign a test delivery for scheme %s", t.r.ep.Scheme)
	}
	// The test delivery and its audit entry are written even if the
	// caller goes away: subscribers receive its event.
	wctx := context.WithoutCancel(ctx)
	// The test comes from whoever asked for it (the logs' sourceIp), or
	// from ihub itself for an actor without an address.
	source, perr := netip.ParseAddr(by.IP)
	if perr != nil {
		source = netip.MustParseAddr("127.0.0.1")
	}
	o, err := s.Ingest(wctx, t, Request{Method: req.Method, URL: req.URL, Header: req.Header, Body: req.Body,
		SourceIP: source, Test: true})
	var ve *verify.Error
	if err != nil && !errors.As(err, &ve) {
		return o, err
	}
	// Stored as rejected, with the reason, when ihub's own signature did
	// not pass: the answer says so.
	details := map[string]any{"delivery": o.DeliveryID, "status": o.Status}
	if o.Reason != "" {
		details["reason"] = o.Reason
	}
	e := audit.Entry{At: s.o.Now(), Actor: by, Action: audit.WebhookTested, TargetType: "webhook_endpoint", TargetID: endpointID,
		TargetName: t.r.ep.Name, IntegrationID: t.r.ep.IntegrationID, Success: true, Details: details}
	if err := s.o.Store.RecordActivity(wctx, e); err != nil {
		return o, err
	}
	return o, nil
}
