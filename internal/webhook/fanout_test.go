package webhook

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFanOutMatch(t *testing.T) {
	t.Parallel()
	now := time.Now()
	subs := []Subscription{
		{ID: "all", StartSeq: 10, CreatedAt: now},
		// Made on a replica whose clock is an hour ahead: still gets
		// the events stored after it.
		{ID: "ahead", StartSeq: 10, CreatedAt: now.Add(time.Hour)},
		{ID: "later", StartSeq: 20, CreatedAt: now.Add(-time.Hour)},
		{ID: "pushes", StartSeq: 0, EventTypes: []string{"code.push"}},
	}
	tests := []struct {
		ev   Event
		want []string
	}{
		{Event{Seq: 10, Type: "code.push", CreatedAt: now}, []string{"pushes"}},
		{Event{Seq: 11, Type: "code.push", CreatedAt: now}, []string{"all", "ahead", "pushes"}},
		{Event{Seq: 21, Type: "ticket.created", CreatedAt: now}, []string{"all", "ahead", "later"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, fanOutMatch(tc.ev, subs)); diff != "" {
			t.Errorf("fanOutMatch(seq %d, %s) mismatch (-want +got):\n%s", tc.ev.Seq, tc.ev.Type, diff)
		}
	}
}
