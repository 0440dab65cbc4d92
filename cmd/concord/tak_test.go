package main

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cot"
	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/tak"
)

// takClient is a TAK device for tests: it speaks XML or, after
// negotiation, protobuf to the real server, and collects what it receives.
type takClient struct {
	t    *testing.T
	nc   net.Conn
	name string
	w    *bufio.Writer

	mu     sync.Mutex
	got    []*cot.Event
	format cot.Format
	offer  string
	closed chan struct{}
}

// dialTAK connects a device as username over plain TCP with <auth>.
func (s *system) dialTAK(username string) *takClient {
	s.t.Helper()
	nc, err := net.Dial("tcp", s.m.TAK.Addr().String())
	if err != nil {
		s.t.Fatal(err)
	}
	c := newTAKClient(s.t, nc, username)
	c.write([]byte(fmt.Sprintf(`<auth><cot username="%s" password="%s" uid="%s"/></auth>`, username, demo.Password, username)))
	// The protocol offer comes once the device is in the routing table.
	c.waitFor(func(e *cot.Event) bool { return e.Type == cot.TypeProtocolSupport }, "the protocol offer")
	return c
}

// dialTAKTLS connects a device with a client certificate.
func (s *system) dialTAKTLS(username string, cert tls.Certificate) (*takClient, error) {
	pool := x509.NewCertPool()
	pool.AddCert(s.m.TAKCA.Cert)
	nc, err := tls.Dial("tcp", s.m.TAK.TLSAddr().String(), &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, ServerName: "localhost"})
	if err != nil {
		return nil, err
	}
	return newTAKClient(s.t, nc, username), nil
}

func newTAKClient(t *testing.T, nc net.Conn, name string) *takClient {
	c := &takClient{t: t, nc: nc, name: name, w: bufio.NewWriter(nc), closed: make(chan struct{})}
	t.Cleanup(func() { nc.Close(); <-c.closed })
	go c.read()
	return c
}

func (c *takClient) read() {
	defer close(c.closed)
	sr := cot.NewStreamReader(c.nc, 4<<20)
	for {
		b, f, err := sr.Next()
		if err != nil {
			return
		}
		var ev *cot.Event
		if f == cot.FormatProto {
			ev, _, err = cot.DecodeProto(b)
		} else {
			ev, err = cot.DecodeXML(b)
		}
		if err != nil || ev == nil {
			continue
		}
		c.mu.Lock()
		switch ev.Type {
		case cot.TypeProtocolSupport:
			c.offer = ev.UID
		case cot.TypeProtocolResponse:
			if ev.Detail.Control != nil && ev.Detail.Control.Response != nil && *ev.Detail.Control.Response {
				sr.SetFormat(cot.FormatProto)
				c.format = cot.FormatProto
			}
		}
		c.got = append(c.got, ev)
		c.mu.Unlock()
	}
}

func (c *takClient) write(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("%s: write: %v", c.name, err)
	}
}

// send writes an event in the client's current format.
func (c *takClient) send(ev *cot.Event) {
	c.t.Helper()
	c.mu.Lock()
	f := c.format
	c.mu.Unlock()
	if f == cot.FormatProto {
		c.write(cot.AppendProto(nil, ev))
	} else {
		c.write(cot.AppendXML(nil, ev))
	}
}

// negotiate switches the connection to protobuf.
func (c *takClient) negotiate() {
	c.t.Helper()
	var offer string
	c.waitFor(func(e *cot.Event) bool { return e.Type == cot.TypeProtocolSupport }, "protocol offer")
	c.mu.Lock()
	offer = c.offer
	c.mu.Unlock()
	q := fmt.Sprintf(`<?xml version="1.0"?><event version="2.0" uid="%s" type="t-x-takp-q" time="%s" start="%s" stale="%s" how="m-g"><point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/><detail><TakControl><TakRequest version="1"/></TakControl></detail></event>`,
		offer, cotTime(time.Now()), cotTime(time.Now()), cotTime(time.Now().Add(time.Minute)))
	c.write([]byte(q))
	c.waitFor(func(e *cot.Event) bool { return e.Type == cot.TypeProtocolResponse }, "protocol response")
}

// waitFor waits until the client received an event matching fn.
func (c *takClient) waitFor(fn func(*cot.Event) bool, what string) *cot.Event {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		for _, e := range c.got {
			if fn(e) {
				c.mu.Unlock()
				return e
			}
		}
		c.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatalf("%s never received %s", c.name, what)
	return nil
}

// has reports whether the client received an event matching fn.
func (c *takClient) has(fn func(*cot.Event) bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.got {
		if fn(e) {
			return true
		}
	}
	return false
}

func pli(uid, callsign string, lat, lon float64, at time.Time) *cot.Event {
	return &cot.Event{UID: uid, Type: "a-f-G-U-C", How: "m-g", Time: at, Start: at, Stale: at.Add(5 * time.Minute),
		Point:  cot.Point{Lat: lat, Lon: lon, HAE: 10, CE: 5, LE: cot.Unknown},
		Detail: cot.Detail{Contact: &cot.Contact{Callsign: callsign, Endpoint: "*:-1:stcp"}, Group: &cot.Group{Name: "Cyan", Role: "Team Member"}, XML: `<uid Droid="` + callsign + `"/><x-unknown keep="me"/>`}}
}

func ping(uid string, now time.Time) []byte {
	return []byte(`<event version="2.0" uid="` + uid + `" type="t-x-c-t" time="` + cotTime(now) + `" start="` + cotTime(now) + `" stale="` + cotTime(now.Add(time.Minute)) + `" how="m-g"><point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/><detail/></event>`)
}

func uidIs(uid string) func(*cot.Event) bool {
	return func(e *cot.Event) bool { return e.UID == uid }
}

// TestTAKRoutesByReleasability connects devices of several parties to the
// real server, some in XML and some in protobuf: each receives positions
// of the parties whose releases cover it, never the others', unknown
// detail elements survive, and pings are answered.
func TestTAKRoutesByReleasability(t *testing.T) {
	s := start(t, withDemo)
	pak := s.dialTAK("pak.liaison")
	idn := s.dialTAK("idn.liaison")
	isr := s.dialTAK("isr.liaison")
	cmcc := s.dialTAK("cmcc.watch")
	idn.negotiate()
	isr.negotiate()
	now := time.Now()
	pak.send(pli("PAK-1", "Falcon 1", 31.42, 34.37, now))
	isr.send(pli("ISR-1", "Oak 1", 31.30, 34.30, now))
	// PAK's positions go to the force (ISF) and the center, never to ISR.
	e := idn.waitFor(uidIs("PAK-1"), "PAK-1 (in protobuf)")
	if !strings.Contains(e.Detail.XML, `<x-unknown keep="me"/>`) || e.Detail.Contact == nil || e.Detail.Contact.Callsign != "Falcon 1" {
		t.Fatalf("detail lost in routing: %+v", e.Detail)
	}
	cmcc.waitFor(uidIs("PAK-1"), "PAK-1")
	cmcc.waitFor(uidIs("ISR-1"), "ISR-1")
	// Proof of absence: PAK's reader routes PAK-1 before it answers the
	// ping that follows, and a marker the center sends after the pong
	// reaches ISR's device behind anything queued before it.
	pak.write(ping("pak-ping", now))
	pak.waitFor(func(e *cot.Event) bool { return e.Type == cot.TypePong }, "pong")
	cmcc.send(&cot.Event{UID: "MARK-1", Type: "b-m-p-s-m", How: "h-g-i-g-o", Time: now, Start: now, Stale: now.Add(time.Hour),
		Point: cot.Point{Lat: 31.4, Lon: 34.4, HAE: cot.Unknown, CE: cot.Unknown, LE: cot.Unknown}, ReleasableTo: "ALL"})
	isr.waitFor(uidIs("MARK-1"), "a marker the center released to ALL")
	if isr.has(uidIs("PAK-1")) {
		t.Fatal("ISR's device received PAK's position")
	}
	// The position is a track of the live picture now.
	if _, err := s.m.COP.Track(viewerOf(t, s, "cmcc.watch"), "PAK-1"); err != nil {
		t.Fatalf("PAK-1 not in the live picture: %v", err)
	}
}

// viewerOf returns the viewer of a demo account.
func viewerOf(t *testing.T, s *system, username string) concord.Viewer {
	t.Helper()
	u, _, err := s.m.Store.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return concord.ViewerOf(u)
}

// TestTAKOverlaysByReleasability checks the mission overlays a device
// receives on connecting: sectors for everyone, a contingent's own area
// only where its release policy allows, and a delete when it is removed.
func TestTAKOverlaysByReleasability(t *testing.T) {
	s := start(t, withDemo)
	pak := s.dialTAK("pak.liaison")
	isr := s.dialTAK("isr.liaison")
	pakAPI := s.login("pak.liaison")
	isSector := func(e *cot.Event) bool {
		return e.Type == "u-d-f" && e.Detail.Contact != nil && strings.HasPrefix(e.Detail.Contact.Callsign, "Sector Central")
	}
	pak.waitFor(isSector, "the Sector Central overlay")
	isr.waitFor(isSector, "the Sector Central overlay")
	// A PAK activity area, marked ALL: PAK's release policy keeps it from
	// ISR all the same.
	now := time.Now().UTC()
	area := square("PAK drill area", "PAK", []string{"ALL"}, 34.33, 31.43)
	props := area["properties"].(map[string]any)
	props["kind"], props["valid_from"], props["valid_to"] = "activity_area", now.Add(-time.Hour).Format(time.RFC3339), now.Add(6*time.Hour).Format(time.RFC3339)
	var f geoFeature
	json.Unmarshal(pakAPI.must(201, "POST", "/api/features", area), &f)
	pakArea := pak.waitFor(uidIs("concord.feature."+f.ID), "PAK's new activity area")
	if !strings.Contains(pakArea.Detail.XML, "<link point=") {
		t.Fatalf("overlay is not a shape: %s", pakArea.Detail.XML)
	}
	// Proof of absence: a site the center releases to ALL afterwards
	// reaches ISR's device behind anything queued before it.
	s.login("cmcc.watch").must(201, "POST", "/api/features", site("Liaison post", "CMCC", []string{"ALL"}, 34.30, 31.40))
	isr.waitFor(func(e *cot.Event) bool { return e.Detail.Contact != nil && e.Detail.Contact.Callsign == "Liaison post" }, "the center's new site")
	if isr.has(uidIs("concord.feature." + f.ID)) {
		t.Fatal("ISR's device received PAK's activity area")
	}
	pakAPI.must(204, "DELETE", fmt.Sprintf("/api/features/%s?version=1", f.ID), nil)
	pak.waitFor(func(e *cot.Event) bool {
		return e.Type == cot.TypeDelete && len(e.Detail.Links) > 0 && e.Detail.Links[0].UID == "concord.feature."+f.ID
	}, "the delete of the activity area")
}

// TestTAKDirectedDeliveryAndChat sends GeoChat to one callsign: only that
// device receives it; a broadcast chat reaches every entitled device.
func TestTAKDirectedDeliveryAndChat(t *testing.T) {
	s := start(t, withDemo)
	pak := s.dialTAK("pak.liaison")
	idn := s.dialTAK("idn.liaison")
	usa := s.dialTAK("usa.liaison")
	now := time.Now()
	idn.send(pli("IDN-1", "Garuda 1", 31.55, 34.50, now))
	usa.send(pli("USA-1", "Eagle 1", 31.30, 34.30, now))
	pak.waitFor(uidIs("IDN-1"), "IDN's position")
	pak.waitFor(uidIs("USA-1"), "USA's position")
	chat := func(uid, text, dest string) *cot.Event {
		x := `<__chat parent="RootContactGroup" groupOwner="false" chatroom="Garuda 1" id="IDN-1" senderCallsign="Falcon 1"><chatgrp uid0="PAK-1" uid1="IDN-1" id="IDN-1"/></__chat><link uid="PAK-1" type="a-f-G-U-C" relation="p-p"/><remarks source="BAO.F.ATAK.PAK-1" to="IDN-1" time="` + cotTime(now) + `">` + text + `</remarks>`
		if dest != "" {
			x += `<marti><dest callsign="` + dest + `"/></marti>`
		}
		return &cot.Event{UID: uid, Type: "b-t-f", How: "h-g-i-g-o", Time: now, Start: now, Stale: now.Add(24 * time.Hour),
			Point: cot.Point{Lat: 31.4, Lon: 34.3, HAE: cot.Unknown, CE: cot.Unknown, LE: cot.Unknown}, Detail: cot.Detail{XML: x}}
	}
	pak.send(chat("GeoChat.PAK-1.IDN-1.1", "convoy at checkpoint 3", "Garuda 1"))
	e := idn.waitFor(uidIs("GeoChat.PAK-1.IDN-1.1"), "the direct chat")
	if e.Detail.Chat == nil || e.Detail.Chat.Message != "convoy at checkpoint 3" {
		t.Fatalf("chat arrived as %+v", e.Detail.Chat)
	}
	pak.send(chat("GeoChat.PAK-1.All.2", "all stations: road clear", ""))
	usa.waitFor(uidIs("GeoChat.PAK-1.All.2"), "the broadcast chat")
	if usa.has(uidIs("GeoChat.PAK-1.IDN-1.1")) {
		t.Fatal("a chat directed to Garuda 1 reached USA's device")
	}
}

// TestTAKBadInput sends what a broken or hostile device might: each gets
// a logged refusal or disconnect, other devices carry on, nothing is
// stored.
func TestTAKBadInput(t *testing.T) {
	s := start(t, withDemo)
	watch := s.dialTAK("cmcc.watch")
	pak := s.dialTAK("pak.liaison")
	now := time.Now()
	// Malformed XML, an impossible position and an absurd time are refused
	// one by one; the connection carries on.
	pak.write([]byte(`<event version="2.0" uid="BROKEN" type="a-f-G" time="x"><point lat="1"`))
	pak.write([]byte(`</event>`))
	pak.send(pli("BAD-LAT", "Bad", 95, 34.3, now))
	pak.send(pli("BAD-TIME", "Bad", 31.4, 34.3, now.AddDate(0, 0, 3)))
	pak.send(pli("GOOD-1", "Good", 31.4, 34.3, now))
	watch.waitFor(uidIs("GOOD-1"), "the valid position after the bad ones")
	for _, uid := range []string{"BROKEN", "BAD-LAT", "BAD-TIME"} {
		if watch.has(uidIs(uid)) {
			t.Fatalf("%s was routed", uid)
		}
		if _, err := s.m.COP.Track(viewerOf(t, s, "cmcc.watch"), uid); err == nil {
			t.Fatalf("%s was stored as a track", uid)
		}
	}
	closes := func(c *takClient, what string) {
		t.Helper()
		select {
		case <-c.closed:
		case <-time.After(10 * time.Second):
			t.Fatalf("the server kept the connection open after %s", what)
		}
	}
	// An event over the size limit closes that connection only.
	big := s.dialTAK("idn.liaison")
	big.write([]byte(`<event version="2.0" uid="HUGE" type="a-f-G" how="m-g" time="` + cotTime(now) + `"><detail><remarks>` + strings.Repeat("x", s.m.Config.TAKMaxEventBytes+10)))
	closes(big, "an oversized event")
	// A protobuf frame announcing more than the limit, and a broken varint.
	for i, frame := range [][]byte{{0xBF, 0xFF, 0xFF, 0xFF, 0x7F}, {0xBF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}} {
		c := s.dialTAK("idn.liaison")
		c.negotiate()
		c.write(frame)
		closes(c, fmt.Sprintf("bad frame %d", i))
	}
	// No <auth>, a wrong password: refused.
	for _, first := range []string{
		`<event version="2.0" uid="ANON" type="a-f-G" how="m-g" time="` + cotTime(now) + `" start="` + cotTime(now) + `" stale="` + cotTime(now.Add(time.Minute)) + `"><point lat="31" lon="34" hae="0" ce="1" le="1"/></event>`,
		`<auth><cot username="pak.liaison" password="wrong" uid="x"/></auth>`,
	} {
		nc, err := net.Dial("tcp", s.m.TAK.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c := newTAKClient(t, nc, "intruder")
		c.write([]byte(first))
		closes(c, "an unauthenticated device spoke")
	}
	// The other devices were not disturbed.
	pak.send(pli("GOOD-2", "Good", 31.41, 34.31, now))
	watch.waitFor(uidIs("GOOD-2"), "a position after the disconnects")
}

// TestTAKOverTLS connects with a client certificate the server's CA
// issued (mapped to its account), and refuses one from another CA and one
// issued for a party the account no longer belongs to.
func TestTAKOverTLS(t *testing.T) {
	s := start(t, withDemo)
	issued, err := s.m.TAKCA.IssueClient("pak.liaison", "PAK", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := issued.TLSCertificate()
	dev, err := s.dialTAKTLS("pak.liaison", cert)
	if err != nil {
		t.Fatal(err)
	}
	watch := s.dialTAK("cmcc.watch")
	dev.send(pli("PAK-TLS", "Falcon TLS", 31.42, 34.36, time.Now()))
	watch.waitFor(uidIs("PAK-TLS"), "the TLS device's position")
	if tr, err := s.m.COP.Track(viewerOf(t, s, "cmcc.watch"), "PAK-TLS"); err != nil || tr.Marking.Owner != "PAK" {
		t.Fatalf("TLS device's track: %+v %v", tr, err)
	}
	other, err := tak.LoadOrCreateCA(t.TempDir(), "Rogue")
	if err != nil {
		t.Fatal(err)
	}
	rogue, _ := other.IssueClient("pak.liaison", "PAK", time.Hour)
	rc, _ := rogue.TLSCertificate()
	if c, err := s.dialTAKTLS("pak.liaison", rc); err == nil {
		select {
		case <-c.closed:
		case <-time.After(10 * time.Second):
			t.Fatal("a certificate from another CA was accepted")
		}
	}
	moved, _ := s.m.TAKCA.IssueClient("pak.liaison", "IDN", time.Hour)
	mc, _ := moved.TLSCertificate()
	if c, err := s.dialTAKTLS("pak.liaison", mc); err == nil {
		select {
		case <-c.closed:
		case <-time.After(10 * time.Second):
			t.Fatal("a certificate issued for another party was accepted")
		}
	}
}

// TestTAKNoLeaksRandomized connects devices of random parties that send
// events with random releases; every device receives exactly the events
// its party may see, in XML or protobuf alike.
func TestTAKNoLeaksRandomized(t *testing.T) {
	s := start(t, withDemo)
	d := s.m.Service.Access().Directory()
	rng := rand.New(rand.NewPCG(7, 7))
	users := []string{"pak.liaison", "idn.liaison", "isr.liaison", "usa.liaison", "wfp.logistics", "msf.logistics", "cmcc.watch", "aze.liaison", "echo.analyst"}
	var devs []*takClient
	for i := 0; i < 12; i++ {
		u := users[rng.IntN(len(users))]
		c := s.dialTAK(u)
		if rng.IntN(2) == 0 {
			c.negotiate()
		}
		devs = append(devs, c)
	}
	tokens := []string{"", "ALL", "ISF", "HUM", "PAK", "ISR", "USA", "WFP", "ISF HUM", "PUBLIC"}
	type sent struct {
		from    int
		marking concord.Marking
	}
	want := map[string]sent{}
	now := time.Now()
	for i := 0; i < 120; i++ {
		from := rng.IntN(len(devs))
		v := viewerOf(t, s, devs[from].name)
		if !v.CanWrite() {
			continue
		}
		rel := tokens[rng.IntN(len(tokens))]
		m := concord.Marking{Owner: v.Party, Rel: concord.ParseMarkingTokens(rel)}
		if rel == "" {
			p, _ := d.Party(v.Party)
			m.Rel = p.Groups
		}
		norm, err := d.NormalizeMarking(m)
		if err != nil {
			continue // the server refuses it too
		}
		uid := fmt.Sprintf("R-%03d", i)
		ev := &cot.Event{UID: uid, Type: "b-m-p-s-m", How: "h-g-i-g-o", Time: now, Start: now, Stale: now.Add(time.Hour),
			Point: cot.Point{Lat: 31.3 + rng.Float64()/5, Lon: 34.3 + rng.Float64()/5, HAE: cot.Unknown, CE: cot.Unknown, LE: cot.Unknown}, ReleasableTo: rel}
		devs[from].send(ev)
		want[uid] = sent{from: from, marking: norm}
	}
	// A ping answered on every device means all it sent was routed.
	for i, c := range devs {
		ev, err := cot.DecodeXML(ping(fmt.Sprintf("barrier-%d", i), now))
		if err != nil {
			t.Fatal(err)
		}
		c.send(ev)
		c.waitFor(func(e *cot.Event) bool { return e.Type == cot.TypePong }, "pong")
	}
	for i, c := range devs {
		party := viewerOf(t, s, c.name).Party
		for uid, w := range want {
			should := w.from != i && d.CanSee(party, w.marking)
			if should && !c.has(uidIs(uid)) {
				time.Sleep(2 * time.Second)
				if !c.has(uidIs(uid)) {
					t.Fatalf("%s (%s, device %d) never received %s from device %d (%s) marked %+v", c.name, party, i, uid, w.from, devs[w.from].name, w.marking)
				}
			}
		}
		c.mu.Lock()
		for _, e := range c.got {
			w, ok := want[e.UID]
			if ok && !d.CanSee(party, w.marking) {
				t.Errorf("%s (%s) received %s marked %+v", c.name, party, e.UID, w.marking)
			}
		}
		c.mu.Unlock()
	}
}

// TestTAKEnrollWritesADataPackage issues a client certificate through the
// command line and checks the data package a device would import: its
// manifest, connection preferences, and PKCS#12 files that open with the
// printed password and hold a certificate the server accepts.
func TestTAKEnrollWritesADataPackage(t *testing.T) {
	s := start(t, withDemo)
	dir := s.m.Config.DataDir
	out := filepath.Join(t.TempDir(), "pak.zip")
	// The CLI opens the same database while the server runs (WAL).
	var stdout, stderr strings.Builder
	err := run(context.Background(), func() {}, []string{"tak", "enroll", "--data-dir", dir, "--username", "pak.liaison", "--host", "tak.example.org",
		"--tak-tls-addr", "127.0.0.1:8089", "--out", out, "--password", "s3cret-pass"}, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("tak enroll: %v %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "tak.example.org:8089") || !strings.Contains(stdout.String(), s.m.TAKCA.Fingerprint()) {
		t.Fatalf("enroll said %q", stdout.String())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = b
	}
	for _, name := range []string{"MANIFEST/manifest.xml", "certs/concord.pref", "certs/truststore-concord.p12", "certs/pak.liaison.p12"} {
		if files[name] == nil {
			t.Fatalf("data package lacks %s (has %v)", name, keys(files))
		}
	}
	if !strings.Contains(string(files["certs/concord.pref"]), "tak.example.org:8089:ssl") {
		t.Fatalf("preferences: %s", files["certs/concord.pref"])
	}
	key, cert, _, err := pkcs12.DecodeChain(files["certs/pak.liaison.p12"], "s3cret-pass")
	if err != nil || cert.Subject.CommonName != "pak.liaison" {
		t.Fatalf("client p12: %v", err)
	}
	trust, err := pkcs12.DecodeTrustStore(files["certs/truststore-concord.p12"], "s3cret-pass")
	if err != nil || len(trust) != 1 || !trust[0].Equal(s.m.TAKCA.Cert) {
		t.Fatalf("trust store: %v", err)
	}
	dev, err := s.dialTAKTLS("pak.liaison", tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert})
	if err != nil {
		t.Fatal(err)
	}
	dev.waitFor(func(e *cot.Event) bool { return e.Type == cot.TypeProtocolSupport }, "the protocol offer over TLS")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestSimTAKDevices runs `concord sim tak` against the real server: its
// devices authenticate, negotiate, report and ping like real clients, and
// their positions become tracks.
func TestSimTAKDevices(t *testing.T) {
	s := start(t, withDemo)
	// Devices log in with an API token, as trackers do: four password
	// checks at once under the race detector took most of the run.
	var tok struct {
		Secret string `json:"secret"`
	}
	mustDecode(t, s.login("idn.liaison").must(201, "POST", "/api/tokens", map[string]any{"name": "sim"}), &tok)
	var stdout, stderr strings.Builder
	err := run(context.Background(), func() {}, []string{"sim", "tak", "--addr", s.m.TAK.Addr().String(), "--auth", "idn.liaison:" + tok.Secret,
		"--devices", "4", "--every", "200ms", "--duration", "3s", "--chat-every", "1s"}, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("sim tak: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sim tak: 4 devices") {
		t.Fatalf("sim tak said %q", stdout.String())
	}
	// The server takes in what a device sent after the device has gone
	// (reads, then the live picture's inbox): wait for it with a deadline.
	v := viewerOf(t, s, "cmcc.watch")
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 4; i++ {
		for {
			tr, err := s.m.COP.Track(v, fmt.Sprintf("SIMTAK-%03d", i))
			if err == nil && tr.Source == "tak" && tr.Marking.Owner == "IDN" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("device %d's track: %+v %v", i, tr, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestTAKLoginsAreRateLimited guesses a password over TAK in parallel:
// past the limit even the right password is refused for a while, and the
// API's logins count in the same budget. The limit is two a minute, so a
// token refills only after 30 s: far longer than the burst takes even on a
// loaded machine under the race detector (at ten a minute, six seconds,
// the bucket refilled while the allowed guesses were being hashed).
func TestTAKLoginsAreRateLimited(t *testing.T) {
	s := start(t, withDemo, withLoginRate(2))
	var wg sync.WaitGroup
	for i := 0; i < 15; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.Dial("tcp", s.m.TAK.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer nc.Close()
			fmt.Fprintf(nc, `<auth><cot username="ita.viewer" password="guess-%d" uid="x"/></auth>`, i)
			_, _ = io.Copy(io.Discard, nc) // until the server closes it
		}()
	}
	wg.Wait()
	nc, err := net.Dial("tcp", s.m.TAK.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := newTAKClient(t, nc, "ita.viewer")
	c.write([]byte(`<auth><cot username="ita.viewer" password="` + demo.Password + `" uid="x"/></auth>`))
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the right password was accepted right after a burst of guesses")
	}
	if c.has(func(e *cot.Event) bool { return e.Type == cot.TypeProtocolSupport }) {
		t.Fatal("the rate-limited device was served")
	}
	res, _ := s.anon().do("POST", "/api/login", map[string]string{"username": "ita.viewer", "password": demo.Password})
	if res.StatusCode != 429 {
		t.Fatalf("the API login after TAK guesses answered %d, want 429", res.StatusCode)
	}
}

// TestTAKAgainstTheBinary runs the built concord binary and connects TAK
// devices of four parties to it with the generic TAK client the load
// generator uses, XML and protobuf mixed: positions, a directed chat and
// a marker each reach exactly the devices entitled to them.
func TestTAKAgainstTheBinary(t *testing.T) {
	bin := binary(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := spawnBinary(ctx, bin, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	type dev struct {
		d   *takDevice
		mu  sync.Mutex
		got []string
	}
	dial := func(user string, proto bool) *dev {
		d, err := dialDevice(takDialOptions{Addr: srv.tak, Username: user, Secret: demo.Password, Proto: proto})
		if err != nil {
			t.Fatalf("%s: %v", user, err)
		}
		x := &dev{d: d}
		go func() {
			_ = d.read(func(b []byte) {
				var ev *cot.Event
				var err error
				if d.format == cot.FormatProto {
					ev, _, err = cot.DecodeProto(b)
				} else {
					ev, err = cot.DecodeXML(b)
				}
				if err == nil && ev != nil {
					x.mu.Lock()
					x.got = append(x.got, ev.UID)
					x.mu.Unlock()
				}
			})
		}()
		t.Cleanup(func() { d.close() })
		return x
	}
	wait := func(x *dev, uid string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			x.mu.Lock()
			ok := slices.Contains(x.got, uid)
			x.mu.Unlock()
			if ok {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("never received %s", uid)
	}
	has := func(x *dev, uid string) bool {
		x.mu.Lock()
		defer x.mu.Unlock()
		return slices.Contains(x.got, uid)
	}
	pak, idn, isr, cmcc := dial("pak.liaison", false), dial("idn.liaison", true), dial("isr.liaison", true), dial("cmcc.watch", false)
	if idn.d.format != cot.FormatProto {
		t.Fatal("the binary did not negotiate TAK protobuf")
	}
	now := time.Now()
	if err := pak.d.send(pli("BIN-PAK-1", "Falcon 9", 31.42, 34.37, now)); err != nil {
		t.Fatal(err)
	}
	if err := idn.d.send(pli("BIN-IDN-1", "Garuda 9", 31.55, 34.50, now)); err != nil {
		t.Fatal(err)
	}
	wait(idn, "BIN-PAK-1")
	wait(pak, "BIN-IDN-1")
	wait(cmcc, "BIN-PAK-1")
	chat := &cot.Event{UID: "GeoChat.BIN-IDN-1.BIN-PAK-1.1", Type: "b-t-f", How: "h-g-i-g-o", Time: now, Start: now, Stale: now.Add(time.Hour),
		Point:  cot.Point{Lat: 31.5, Lon: 34.4, HAE: cot.Unknown, CE: cot.Unknown, LE: cot.Unknown},
		Detail: cot.Detail{XML: `<__chat chatroom="Falcon 9" id="BIN-PAK-1" senderCallsign="Garuda 9"><chatgrp uid0="BIN-IDN-1" uid1="BIN-PAK-1" id="BIN-PAK-1"/></__chat><remarks>meet at the crossing</remarks><marti><dest callsign="Falcon 9"/></marti>`}}
	if err := idn.d.send(chat); err != nil {
		t.Fatal(err)
	}
	wait(pak, chat.UID)
	mark := pli("BIN-MARK", "Center marker", 31.3, 34.3, now)
	mark.Type, mark.ReleasableTo = "b-m-p-s-m", "ALL"
	if err := cmcc.d.send(mark); err != nil {
		t.Fatal(err)
	}
	wait(isr, "BIN-MARK")
	for _, uid := range []string{"BIN-PAK-1", "BIN-IDN-1", chat.UID} {
		if has(isr, uid) {
			t.Fatalf("ISR's device received %s", uid)
		}
	}
	if has(cmcc, chat.UID) {
		t.Fatal("a chat directed to Falcon 9 reached the center's device")
	}
}

// TestTAKLoginStoreFailureIsNotAWrongPassword: a login the store cannot
// answer (here its deadline has passed) is refused as unchecked, not as a
// wrong password or token, so that the device's and the server's logs say
// what happened; a right token and a wrong one still get their answers.
func TestTAKLoginStoreFailureIsNotAWrongPassword(t *testing.T) {
	s := start(t, withDemo)
	ctx := context.Background()
	u, _, err := s.m.Store.UserByName(ctx, "ita.viewer")
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := httpapi.CreateToken(ctx, s.m.Store, u.ID, "tak", 0)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.m.takLogin(ctx, "127.0.0.1:1", "ita.viewer", tok); err != nil || v.Username != "ita.viewer" {
		t.Fatalf("login with a right token = %+v, %v", v, err)
	}
	if _, err := s.m.takLogin(ctx, "127.0.0.1:1", "ita.viewer", httpapi.TokenPrefix+"wrong"); concord.ErrorCode(err) != concord.Unauthorized {
		t.Fatalf("login with a wrong token = %v, want unauthorized", err)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	for _, secret := range []string{tok, demo.Password} {
		_, err := s.m.takLogin(gone, "127.0.0.1:2", "ita.viewer", secret)
		if concord.ErrorCode(err) != concord.Unavailable || !strings.Contains(concord.ErrorMessage(err), "could not be checked") {
			t.Fatalf("login the store could not answer = %v (%s), want unavailable, \"could not be checked\"", err, concord.ErrorCode(err))
		}
	}
}
