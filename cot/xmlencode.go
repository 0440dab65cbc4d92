package cot

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// XMLHeader is the declaration AppendXML writes before every event.
const XMLHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// AppendXML appends e as one CoT XML document to dst: the XML declaration, a
// newline, <event version="2.0" …> with <point> and <detail>, and nothing after
// </event>. Times are RFC 3339 UTC with milliseconds; unknown hae/ce/le are
// 9999999.0; attribute values are escaped, and characters XML cannot carry are
// replaced by U+FFFD. The typed detail fields are written first (contact,
// __group, precisionlocation, status, takv, track), then Detail.XML verbatim;
// the parsed views (Dests, Chat, …) are not written, XML carries them.
//
// It is written by hand, without reflection, because it runs once per message
// and wire format on the fan-out path; with a dst of enough capacity it does
// not allocate.
func AppendXML(dst []byte, e *Event) []byte {
	dst = append(dst, XMLHeader...)
	dst = append(dst, `<event version="2.0" uid="`...)
	dst = appendEscaped(dst, e.UID)
	dst = append(dst, `" type="`...)
	dst = appendEscaped(dst, e.Type)
	dst = append(dst, `" time="`...)
	dst = appendTime(dst, e.Time)
	dst = append(dst, `" start="`...)
	dst = appendTime(dst, e.Start)
	dst = append(dst, `" stale="`...)
	dst = appendTime(dst, e.Stale)
	dst = append(dst, `" how="`...)
	dst = appendEscaped(dst, e.How)
	dst = append(dst, '"')
	dst = appendOptAttr(dst, " access=\"", e.Access)
	dst = appendOptAttr(dst, " qos=\"", e.QoS)
	dst = appendOptAttr(dst, " opex=\"", e.Opex)
	dst = appendOptAttr(dst, " caveat=\"", e.Caveat)
	dst = appendOptAttr(dst, " releasableTo=\"", e.ReleasableTo)
	dst = append(dst, `><point lat="`...)
	dst = appendFloat(dst, e.Point.Lat)
	dst = append(dst, `" lon="`...)
	dst = appendFloat(dst, e.Point.Lon)
	dst = append(dst, `" hae="`...)
	dst = appendFloat(dst, e.Point.HAE)
	dst = append(dst, `" ce="`...)
	dst = appendFloat(dst, e.Point.CE)
	dst = append(dst, `" le="`...)
	dst = appendFloat(dst, e.Point.LE)
	dst = append(dst, `"/>`...)
	dst = appendDetailXML(dst, &e.Detail)
	return append(dst, "</event>"...)
}

func appendDetailXML(dst []byte, d *Detail) []byte {
	if d.Contact == nil && d.Group == nil && d.PrecisionLocation == nil && d.Status == nil &&
		d.Takv == nil && d.Track == nil && d.XML == "" {
		return append(dst, "<detail/>"...)
	}
	dst = append(dst, "<detail>"...)
	if c := d.Contact; c != nil {
		dst = append(dst, "<contact"...)
		dst = appendOptAttr(dst, ` endpoint="`, c.Endpoint)
		dst = append(dst, ` callsign="`...)
		dst = appendEscaped(dst, c.Callsign)
		dst = append(dst, `"/>`...)
	}
	if g := d.Group; g != nil {
		dst = append(dst, `<__group name="`...)
		dst = appendEscaped(dst, g.Name)
		dst = append(dst, `" role="`...)
		dst = appendEscaped(dst, g.Role)
		dst = append(dst, `"/>`...)
	}
	if pl := d.PrecisionLocation; pl != nil {
		dst = append(dst, `<precisionlocation geopointsrc="`...)
		dst = appendEscaped(dst, pl.GeoPointSrc)
		dst = append(dst, `" altsrc="`...)
		dst = appendEscaped(dst, pl.AltSrc)
		dst = append(dst, `"/>`...)
	}
	if s := d.Status; s != nil {
		dst = append(dst, `<status battery="`...)
		dst = strconv.AppendUint(dst, uint64(s.Battery), 10)
		dst = append(dst, `"/>`...)
	}
	if t := d.Takv; t != nil {
		dst = append(dst, `<takv device="`...)
		dst = appendEscaped(dst, t.Device)
		dst = append(dst, `" platform="`...)
		dst = appendEscaped(dst, t.Platform)
		dst = append(dst, `" os="`...)
		dst = appendEscaped(dst, t.OS)
		dst = append(dst, `" version="`...)
		dst = appendEscaped(dst, t.Version)
		dst = append(dst, `"/>`...)
	}
	if t := d.Track; t != nil {
		dst = append(dst, `<track course="`...)
		dst = appendFloat(dst, t.Course)
		dst = append(dst, `" speed="`...)
		dst = appendFloat(dst, t.Speed)
		dst = append(dst, `"/>`...)
	}
	dst = append(dst, d.XML...)
	return append(dst, "</detail>"...)
}

func appendOptAttr(dst []byte, prefix, v string) []byte {
	if v == "" {
		return dst
	}
	dst = append(dst, prefix...)
	dst = appendEscaped(dst, v)
	return append(dst, '"')
}

// appendTime writes t in UTC as 2006-01-02T15:04:05.000Z.
func appendTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / 1e6
	if y < 0 {
		y, mo, d, h, mi, s, ms = 0, 1, 1, 0, 0, 0, 0
	} else if y > 9999 {
		y, mo, d, h, mi, s, ms = 9999, 12, 31, 23, 59, 59, 999
	}
	return append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-',
		byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10), '.',
		byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), 'Z')
}

// appendFloat writes v in the shortest form that reads back exactly,
// integers with ".0" (so unknown is 9999999.0), no exponent for ordinary
// magnitudes.
func appendFloat(dst []byte, v float64) []byte {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e15:
		if v == 0 && math.Signbit(v) {
			return append(dst, "-0.0"...)
		}
		dst = strconv.AppendInt(dst, int64(v), 10)
		return append(dst, ".0"...)
	case a >= 1e-5 && a < 1e21:
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	}
	return strconv.AppendFloat(dst, v, 'g', -1, 64)
}

// attrSafe marks the bytes that go into an attribute value or text unescaped.
var attrSafe [256]bool

func init() {
	for c := 0x20; c < 0x80; c++ {
		attrSafe[c] = c != '&' && c != '<' && c != '>' && c != '"'
	}
}

// appendEscaped writes s escaped for a double-quoted attribute value. Tab,
// newline and carriage return become character references so that they
// survive attribute-value normalisation.
func appendEscaped(dst []byte, s string) []byte {
	i := 0
	for i < len(s) && attrSafe[s[i]] {
		i++
	}
	if i == len(s) {
		return append(dst, s...)
	}
	return appendEscapedSlow(dst, s, i, true)
}

// appendText writes s escaped as character data.
func appendText(dst []byte, s string) []byte {
	return appendEscapedSlow(dst, s, 0, false)
}

func appendEscapedSlow(dst []byte, s string, i int, attribute bool) []byte {
	dst = append(dst, s[:i]...)
	for i < len(s) {
		c := s[i]
		if attrSafe[c] {
			dst = append(dst, c)
			i++
			continue
		}
		switch c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '"':
			if attribute {
				dst = append(dst, "&quot;"...)
			} else {
				dst = append(dst, c)
			}
		case '\t', '\n':
			if attribute {
				dst = append(dst, "&#x"...)
				dst = append(dst, "0123456789ABCDEF"[c])
				dst = append(dst, ';')
			} else {
				dst = append(dst, c)
			}
		case '\r':
			dst = append(dst, "&#xD;"...)
		default:
			if c < 0x20 {
				dst = append(dst, "\uFFFD"...)
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
				dst = append(dst, "\uFFFD"...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		i++
	}
	return dst
}
