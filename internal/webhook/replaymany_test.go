package webhook

import (
	"context"
	"testing"

	"ihub/internal/audit"
)

// unreadableStore lists deliveries whose stored payload could not be read
// back (the store logged why and left the payload out) and records the
// activity entries. The rest of Store is not used.
type unreadableStore struct {
	Store
	deliveries []Delivery
	entries    []audit.Entry
}

func (s *unreadableStore) GetWebhookEndpoint(context.Context, string) (Endpoint, SealedSecrets, error) {
	return Endpoint{ID: "whe_1", IntegrationID: "int_1", Provider: "http"}, SealedSecrets{}, nil
}

func (s *unreadableStore) ListDeliveries(_ context.Context, f DeliveryFilter) ([]Delivery, error) {
	var out []Delivery
	for _, d := range s.deliveries {
		if d.ID > f.AfterID && len(out) < f.Limit {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *unreadableStore) RecordActivity(_ context.Context, e audit.Entry) error {
	s.entries = append(s.entries, e)
	return nil
}

// TestReplayManyPastUnreadablePayloads: a page of a bulk replay whose
// deliveries all lost their payload (status failed: it could not be read
// back) replays nothing, without failing, and its nextAfterId still moves
// past them, so that the next page goes on after them rather than
// scanning them again, or ending the paging early.
func TestReplayManyPastUnreadablePayloads(t *testing.T) {
	t.Parallel()
	st := &unreadableStore{}
	for id := int64(1); id <= 3; id++ {
		st.deliveries = append(st.deliveries, Delivery{ID: id, EndpointID: "whe_1", IntegrationID: "int_1",
			Status: StatusFailed, Reason: ReasonPayloadUnreadable, PayloadSize: 10})
	}
	s := NewService(Options{Store: st, Vault: openSealer{}})
	res, err := s.ReplayMany(t.Context(), audit.Actor{Type: "user"}, "whe_1", ReplayFilter{Status: StatusFailed, Limit: 1})
	if err != nil {
		t.Fatalf("ReplayMany = %v", err)
	}
	if len(res.Replays) != 0 || res.NextAfterID != 1 {
		t.Errorf("ReplayMany = %+v, want nothing replayed and nextAfterId 1 (the last delivery looked at)", res)
	}
	res, err = s.ReplayMany(t.Context(), audit.Actor{Type: "user"}, "whe_1", ReplayFilter{Status: StatusFailed, Limit: 1, AfterID: res.NextAfterID})
	if err != nil || res.NextAfterID != 2 {
		t.Errorf("second page = %+v, %v; want nextAfterId 2", res, err)
	}
	if len(st.entries) != 2 {
		t.Errorf("activity entries = %d, want one per replay", len(st.entries))
	}
}
