package cot

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/concord-mission/concord/cot/takproto"
)

// Magic is the byte that starts every TAK Protocol Version 1 header.
const Magic = 0xBF

// maxMillis is 9999-12-31T23:59:59.999Z, the last time CoT XML can carry.
const maxMillis = 253402300799999

// DecodeProto decodes one TAK Protocol Version 1 payload (a TakMessage, with
// no framing). It returns the event (nil when the message carries none) and
// the message's TakControl (nil when absent). The event is in the same
// canonical form DecodeXML gives: xmlDetail is parsed (it must be well-formed
// XML content), a typed field is dropped when xmlDetail also has its element,
// and the routing views are filled. xmlDetail may not contain the end tag of
// an event (not even in CDATA or a comment), since XML clients would split the
// event there.
func DecodeProto(payload []byte) (*Event, *takproto.TakControl, error) {
	var m takproto.TakMessage
	if err := proto.Unmarshal(payload, &m); err != nil {
		return nil, nil, fmt.Errorf("cot: bad TAK protobuf message: %w", err)
	}
	ctl := m.GetTakControl()
	ce := m.GetCotEvent()
	if ce == nil {
		return nil, ctl, nil
	}
	blk := new(eventBlock)
	e := &blk.ev
	e.UID, e.Type, e.How = ce.Uid, ce.Type, ce.How
	e.Access, e.QoS, e.Opex = ce.Access, ce.Qos, ce.Opex
	e.Caveat, e.ReleasableTo = ce.Caveat, ce.ReleaseableTo
	var err error
	if e.Time, err = fromMillis("sendTime", ce.SendTime); err != nil {
		return nil, nil, err
	}
	if e.Start, err = fromMillis("startTime", ce.StartTime); err != nil {
		return nil, nil, err
	}
	if e.Stale, err = fromMillis("staleTime", ce.StaleTime); err != nil {
		return nil, nil, err
	}
	e.Point = Point{Lat: ce.Lat, Lon: ce.Lon, HAE: unknown(ce.Hae), CE: unknown(ce.Ce), LE: unknown(ce.Le)}
	d := ce.GetDetail()
	if d == nil {
		return e, ctl, nil
	}
	var typed [numTyped]bool
	if c := d.Contact; c != nil {
		blk.contact = Contact{Callsign: c.Callsign, Endpoint: c.Endpoint}
		e.Detail.Contact, typed[kContact] = &blk.contact, true
	}
	if g := d.Group; g != nil {
		blk.group = Group{Name: g.Name, Role: g.Role}
		e.Detail.Group, typed[kGroup] = &blk.group, true
	}
	if pl := d.PrecisionLocation; pl != nil {
		blk.precision = PrecisionLocation{GeoPointSrc: pl.Geopointsrc, AltSrc: pl.Altsrc}
		e.Detail.PrecisionLocation, typed[kPrecision] = &blk.precision, true
	}
	if s := d.Status; s != nil {
		blk.status = Status{Battery: s.Battery}
		e.Detail.Status, typed[kStatus] = &blk.status, true
	}
	if t := d.Takv; t != nil {
		blk.takv = Takv{Device: t.Device, Platform: t.Platform, OS: t.Os, Version: t.Version}
		e.Detail.Takv, typed[kTakv] = &blk.takv, true
	}
	if t := d.Track; t != nil {
		blk.track = Track{Speed: t.Speed, Course: t.Course}
		e.Detail.Track, typed[kTrack] = &blk.track, true
	}
	if x := d.XmlDetail; strings.TrimLeft(x, " \t\r\n") != "" {
		if at, ok := checkChars(x); !ok {
			return nil, nil, fmt.Errorf("cot: xmlDetail: %w", &SyntaxError{Offset: at, Msg: "invalid character"})
		}
		if j := indexEventEnd(x); j >= 0 {
			// It would end the event early for XML clients, and what follows
			// would reach them as an event of its own.
			return nil, nil, fmt.Errorf("cot: xmlDetail: %w", &SyntaxError{Offset: j, Msg: "</event inside the event"})
		}
		p := getScanner(x)
		defer putScanner(p)
		if err := p.collect(""); err != nil {
			return nil, nil, fmt.Errorf("cot: xmlDetail: %w", err)
		}
		p.finishDetail(blk, &typed)
	}
	return e, ctl, nil
}

func fromMillis(field string, ms uint64) (time.Time, error) {
	if ms == 0 {
		return time.Time{}, nil
	}
	if ms > maxMillis {
		return time.Time{}, fmt.Errorf("cot: %s %d is after the year 9999", field, ms)
	}
	return time.UnixMilli(int64(ms)).UTC(), nil
}

func toMillis(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	ms := t.UnixMilli()
	if ms < 0 {
		return 0
	}
	return min(uint64(ms), maxMillis)
}

// AppendProto appends e as one TAK streaming message to dst: 0xBF, the
// payload length as a varint, and the TakMessage payload. It is written by
// hand (no reflection, no intermediate messages) and does not allocate when
// dst has room.
func AppendProto(dst []byte, e *Event) []byte {
	e = validStrings(e)
	ds := detailSize(&e.Detail)
	es := eventSize(e, ds)
	dst = append(dst, Magic)
	dst = appendVarint(dst, uint64(protowire.SizeTag(2)+protowire.SizeBytes(es)))
	return appendCotEvent(dst, e, es, ds)
}

// AppendProtoPayload appends e as a bare TakMessage payload (no header), as
// used on mesh networks after their own header, and in tests.
func AppendProtoPayload(dst []byte, e *Event) []byte {
	e = validStrings(e)
	ds := detailSize(&e.Detail)
	return appendCotEvent(dst, e, eventSize(e, ds), ds)
}

// validStrings returns e, or when one of its strings is not valid UTF-8 a
// copy with the invalid bytes replaced: a protobuf string must be valid UTF-8
// for the receiver to accept the message. Checking once here lets the
// appenders below take every string as it is.
func validStrings(e *Event) *Event {
	d := &e.Detail
	ok := utf8.ValidString(e.UID) && utf8.ValidString(e.Type) && utf8.ValidString(e.How) &&
		utf8.ValidString(e.Access) && utf8.ValidString(e.QoS) && utf8.ValidString(e.Opex) &&
		utf8.ValidString(e.Caveat) && utf8.ValidString(e.ReleasableTo) && utf8.ValidString(d.XML) &&
		(d.Contact == nil || utf8.ValidString(d.Contact.Callsign) && utf8.ValidString(d.Contact.Endpoint)) &&
		(d.Group == nil || utf8.ValidString(d.Group.Name) && utf8.ValidString(d.Group.Role)) &&
		(d.PrecisionLocation == nil || utf8.ValidString(d.PrecisionLocation.GeoPointSrc) && utf8.ValidString(d.PrecisionLocation.AltSrc)) &&
		(d.Takv == nil || utf8.ValidString(d.Takv.Device) && utf8.ValidString(d.Takv.Platform) &&
			utf8.ValidString(d.Takv.OS) && utf8.ValidString(d.Takv.Version))
	if ok {
		return e
	}
	v := func(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
	c := *e
	c.UID, c.Type, c.How, c.Access, c.QoS, c.Opex = v(e.UID), v(e.Type), v(e.How), v(e.Access), v(e.QoS), v(e.Opex)
	c.Caveat, c.ReleasableTo, c.Detail.XML = v(e.Caveat), v(e.ReleasableTo), v(d.XML)
	if d.Contact != nil {
		c.Detail.Contact = &Contact{Callsign: v(d.Contact.Callsign), Endpoint: v(d.Contact.Endpoint)}
	}
	if d.Group != nil {
		c.Detail.Group = &Group{Name: v(d.Group.Name), Role: v(d.Group.Role)}
	}
	if d.PrecisionLocation != nil {
		c.Detail.PrecisionLocation = &PrecisionLocation{GeoPointSrc: v(d.PrecisionLocation.GeoPointSrc), AltSrc: v(d.PrecisionLocation.AltSrc)}
	}
	if d.Takv != nil {
		c.Detail.Takv = &Takv{Device: v(d.Takv.Device), Platform: v(d.Takv.Platform), OS: v(d.Takv.OS), Version: v(d.Takv.Version)}
	}
	return &c
}

func sizeString(num protowire.Number, s string) int {
	if s == "" {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeBytes(len(s))
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = appendTag(b, num, protowire.BytesType)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

func sizeUint(num protowire.Number, v uint64) int {
	if v == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeVarint(v)
}

func appendUint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = appendTag(b, num, protowire.VarintType)
	return appendVarint(b, v)
}

func sizeDouble(num protowire.Number, v float64) int {
	if math.Float64bits(v) == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeFixed64()
}

func appendDouble(b []byte, num protowire.Number, v float64) []byte {
	if math.Float64bits(v) == 0 {
		return b
	}
	b = appendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, math.Float64bits(v))
}

func sizeMessage(num protowire.Number, n int) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(n)
}

func appendMessageHeader(b []byte, num protowire.Number, n int) []byte {
	b = appendTag(b, num, protowire.BytesType)
	return appendVarint(b, uint64(n))
}

// appendVarint is protowire.AppendVarint for the small values of a CoT
// message, short enough to be inlined.
func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendTag(b []byte, num protowire.Number, typ protowire.Type) []byte {
	return appendVarint(b, uint64(num)<<3|uint64(typ))
}

func contactSize(c *Contact) int { return sizeString(1, c.Endpoint) + sizeString(2, c.Callsign) }
func groupSize(g *Group) int     { return sizeString(1, g.Name) + sizeString(2, g.Role) }
func precisionSize(p *PrecisionLocation) int {
	return sizeString(1, p.GeoPointSrc) + sizeString(2, p.AltSrc)
}
func statusSize(s *Status) int { return sizeUint(1, uint64(s.Battery)) }
func takvSize(t *Takv) int {
	return sizeString(1, t.Device) + sizeString(2, t.Platform) + sizeString(3, t.OS) + sizeString(4, t.Version)
}
func trackSize(t *Track) int { return sizeDouble(1, t.Speed) + sizeDouble(2, t.Course) }

// detailSize is the size of the Detail message, or -1 when there is none.
func detailSize(d *Detail) int {
	n := sizeString(1, d.XML)
	present := d.XML != ""
	if d.Contact != nil {
		n += sizeMessage(2, contactSize(d.Contact))
		present = true
	}
	if d.Group != nil {
		n += sizeMessage(3, groupSize(d.Group))
		present = true
	}
	if d.PrecisionLocation != nil {
		n += sizeMessage(4, precisionSize(d.PrecisionLocation))
		present = true
	}
	if d.Status != nil {
		n += sizeMessage(5, statusSize(d.Status))
		present = true
	}
	if d.Takv != nil {
		n += sizeMessage(6, takvSize(d.Takv))
		present = true
	}
	if d.Track != nil {
		n += sizeMessage(7, trackSize(d.Track))
		present = true
	}
	if !present {
		return -1
	}
	return n
}

// eventSize is the size of the CotEvent message, given the Detail's size.
func eventSize(e *Event, ds int) int {
	n := sizeString(1, e.Type) + sizeString(2, e.Access) + sizeString(3, e.QoS) + sizeString(4, e.Opex) +
		sizeString(5, e.UID) + sizeUint(6, toMillis(e.Time)) + sizeUint(7, toMillis(e.Start)) +
		sizeUint(8, toMillis(e.Stale)) + sizeString(9, e.How) +
		sizeDouble(10, e.Point.Lat) + sizeDouble(11, e.Point.Lon) + sizeDouble(12, e.Point.HAE) +
		sizeDouble(13, e.Point.CE) + sizeDouble(14, e.Point.LE) +
		sizeString(16, e.Caveat) + sizeString(17, e.ReleasableTo)
	if ds >= 0 {
		n += sizeMessage(15, ds)
	}
	return n
}

// appendCotEvent writes TakMessage field 2 (cotEvent) holding e, fields in
// number order as protobuf-go writes them.
func appendCotEvent(b []byte, e *Event, es, ds int) []byte {
	b = appendMessageHeader(b, 2, es)
	b = appendString(b, 1, e.Type)
	b = appendString(b, 2, e.Access)
	b = appendString(b, 3, e.QoS)
	b = appendString(b, 4, e.Opex)
	b = appendString(b, 5, e.UID)
	b = appendUint(b, 6, toMillis(e.Time))
	b = appendUint(b, 7, toMillis(e.Start))
	b = appendUint(b, 8, toMillis(e.Stale))
	b = appendString(b, 9, e.How)
	b = appendDouble(b, 10, e.Point.Lat)
	b = appendDouble(b, 11, e.Point.Lon)
	b = appendDouble(b, 12, e.Point.HAE)
	b = appendDouble(b, 13, e.Point.CE)
	b = appendDouble(b, 14, e.Point.LE)
	if ds >= 0 {
		b = appendMessageHeader(b, 15, ds)
		b = appendDetail(b, &e.Detail)
	}
	b = appendString(b, 16, e.Caveat)
	return appendString(b, 17, e.ReleasableTo)
}

func appendDetail(b []byte, d *Detail) []byte {
	b = appendString(b, 1, d.XML)
	if c := d.Contact; c != nil {
		b = appendMessageHeader(b, 2, contactSize(c))
		b = appendString(b, 1, c.Endpoint)
		b = appendString(b, 2, c.Callsign)
	}
	if g := d.Group; g != nil {
		b = appendMessageHeader(b, 3, groupSize(g))
		b = appendString(b, 1, g.Name)
		b = appendString(b, 2, g.Role)
	}
	if p := d.PrecisionLocation; p != nil {
		b = appendMessageHeader(b, 4, precisionSize(p))
		b = appendString(b, 1, p.GeoPointSrc)
		b = appendString(b, 2, p.AltSrc)
	}
	if s := d.Status; s != nil {
		b = appendMessageHeader(b, 5, statusSize(s))
		b = appendUint(b, 1, uint64(s.Battery))
	}
	if t := d.Takv; t != nil {
		b = appendMessageHeader(b, 6, takvSize(t))
		b = appendString(b, 1, t.Device)
		b = appendString(b, 2, t.Platform)
		b = appendString(b, 3, t.OS)
		b = appendString(b, 4, t.Version)
	}
	if t := d.Track; t != nil {
		b = appendMessageHeader(b, 7, trackSize(t))
		b = appendDouble(b, 1, t.Speed)
		b = appendDouble(b, 2, t.Course)
	}
	return b
}
