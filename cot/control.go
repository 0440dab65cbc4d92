package cot

import (
	"strings"
	"time"
)

// The CoT types of TAK's housekeeping messages.
const (
	TypeProtocolSupport  = "t-x-takp-v" // server: the protocol versions it offers
	TypeProtocolRequest  = "t-x-takp-q" // client: the version it asks for
	TypeProtocolResponse = "t-x-takp-r" // server: whether it accepts
	TypePing             = "t-x-c-t"
	TypePong             = "t-x-c-t-r"
	TypeDelete           = "t-x-d-d"
	TypeChat             = "b-t-f"
)

// baseType is the type without its optional ";…" suffix.
func baseType(t string) string {
	if i := strings.IndexByte(t, ';'); i >= 0 {
		return t[:i]
	}
	return t
}

// newEvent is the skeleton of the events this package builds: time and start
// now, a point at 0,0 with unknown errors.
func newEvent(uid, typ, how string, now, stale time.Time) *eventBlock {
	blk := new(eventBlock)
	blk.ev = Event{UID: uid, Type: typ, How: how, Time: now.UTC(), Start: now.UTC(), Stale: stale.UTC(),
		Point: Point{HAE: Unknown, CE: Unknown, LE: Unknown}}
	return blk
}

// setXML sets the event's Detail.XML to x (which the builders make
// well-formed) and fills the routing views from it, as a decoder would.
func (blk *eventBlock) setXML(x string) *Event {
	var typed [numTyped]bool
	typed[kContact] = blk.ev.Detail.Contact != nil
	p := getScanner(x)
	defer putScanner(p)
	if err := p.collect(""); err != nil {
		panic("cot: builder made malformed xml: " + err.Error()) // a bug in this package
	}
	p.finishDetail(blk, &typed)
	return &blk.ev
}

// ProtocolSupport is the server's offer of TAK Protocol Version 1
// (t-x-takp-v with <TakProtocolSupport version="1"/>), sent at most once per
// connection; uid identifies the negotiation.
func ProtocolSupport(uid string, now time.Time) *Event {
	blk := newEvent(uid, TypeProtocolSupport, "m-g", now, now.Add(time.Minute))
	blk.ev.Point.HAE = 0
	return blk.setXML(`<TakControl><TakProtocolSupport version="1"/></TakControl>`)
}

// ProtocolResponse is the server's answer to a client's request
// (t-x-takp-r with <TakResponse status="true|false"/>).
func ProtocolResponse(uid string, ok bool, now time.Time) *Event {
	blk := newEvent(uid, TypeProtocolResponse, "m-g", now, now.Add(time.Minute))
	blk.ev.Point.HAE = 0
	status := "false"
	if ok {
		status = "true"
	}
	return blk.setXML(`<TakControl><TakResponse status="` + status + `"/></TakControl>`)
}

// RequestedVersion reports the protocol version a client's t-x-takp-q asks
// for, and false for any other event.
func RequestedVersion(e *Event) (int, bool) {
	if baseType(e.Type) != TypeProtocolRequest || e.Detail.Control == nil || e.Detail.Control.Request <= 0 {
		return 0, false
	}
	return e.Detail.Control.Request, true
}

// IsPing reports whether e is a client's keep-alive (t-x-c-t), which a server
// answers with Pong and does not forward.
func IsPing(e *Event) bool { return baseType(e.Type) == TypePing }

// Pong is the server's answer to a ping: t-x-c-t-r, uid takPong, how h-g-i-g-o.
func Pong(now time.Time) *Event {
	blk := newEvent("takPong", TypePong, "h-g-i-g-o", now, now.Add(20*time.Second))
	return &blk.ev
}

// Delete tells devices that the item uid (of CoT type ofType) is gone, for
// example the devices of a connection that closed: t-x-d-d with a p-p link to
// uid and <__forcedelete/>. Its own uid is uid + ".delete", so that it never
// replaces the item it deletes in a store keyed by uid.
func Delete(uid, ofType string, now time.Time) *Event {
	blk := newEvent(uid+".delete", TypeDelete, "h-g-i-g-o", now, now.Add(time.Minute))
	var b []byte
	b = append(b, `<link uid="`...)
	b = appendEscaped(b, uid)
	b = append(b, `" type="`...)
	b = appendEscaped(b, ofType)
	b = append(b, `" relation="p-p"/><__forcedelete/>`...)
	return blk.setXML(string(b))
}
