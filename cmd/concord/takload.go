package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"html"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/concord-mission/concord/cot"
)

// takDevice is a TAK client as the load generator and the device simulator
// use it: it connects like ATAK does (optional <auth>, protocol
// negotiation when asked), then sends and receives CoT. It works against
// any TAK-compatible server, not only Concord.
type takDevice struct {
	nc     net.Conn
	sr     *cot.StreamReader
	format cot.Format
	wmu    sync.Mutex
	bw     *bufio.Writer
	buf    []byte
}

// takDialOptions say how a device connects.
type takDialOptions struct {
	Addr string
	// Username and Secret, when set, are sent as <auth> first.
	Username, Secret string
	// Proto asks for TAK Protocol Version 1 when the server offers it.
	Proto bool
	// TLS, when set, connects over TLS.
	TLS *tls.Config
	// Wait bounds the handshake.
	Wait time.Duration
}

// dialDevice connects and, when asked, negotiates protobuf. A server that
// offers nothing within the wait leaves the device on XML.
func dialDevice(o takDialOptions) (*takDevice, error) {
	if o.Wait == 0 {
		o.Wait = 10 * time.Second
	}
	d := net.Dialer{Timeout: o.Wait}
	var nc net.Conn
	var err error
	if o.TLS != nil {
		nc, err = tls.DialWithDialer(&d, "tcp", o.Addr, o.TLS)
	} else {
		nc, err = d.Dial("tcp", o.Addr)
	}
	if err != nil {
		return nil, err
	}
	dev := &takDevice{nc: nc, sr: cot.NewStreamReader(nc, 8<<20), bw: bufio.NewWriterSize(nc, 64<<10)}
	if o.Username != "" {
		auth := fmt.Sprintf(`<auth><cot username="%s" password="%s" uid="%s"/></auth>`, html.EscapeString(o.Username), html.EscapeString(o.Secret), html.EscapeString(o.Username))
		if _, err := nc.Write([]byte(auth)); err != nil {
			nc.Close()
			return nil, err
		}
	}
	if !o.Proto {
		return dev, nil
	}
	// Wait for the server's offer, then ask for version 1.
	_ = nc.SetReadDeadline(time.Now().Add(o.Wait))
	defer nc.SetReadDeadline(time.Time{})
	for {
		b, _, err := dev.sr.Next()
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("waiting for the protocol offer: %w", err)
		}
		ev, err := cot.DecodeXML(b)
		if err != nil || ev.Type != cot.TypeProtocolSupport {
			continue
		}
		now := time.Now().UTC()
		q := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<event version="2.0" uid="%s" type="t-x-takp-q" time="%s" start="%s" stale="%s" how="m-g"><point lat="0.0" lon="0.0" hae="0.0" ce="9999999.0" le="9999999.0"/><detail><TakControl><TakRequest version="1"/></TakControl></detail></event>`,
			html.EscapeString(ev.UID), cotTime(now), cotTime(now), cotTime(now.Add(time.Minute)))
		if _, err := nc.Write([]byte(q)); err != nil {
			nc.Close()
			return nil, err
		}
		break
	}
	for {
		b, _, err := dev.sr.Next()
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("waiting for the protocol response: %w", err)
		}
		ev, err := cot.DecodeXML(b)
		if err != nil || ev.Type != cot.TypeProtocolResponse {
			continue
		}
		if c := ev.Detail.Control; c != nil && c.Response != nil && *c.Response {
			dev.format = cot.FormatProto
			dev.sr.SetFormat(cot.FormatProto)
		}
		return dev, nil
	}
}

func cotTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// send writes events in the device's format, in one write.
func (d *takDevice) send(evs ...*cot.Event) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	for _, ev := range evs {
		if d.format == cot.FormatProto {
			d.buf = cot.AppendProto(d.buf[:0], ev)
		} else {
			d.buf = cot.AppendXML(d.buf[:0], ev)
		}
		if _, err := d.bw.Write(d.buf); err != nil {
			return err
		}
	}
	_ = d.nc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	return d.bw.Flush()
}

// read calls fn with every message's bytes (XML or protobuf payload) until
// the connection ends; the slice is valid only during the call.
func (d *takDevice) read(fn func(b []byte)) error {
	for {
		b, _, err := d.sr.Next()
		if err != nil {
			return err
		}
		fn(b)
	}
}

func (d *takDevice) close() error { return d.nc.Close() }

// benchMark starts the detail element that carries a load event's send
// time, readable by a byte search in XML and in protobuf alike (it travels
// in the TAK protobuf's xmlDetail string).
var benchMark = []byte(`<__bench t="`)

// benchEvent is a position report stamped with its send time.
func benchEvent(uid, callsign string, lat, lon float64, sent time.Time) *cot.Event {
	return &cot.Event{UID: uid, Type: "a-f-G-U-C", How: "m-g", Time: sent, Start: sent, Stale: sent.Add(2 * time.Minute),
		Point: cot.Point{Lat: lat, Lon: lon, HAE: 20, CE: 10, LE: cot.Unknown},
		Detail: cot.Detail{Contact: &cot.Contact{Callsign: callsign, Endpoint: "*:-1:stcp"}, Group: &cot.Group{Name: "Cyan", Role: "Team Member"},
			Track: &cot.Track{Speed: 3, Course: 90}, XML: `<__bench t="` + strconv.FormatInt(sent.UnixNano(), 10) + `"/>`}}
}

// benchSentAt finds the send time in a received message.
func benchSentAt(b []byte) (int64, bool) {
	i := bytes.Index(b, benchMark)
	if i < 0 {
		return 0, false
	}
	b = b[i+len(benchMark):]
	var n int64
	j := 0
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		n = n*10 + int64(b[j]-'0')
	}
	if j == 0 || j == len(b) || b[j] != '"' {
		return 0, false
	}
	return n, true
}
