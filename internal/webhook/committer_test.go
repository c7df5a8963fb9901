package webhook

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// batchStore refuses every batch holding a delivery of endpoint "poison",
// as a database refuses a row it cannot store, and records each batch's
// endpoints; err, when set, is what every write fails with instead.
type batchStore struct {
	Store
	mu      sync.Mutex
	batches [][]string
	next    int64
	err     error
}

func (s *batchStore) InsertDeliveries(_ context.Context, ds []NewDelivery) ([]Inserted, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var eps []string
	for _, d := range ds {
		eps = append(eps, d.EndpointID)
	}
	s.batches = append(s.batches, eps)
	if s.err != nil {
		return nil, s.err
	}
	for _, d := range ds {
		if d.EndpointID == "poison" {
			return nil, errors.New("invalid byte sequence")
		}
	}
	out := make([]Inserted, len(ds))
	for i := range ds {
		s.next++
		out[i] = Inserted{ID: s.next, Status: StatusPending}
	}
	return out, nil
}

// commitAll queues one delivery per endpoint name before the committer's
// writer starts, so that they share its first batch, and returns each
// one's result.
func commitAll(st Store, endpoints []string) []writeResult {
	c := newCommitter(st, 1, 32, slog.New(slog.DiscardHandler))
	ps := make([]*pendingWrite, len(endpoints))
	for i, ep := range endpoints {
		ps[i] = &pendingWrite{d: NewDelivery{EndpointID: ep}, done: make(chan writeResult, 1)}
		c.ch <- ps[i]
	}
	close(c.ch)
	c.run(context.Background())
	out := make([]writeResult, len(ps))
	for i, p := range ps {
		out[i] = <-p.done
	}
	return out
}

// TestCommitterIsolatesRefusedDelivery: a delivery the database refuses
// fails alone; the others of its group commit are stored.
func TestCommitterIsolatesRefusedDelivery(t *testing.T) {
	st := &batchStore{}
	eps := []string{"a", "b", "poison", "c"}
	res := commitAll(st, eps)
	for i, r := range res {
		if eps[i] == "poison" {
			if r.err == nil {
				t.Errorf("the refused delivery succeeded: %+v", r.ins)
			}
			continue
		}
		if r.err != nil || r.ins.ID == 0 {
			t.Errorf("delivery %d (%s) = %+v, %v; want stored", i, eps[i], r.ins, r.err)
		}
	}
	want := [][]string{eps, {"a"}, {"b"}, {"poison"}, {"c"}}
	if diff := cmp.Diff(want, st.batches); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

// TestCommitterDoesNotRetryTimedOutBatch: a database that stops answering
// fails the whole batch at once, without a write per delivery.
func TestCommitterDoesNotRetryTimedOutBatch(t *testing.T) {
	st := &batchStore{err: context.DeadlineExceeded}
	var eps []string
	for i := range 5 {
		eps = append(eps, "ep"+strconv.Itoa(i))
	}
	for i, r := range commitAll(st, eps) {
		if !errors.Is(r.err, context.DeadlineExceeded) {
			t.Errorf("delivery %d = %+v, %v; want the timeout", i, r.ins, r.err)
		}
	}
	if len(st.batches) != 1 {
		t.Errorf("%d writes, want 1: %v", len(st.batches), st.batches)
	}
}
