package cot

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// eventBlock holds an event and everything its pointers may point at, so that
// decoding allocates once for all of them.
type eventBlock struct {
	ev        Event
	contact   Contact
	group     Group
	precision PrecisionLocation
	status    Status
	takv      Takv
	track     Track
	chat      Chat
	emergency Emergency
	control   TakControl
	response  bool
}

var scanners = sync.Pool{New: func() any { return new(scanner) }}

func getScanner(s string) *scanner {
	p := scanners.Get().(*scanner)
	p.reset(s, 0)
	return p
}

func putScanner(p *scanner) {
	if cap(p.store) > 4096 || cap(p.children) > 1024 {
		return // keep pathological documents' buffers out of the pool
	}
	p.s = ""
	scanners.Put(p)
}

// DecodeXML decodes one CoT <event> document. It is lenient in form — a byte
// order mark, a missing XML declaration, whitespace, comments, any attribute
// order, <detail> before <point>, quotes of either kind — and strict in
// substance: the XML must be well-formed (no document type declarations), the
// root must be <event> with exactly one <point> carrying lat and lon, numbers
// and times must parse, and "</event" may appear only as the root's end tag
// (TAK streams split there). Whether the values make sense is Validate's job.
func DecodeXML(b []byte) (*Event, error) {
	if at, ok := checkChars(string(b)); !ok {
		return nil, &SyntaxError{Offset: at, Msg: "invalid character"}
	}
	s := string(b) // the one copy: every string of the event is a slice of it
	p := getScanner(s)
	defer putScanner(p)
	if err := p.prolog(); err != nil {
		return nil, err
	}
	if p.i >= len(s) {
		return nil, errNoEvent
	}
	if s[p.i] != '<' {
		return nil, p.errorf(p.i, "text before the root element")
	}
	name, empty, err := p.startTag()
	if err != nil {
		return nil, err
	}
	if name != "event" {
		return nil, fmt.Errorf("cot: root element is <%s>, not <event>", truncate(name, 32))
	}
	blk := new(eventBlock)
	e := &blk.ev
	if err := eventAttrs(e, p.attrs); err != nil {
		return nil, err
	}
	point := false
	for !empty {
		tok, _, err := p.next("event")
		if err != nil {
			return nil, err
		}
		if tok == tokEnd {
			break
		}
		base := len(p.store)
		name, childEmpty, err := p.startTag()
		if err != nil {
			return nil, err
		}
		switch name {
		case "point":
			if point {
				return nil, errors.New("cot: event has more than one <point>")
			}
			point = true
			if e.Point, err = pointAttrs(p.attrs); err != nil {
				return nil, err
			}
			p.store = p.store[:base]
			if !childEmpty {
				_, err = p.skip(name)
			}
		case "detail":
			if !childEmpty {
				err = p.collect("detail")
			}
		default:
			p.store = p.store[:base]
			if !childEmpty {
				_, err = p.skip(name)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	// TAK streams are split after the first "</event": one inside the event
	// (in a comment, CDATA or a nested element) would let a relayed event
	// carry a forged one to every XML client.
	if j := indexEventEnd(s[:p.i]); j >= 0 && j < strings.LastIndex(s[:p.i], "</") {
		return nil, p.errorf(j, "</event inside the event")
	}
	if err := p.misc(); err != nil {
		return nil, err
	}
	if p.i < len(s) {
		return nil, p.errorf(p.i, "content after </event>")
	}
	if !point {
		return nil, errors.New("cot: event has no <point>")
	}
	p.finishDetail(blk, nil)
	return e, nil
}

// indexEventEnd returns the offset of the first end tag of an event in s
// ("</event" then optional whitespace and '>', where a TAK stream is split),
// or -1.
func indexEventEnd(s string) int {
	off := 0
	for {
		j := strings.Index(s[off:], "</event")
		if j < 0 {
			return -1
		}
		k := off + j + len("</event")
		for k < len(s) && isSpace(s[k]) {
			k++
		}
		if k < len(s) && s[k] == '>' {
			return off + j
		}
		off += j + 1
	}
}

func eventAttrs(e *Event, attrs []attr) error {
	for _, a := range attrs {
		var err error
		switch a.name {
		case "uid":
			e.UID = a.value
		case "UID": // as in the TAK protocol description's negotiation examples
			if e.UID == "" {
				e.UID = a.value
			}
		case "type":
			e.Type = a.value
		case "how":
			e.How = a.value
		case "time":
			e.Time, err = parseTime(a.value)
		case "start":
			e.Start, err = parseTime(a.value)
		case "stale":
			e.Stale, err = parseTime(a.value)
		case "access":
			e.Access = a.value
		case "qos":
			e.QoS = a.value
		case "opex":
			e.Opex = a.value
		case "caveat":
			e.Caveat = a.value
		case "releasableTo", "releaseableTo":
			e.ReleasableTo = a.value
		}
		if err != nil {
			return fmt.Errorf("cot: event %s=%q: %w", a.name, truncate(a.value, 40), err)
		}
	}
	return nil
}

func pointAttrs(attrs []attr) (Point, error) {
	pt := Point{HAE: Unknown, CE: Unknown, LE: Unknown}
	var lat, lon bool
	for _, a := range attrs {
		var dst *float64
		switch a.name {
		case "lat":
			dst, lat = &pt.Lat, true
		case "lon":
			dst, lon = &pt.Lon, true
		case "hae":
			dst = &pt.HAE
		case "ce":
			dst = &pt.CE
		case "le":
			dst = &pt.LE
		default:
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(a.value), 64)
		if err != nil {
			return pt, fmt.Errorf("cot: point %s=%q is not a number", a.name, truncate(a.value, 40))
		}
		*dst = v
	}
	if !lat || !lon {
		return pt, errors.New("cot: point needs lat and lon")
	}
	pt.HAE, pt.CE, pt.LE = unknown(pt.HAE), unknown(pt.CE), unknown(pt.LE)
	return pt, nil
}

// unknown maps the spellings of "unknown" to Unknown.
func unknown(v float64) float64 {
	if v == 999999 || v == Unknown {
		return Unknown
	}
	return v
}

// parseTime reads an ISO 8601 UTC time such as 2025-01-01T12:00:00.123Z
// (fractional seconds optional and of any length), or any RFC 3339 time.
func parseTime(v string) (time.Time, error) {
	if t, ok := parseTimeFast(v); ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, errors.New("not an ISO 8601 time")
	}
	return t.UTC(), nil
}

func parseTimeFast(v string) (time.Time, bool) {
	if len(v) < 20 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[len(v)-1] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(v[0:4])
	mo, ok2 := num(v[5:7])
	d, ok3 := num(v[8:10])
	h, ok4 := num(v[11:13])
	mi, ok5 := num(v[14:16])
	sec, ok6 := num(v[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	if frac := v[19 : len(v)-1]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 {
			return time.Time{}, false
		}
		scale := 100000000
		for i := 1; i < len(frac); i++ {
			c := frac[i]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			ns += int(c-'0') * scale
			scale /= 10
		}
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC), true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// The typed detail elements, in the order they are written.
const (
	kContact = iota
	kGroup
	kPrecision
	kStatus
	kTakv
	kTrack
	numTyped
)

func typedKind(name string) int {
	switch name {
	case "contact":
		return kContact
	case "__group":
		return kGroup
	case "precisionlocation":
		return kPrecision
	case "status":
		return kStatus
	case "takv":
		return kTakv
	case "track":
		return kTrack
	}
	return -1
}

// finishDetail turns the collected <detail> children into the event's
// Detail: an element becomes a typed field when it is the only one of its name
// and maps cleanly; every other element stays in Detail.XML, and the routing
// views are parsed from those. typed, for a protobuf message, holds the kinds
// its typed fields already set; such a field is dropped when xmlDetail has an
// element of the same name ("xmlDetail wins").
func (p *scanner) finishDetail(blk *eventBlock, typed *[numTyped]bool) {
	d := &blk.ev.Detail
	var counts [numTyped]int
	for i := range p.children {
		if k := typedKind(p.children[i].name); k >= 0 {
			counts[k]++
		}
	}
	if typed != nil {
		for k, set := range typed {
			if set && counts[k] > 0 {
				clearTyped(d, k)
			}
		}
	}
	keep, size, single := 0, 0, -1
	remarks := false
	for i := range p.children {
		c := &p.children[i]
		if k := typedKind(c.name); k >= 0 && counts[k] == 1 && !c.content && lift(blk, k, p.attrsOf(c)) {
			c.lifted = true
			continue
		}
		keep++
		size += c.end - c.start
		single = i
		switch c.name {
		case "marti":
			p.dests(c, d)
		case "__chat":
			p.chat(c, blk)
		case "emergency":
			a := p.attrsOf(c)
			blk.emergency.Type, _ = lookup(a, "type")
			cancel, _ := lookup(a, "cancel")
			blk.emergency.Cancel = strings.EqualFold(strings.TrimSpace(cancel), "true")
			blk.emergency.Text = strings.TrimSpace(textOf(p.s[c.contentLo:c.contentHi]))
			d.Emergency = &blk.emergency
		case "link":
			a := p.attrsOf(c)
			var l Link
			for _, at := range a {
				switch at.name {
				case "uid":
					l.UID = at.value
				case "type":
					l.Type = at.value
				case "relation":
					l.Relation = at.value
				case "parent_callsign":
					l.ParentCallsign = at.value
				case "production_time":
					l.ProductionTime = at.value
				case "point":
					l.Point = at.value
				case "callsign":
					l.Callsign = at.value
				case "remarks":
					l.Remarks = at.value
				}
			}
			d.Links = append(d.Links, l)
		case "remarks":
			if !remarks {
				remarks = true
				d.Remarks = textOf(p.s[c.contentLo:c.contentHi])
			}
		case "TakControl":
			p.control(c, blk)
		}
	}
	if d.Chat != nil {
		d.Chat.Message = d.Remarks
	}
	switch {
	case keep == 0:
	case keep == 1:
		d.XML = p.s[p.children[single].start:p.children[single].end]
	default:
		var b strings.Builder
		b.Grow(size)
		for i := range p.children {
			if c := &p.children[i]; !c.lifted {
				b.WriteString(p.s[c.start:c.end])
			}
		}
		d.XML = b.String()
	}
}

func clearTyped(d *Detail, k int) {
	switch k {
	case kContact:
		d.Contact = nil
	case kGroup:
		d.Group = nil
	case kPrecision:
		d.PrecisionLocation = nil
	case kStatus:
		d.Status = nil
	case kTakv:
		d.Takv = nil
	case kTrack:
		d.Track = nil
	}
}

// lift fills the typed field of kind k from an element's attributes and
// reports whether the element maps cleanly: every attribute the message
// requires is there, there is none it cannot hold, and the values parse.
func lift(blk *eventBlock, k int, attrs []attr) bool {
	d := &blk.ev.Detail
	var v [4]string
	switch k {
	case kContact:
		if seen, ok := pick(attrs, contactAttrs, v[:]); !ok || seen&1 == 0 {
			return false
		}
		blk.contact = Contact{Callsign: v[0], Endpoint: v[1]}
		d.Contact = &blk.contact
	case kGroup:
		if seen, ok := pick(attrs, groupAttrs, v[:]); !ok || seen != 3 {
			return false
		}
		blk.group = Group{Name: v[0], Role: v[1]}
		d.Group = &blk.group
	case kPrecision:
		if seen, ok := pick(attrs, precisionAttrs, v[:]); !ok || seen != 3 {
			return false
		}
		blk.precision = PrecisionLocation{GeoPointSrc: v[0], AltSrc: v[1]}
		d.PrecisionLocation = &blk.precision
	case kTakv:
		if seen, ok := pick(attrs, takvAttrs, v[:]); !ok || seen != 15 {
			return false
		}
		blk.takv = Takv{Device: v[0], Platform: v[1], OS: v[2], Version: v[3]}
		d.Takv = &blk.takv
	case kStatus:
		if seen, ok := pick(attrs, statusAttrs, v[:]); !ok || seen != 1 {
			return false
		}
		n, err := strconv.ParseUint(v[0], 10, 32)
		if err != nil {
			return false
		}
		blk.status.Battery = uint32(n)
		d.Status = &blk.status
	case kTrack:
		if seen, ok := pick(attrs, trackAttrs, v[:]); !ok || seen != 3 {
			return false
		}
		s, err1 := strconv.ParseFloat(v[0], 64)
		c, err2 := strconv.ParseFloat(v[1], 64)
		if err1 != nil || err2 != nil || math.IsInf(s, 0) || math.IsNaN(s) || math.IsInf(c, 0) || math.IsNaN(c) {
			return false
		}
		blk.track = Track{Speed: s, Course: c}
		d.Track = &blk.track
	}
	return true
}

var (
	contactAttrs   = []string{"callsign", "endpoint"}
	groupAttrs     = []string{"name", "role"}
	precisionAttrs = []string{"geopointsrc", "altsrc"}
	takvAttrs      = []string{"device", "platform", "os", "version"}
	statusAttrs    = []string{"battery"}
	trackAttrs     = []string{"speed", "course"}
)

// pick copies the values of the attributes named in names into vals (same
// index) and reports which were present (bit i for names[i]) and whether
// every attribute was one of names.
func pick(attrs []attr, names []string, vals []string) (seen uint8, ok bool) {
	for _, a := range attrs {
		found := false
		for i, n := range names {
			if a.name == n {
				vals[i], seen, found = a.value, seen|1<<i, true
				break
			}
		}
		if !found {
			return seen, false
		}
	}
	return seen, true
}

// each calls fn for every child element of the collected child c, with the
// child's name and attributes.
func (p *scanner) each(c *child, fn func(name string, attrs []attr)) {
	if c.contentHi <= c.contentLo {
		return
	}
	save, base := p.i, len(p.store)
	defer func() { p.i, p.store = save, p.store[:base] }()
	p.i = c.contentLo
	for {
		tok, _, err := p.next(c.name)
		if err != nil || tok != tokStart {
			return
		}
		name, empty, err := p.startTag()
		if err != nil {
			return
		}
		fn(name, p.attrs)
		p.store = p.store[:base]
		if !empty {
			if _, err := p.skip(name); err != nil {
				return
			}
		}
	}
}

func (p *scanner) dests(c *child, d *Detail) {
	p.each(c, func(name string, attrs []attr) {
		if name != "dest" {
			return
		}
		var ds Dest
		ds.Callsign, _ = lookup(attrs, "callsign")
		ds.UID, _ = lookup(attrs, "uid")
		ds.Mission, _ = lookup(attrs, "mission")
		d.Dests = append(d.Dests, ds)
	})
}

func (p *scanner) chat(c *child, blk *eventBlock) {
	ch := &blk.chat
	if blk.ev.Detail.Chat != nil {
		return // the first <__chat> counts
	}
	for _, a := range p.attrsOf(c) {
		switch a.name {
		case "id":
			ch.ID = a.value
		case "chatroom":
			ch.Chatroom = a.value
		case "senderCallsign":
			ch.SenderCallsign = a.value
		case "messageId":
			ch.MessageID = a.value
		case "parent":
			ch.Parent = a.value
		case "groupOwner":
			ch.GroupOwner = a.value
		}
	}
	p.each(c, func(name string, attrs []attr) {
		if name != "chatgrp" {
			return
		}
		for _, a := range attrs {
			if len(a.name) > 3 && strings.HasPrefix(a.name, "uid") && isDigits(a.name[3:]) {
				ch.Members = append(ch.Members, a.value)
			}
		}
	})
	blk.ev.Detail.Chat = ch
}

func (p *scanner) control(c *child, blk *eventBlock) {
	ctl := &blk.control
	p.each(c, func(name string, attrs []attr) {
		switch name {
		case "TakProtocolSupport":
			v, _ := lookup(attrs, "version")
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				ctl.Support = append(ctl.Support, n)
			}
		case "TakRequest":
			v, _ := lookup(attrs, "version")
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 && ctl.Request == 0 {
				ctl.Request = n
			}
		case "TakResponse":
			v, _ := lookup(attrs, "status")
			if ctl.Response == nil {
				blk.response = strings.EqualFold(strings.TrimSpace(v), "true")
				ctl.Response = &blk.response
			}
		}
	})
	blk.ev.Detail.Control = ctl
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
