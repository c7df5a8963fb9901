package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// TestPayloadStorage: every payload reads back as received, through each
// way deliveries are read (by id, listed, claimed for processing). On
// SQLite a body that compresses well is stored compressed (S2) and one that
// does not, or a small one, as received; PostgreSQL compresses large values
// itself and gets them as received. A stored payload that cannot be
// decoded is an error naming the delivery, never other bytes.
func TestPayloadStorage(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		random := make([]byte, 4096)
		rand.Read(random)
		payloads := map[string][]byte{
			"json":   []byte(`{"type":"order.created","data":{"note":"` + strings.Repeat("a long, repetitive note ", 100) + `"}}`),
			"random": random,
			"small":  []byte(`{"type":"order.created","data":{"id":"ord_1"}}`),
			"empty":  nil,
		}
		// Stored on SQLite: the codec, and whether the column is smaller.
		wantSQLite := map[string]struct {
			codec   int64
			smaller bool
		}{"json": {1, true}, "random": {0, false}, "small": {0, false}}
		now := time.Now()
		ids := map[string]int64{}
		for name, p := range payloads {
			d := webhook.NewDelivery{EndpointID: "whe_1", IntegrationID: "int_1", ReceivedAt: now, Status: webhook.StatusPending,
				DedupeKey: name, ProviderDeliveryID: name, EventType: "x", HeaderText: "{}", Payload: p, PayloadSize: int64(len(p))}
			res, err := b.db.InsertDeliveries(ctx, []webhook.NewDelivery{d})
			if err != nil || len(res) != 1 || res[0].Status != webhook.StatusPending {
				t.Fatalf("InsertDeliveries(%s) = %+v, %v", name, res, err)
			}
			ids[name] = res[0].ID
		}
		for name, p := range payloads {
			got, err := b.db.GetDelivery(ctx, ids[name])
			if err != nil || !bytes.Equal(got.Payload, p) || got.PayloadSize != int64(len(p)) {
				t.Errorf("GetDelivery(%s) payload = %d bytes (size %d), %v; want the %d bytes received", name, len(got.Payload),
					got.PayloadSize, err, len(p))
			}
			codec, err := b.raw.queryInt(ctx, `SELECT payload_codec FROM webhook_deliveries WHERE id = $1`, ids[name])
			if err != nil {
				t.Fatal(err)
			}
			stored, err := b.raw.queryInt(ctx, `SELECT COALESCE(LENGTH(payload), 0) FROM webhook_deliveries WHERE id = $1`, ids[name])
			if err != nil {
				t.Fatal(err)
			}
			want := wantSQLite[name]
			if b.raw.pg != nil {
				want.codec, want.smaller = 0, false
			}
			if codec != want.codec || (stored < int64(len(p))) != want.smaller {
				t.Errorf("%s stored with codec %d in %d bytes (received %d); want codec %d, smaller %v", name, codec, stored,
					len(p), want.codec, want.smaller)
			}
		}
		listed, err := b.db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 10})
		if err != nil || len(listed) != len(payloads) {
			t.Fatalf("ListDeliveries = %d, %v; want %d", len(listed), err, len(payloads))
		}
		for _, d := range listed {
			if !bytes.Equal(d.Payload, payloads[d.ProviderDeliveryID]) {
				t.Errorf("listed %s: payload of %d bytes; want the %d received", d.ProviderDeliveryID, len(d.Payload),
					len(payloads[d.ProviderDeliveryID]))
			}
		}
		claimed, err := b.db.ClaimPending(ctx, 10)
		if err != nil || len(claimed) != len(payloads) {
			t.Fatalf("ClaimPending = %d, %v; want %d", len(claimed), err, len(payloads))
		}
		for _, d := range claimed {
			if !bytes.Equal(d.Payload, payloads[d.ProviderDeliveryID]) {
				t.Errorf("claimed %s: payload of %d bytes; want the %d received", d.ProviderDeliveryID, len(d.Payload),
					len(payloads[d.ProviderDeliveryID]))
			}
		}

		// Damage: an S2 block claiming 4 GiB, one whose bytes do not
		// decode, and an unknown codec. Each such delivery reads without
		// its payload, alone: the others read as before, and processing
		// fails it instead of making an event from nothing.
		for _, c := range []struct {
			name, set string
			bytes     []byte
		}{
			{"json", `UPDATE webhook_deliveries SET payload = $1, payload_codec = 1 WHERE id = $2`, []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3}},
			{"random", `UPDATE webhook_deliveries SET payload = $1, payload_codec = 1 WHERE id = $2`, []byte{0x05, 0xff, 0xff}},
			{"small", `UPDATE webhook_deliveries SET payload = $1, payload_codec = 7 WHERE id = $2`, []byte(`{}`)},
		} {
			if _, err := b.raw.exec(ctx, c.set, c.bytes, ids[c.name]); err != nil {
				t.Fatal(err)
			}
			d, err := b.db.GetDelivery(ctx, ids[c.name])
			if err != nil || d.Payload != nil || d.ID != ids[c.name] || d.PayloadSize != int64(len(payloads[c.name])) {
				t.Errorf("GetDelivery of a damaged payload = %+v, %v; want the delivery without payload", d, err)
			}
		}
		damaged := map[string]bool{"json": true, "random": true, "small": true}
		listed, err = b.db.ListDeliveries(ctx, webhook.DeliveryFilter{EndpointID: "whe_1", Limit: 10})
		if err != nil || len(listed) != len(payloads) {
			t.Fatalf("ListDeliveries with damaged payloads = %d, %v; want all %d", len(listed), err, len(payloads))
		}
		for _, d := range listed {
			if want := payloads[d.ProviderDeliveryID]; damaged[d.ProviderDeliveryID] && d.Payload != nil || !damaged[d.ProviderDeliveryID] && !bytes.Equal(d.Payload, want) {
				t.Errorf("listed %s: payload of %d bytes (damaged %v)", d.ProviderDeliveryID, len(d.Payload), damaged[d.ProviderDeliveryID])
			}
		}
		svc := webhook.NewService(webhook.Options{Store: b.db, Integration: func(context.Context, string) (webhook.IntegrationRef, error) {
			return webhook.IntegrationRef{}, errors.New("no such integration")
		}})
		if n, err := svc.ProcessPending(ctx, 10); err != nil || n != len(payloads) {
			t.Fatalf("ProcessPending = %d, %v; want %d", n, err, len(payloads))
		}
		for name := range payloads {
			d, err := b.db.GetDelivery(ctx, ids[name])
			want, reason := webhook.StatusProcessed, ""
			if damaged[name] {
				want, reason = webhook.StatusFailed, webhook.ReasonPayloadUnreadable
			}
			if err != nil || d.Status != want || d.Reason != reason {
				t.Errorf("%s after processing: %s %q, %v; want %s %q", name, d.Status, d.Reason, err, want, reason)
			}
		}
		evs, err := b.db.ListEvents(ctx, 0, 10)
		if err != nil || len(evs) != 1 || evs[0].DeliveryID != ids["empty"] {
			t.Errorf("events = %+v, %v; want one, for the delivery with an empty body", evs, err)
		}
	})
}
