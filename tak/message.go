package tak

import (
	"strings"
	"sync"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cot"
)

// Class says how a message may be treated under load.
type Class uint8

// The message classes.
const (
	// ClassPosition is a position report (situational awareness): only the
	// latest per uid matters, so a slow device's queue keeps just that.
	ClassPosition Class = iota
	// ClassChat is GeoChat; never dropped.
	ClassChat
	// ClassEmergency is an emergency (911, troops in contact, …) or its
	// cancellation; never dropped.
	ClassEmergency
	// ClassMission is a mission overlay or other shared data; never dropped.
	ClassMission
	// ClassControl is a reply to one device (pong, protocol response).
	ClassControl
)

var classNames = [...]string{"position", "chat", "emergency", "mission", "control"}

func (c Class) String() string { return classNames[c] }

// classify sorts an event into its class.
func classify(e *cot.Event) Class {
	switch {
	case e.Detail.Emergency != nil || strings.HasPrefix(e.Type, "b-a-"):
		return ClassEmergency
	case strings.HasPrefix(e.Type, "b-t-f"):
		return ClassChat
	case strings.HasPrefix(e.Type, "a-") && len(e.Detail.Dests) == 0:
		return ClassPosition
	}
	return ClassMission
}

// message is one event on its way to devices: it carries its marking and
// its encodings, each made once, on first use, for all recipients.
type message struct {
	ev      *cot.Event
	marking concord.Marking
	class   Class
	// from is the connection it came from (not sent back there), nil for
	// messages Concord makes or other instances relay.
	from *conn
	// switchTo, on a control message, is the format the connection's
	// writer switches to right after writing it (protocol negotiation).
	switchTo cot.Format

	xmlOnce, protoOnce sync.Once
	xml, proto         []byte
}

func newMessage(ev *cot.Event, m concord.Marking, class Class, from *conn) *message {
	return &message{ev: ev, marking: m, class: class, from: from, switchTo: -1}
}

// bytes returns the message in format f, encoding it on first use.
func (m *message) bytes(f cot.Format) []byte {
	if f == cot.FormatProto {
		m.protoOnce.Do(func() { m.proto = cot.AppendProto(nil, m.ev) })
		return m.proto
	}
	m.xmlOnce.Do(func() { m.xml = cot.AppendXML(nil, m.ev) })
	return m.xml
}
