package tak

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cot"
)

func msg(uid string, class Class, i int) *message {
	now := time.Unix(int64(i), 0)
	return newMessage(&cot.Event{UID: uid, Type: "a-f-G", How: "m-g", Time: now, Start: now, Stale: now.Add(time.Minute)}, concord.Marking{}, class, nil)
}

// TestQueueCoalescesOnlyWhenBehind checks the overload policy: below the
// backlog threshold every report is kept; beyond it a waiting position is
// replaced by its uid's newer one (counted), while chat and emergencies
// are never dropped, and order is kept.
func TestQueueCoalescesOnlyWhenBehind(t *testing.T) {
	m := newMetrics(prometheus.NewRegistry())
	q := newQueue(100, 4, m)
	for i := 0; i < 3; i++ {
		q.push(msg("A", ClassPosition, i))
	}
	if got := len(q.take()); got != 3 {
		t.Fatalf("a device keeping up got %d of 3 reports", got)
	}
	// Fall behind: 4 waiting, then positions of A and B keep coming with
	// chat and an emergency in between.
	for i := 0; i < 4; i++ {
		q.push(msg(fmt.Sprint("X", i), ClassPosition, i))
	}
	q.push(msg("A", ClassPosition, 10))
	q.push(msg("chat-1", ClassChat, 11))
	q.push(msg("A", ClassPosition, 12))
	q.push(msg("sos", ClassEmergency, 13))
	q.push(msg("A", ClassPosition, 14))
	q.push(msg("chat-2", ClassChat, 15))
	got := q.take()
	var order []string
	for _, x := range got {
		order = append(order, fmt.Sprintf("%s@%d", x.ev.UID, x.ev.Time.Unix()))
	}
	want := "[X0@0 X1@1 X2@2 X3@3 A@14 chat-1@11 sos@13 chat-2@15]"
	if fmt.Sprint(order) != want {
		t.Fatalf("queue delivered %v, want %s", order, want)
	}
	if n := counter(m.coalesced); n != 2 {
		t.Fatalf("coalesced counter %v, want 2", n)
	}
}

// TestQueueOverflowMeansDisconnect: past the limit push reports false,
// and closing counts what was still queued as dropped, by class.
func TestQueueOverflowMeansDisconnect(t *testing.T) {
	m := newMetrics(prometheus.NewRegistry())
	q := newQueue(5, 1000, m)
	ok := true
	for i := 0; i < 6; i++ {
		ok = q.push(msg(fmt.Sprint("chat-", i), ClassChat, i))
	}
	if ok {
		t.Fatal("a queue over its limit did not ask for a disconnect")
	}
	q.close()
	if n := counter(m.dropped.WithLabelValues("disconnected", "chat")); n != 6 {
		t.Fatalf("dropped on disconnect %v, want 6", n)
	}
	if !q.push(msg("late", ClassChat, 9)) || len(q.take()) != 0 {
		t.Fatal("a closed queue took a message")
	}
}

// TestMessageEncodedOncePerFormat: however many devices a message goes
// to, it is encoded at most once per wire format.
func TestMessageEncodedOncePerFormat(t *testing.T) {
	m := msg("A", ClassPosition, 1)
	x1, x2 := m.bytes(cot.FormatXML), m.bytes(cot.FormatXML)
	p1, p2 := m.bytes(cot.FormatProto), m.bytes(cot.FormatProto)
	if &x1[0] != &x2[0] || &p1[0] != &p2[0] {
		t.Fatal("a message was encoded again for a second recipient")
	}
	if p1[0] != cot.Magic {
		t.Fatal("protobuf encoding is not framed")
	}
}

func counter(c prometheus.Counter) float64 {
	var d dto.Metric
	_ = c.Write(&d)
	return d.GetCounter().GetValue()
}
