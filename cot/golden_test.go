package cot

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/concord-mission/concord/cot/takproto"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cot/ -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got: %q\nwant: %q", name, got, want)
	}
}

// takMessage converts an event to the generated protobuf types, the
// reference the hand-written appender is checked against.
func takMessage(e *Event) *takproto.TakMessage {
	ce := &takproto.CotEvent{
		Type: e.Type, Access: e.Access, Qos: e.QoS, Opex: e.Opex, Caveat: e.Caveat, ReleaseableTo: e.ReleasableTo,
		Uid: e.UID, SendTime: toMillis(e.Time), StartTime: toMillis(e.Start), StaleTime: toMillis(e.Stale),
		How: e.How, Lat: e.Point.Lat, Lon: e.Point.Lon, Hae: e.Point.HAE, Ce: e.Point.CE, Le: e.Point.LE,
	}
	d := &takproto.Detail{XmlDetail: e.Detail.XML}
	present := e.Detail.XML != ""
	if c := e.Detail.Contact; c != nil {
		d.Contact, present = &takproto.Contact{Endpoint: c.Endpoint, Callsign: c.Callsign}, true
	}
	if g := e.Detail.Group; g != nil {
		d.Group, present = &takproto.Group{Name: g.Name, Role: g.Role}, true
	}
	if p := e.Detail.PrecisionLocation; p != nil {
		d.PrecisionLocation, present = &takproto.PrecisionLocation{Geopointsrc: p.GeoPointSrc, Altsrc: p.AltSrc}, true
	}
	if s := e.Detail.Status; s != nil {
		d.Status, present = &takproto.Status{Battery: s.Battery}, true
	}
	if v := e.Detail.Takv; v != nil {
		d.Takv, present = &takproto.Takv{Device: v.Device, Platform: v.Platform, Os: v.OS, Version: v.Version}, true
	}
	if tr := e.Detail.Track; tr != nil {
		d.Track, present = &takproto.Track{Speed: tr.Speed, Course: tr.Course}, true
	}
	if present {
		ce.Detail = d
	}
	return &takproto.TakMessage{CotEvent: ce}
}

// checkCodecs checks every conversion of e: the XML and the protobuf frame
// against their golden files, the appender against protobuf-go, and
// XML → Event → proto → Event → XML giving the same XML again.
func checkCodecs(t *testing.T, name string, e *Event) {
	t.Helper()
	x := AppendXML(nil, e)
	golden(t, name+".xml", x)
	frame := AppendProto(nil, e)
	golden(t, name+".bin", frame)

	payload := AppendProtoPayload(nil, e)
	ref, err := proto.MarshalOptions{Deterministic: true}.Marshal(takMessage(e))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(payload, ref) {
		t.Errorf("AppendProtoPayload differs from protobuf-go:\n got: %x\nwant: %x", payload, ref)
	}
	r := NewStreamReader(bytes.NewReader(frame), 1<<20)
	r.SetFormat(FormatProto)
	got, _, err := r.Next()
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("frame does not split into its payload: %v", err)
	}

	back, err := DecodeXML(x)
	if err != nil {
		t.Fatalf("DecodeXML of our own output: %v\n%s", err, x)
	}
	fromProto, ctl, err := DecodeProto(payload)
	if err != nil || ctl != nil {
		t.Fatalf("DecodeProto of our own output: %v, %v", ctl, err)
	}
	if x2 := AppendXML(nil, fromProto); !bytes.Equal(x2, x) {
		t.Errorf("XML → proto → XML changed the event:\n got: %s\nwant: %s", x2, x)
	}
	if x3 := AppendXML(nil, back); !bytes.Equal(x3, x) {
		t.Errorf("XML → XML changed the event:\n got: %s\nwant: %s", x3, x)
	}
	if !sameViews(back, fromProto) {
		t.Errorf("the routing views differ after XML and after protobuf:\n%+v\n%+v", back.Detail, fromProto.Detail)
	}
}

func sameViews(a, b *Event) bool {
	var x, y []byte
	for _, e := range []*Event{a, b} {
		d := e.Detail
		s := []byte(strings.Join([]string{
			str(d.Dests), str(d.Chat), str(d.Emergency), str(d.Links), d.Remarks, str(d.Control),
		}, "|"))
		if e == a {
			x = s
		} else {
			y = s
		}
	}
	return bytes.Equal(x, y)
}

func TestGoldenEvents(t *testing.T) {
	files, err := filepath.Glob("testdata/events/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatal("no events under testdata/events", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			e, err := DecodeXML(in)
			if err != nil {
				t.Fatal(err)
			}
			checkCodecs(t, name, e)
		})
	}
}

var goldenNow = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

func TestGoldenBuilders(t *testing.T) {
	now, stale := goldenNow, goldenNow.Add(24*time.Hour)
	ring := [][2]float64{{34.39, 31.44}, {34.39, 31.46}, {34.41, 31.46}, {34.41, 31.44}}
	line := [][2]float64{{34.30, 31.30}, {34.35, 31.35}, {34.40, 31.38}}
	for name, e := range map[string]*Event{
		"builder-takp-v":   ProtocolSupport("protouid-3f2a", now),
		"builder-takp-r":   ProtocolResponse("protouid-3f2a", true, now),
		"builder-takp-r-f": ProtocolResponse("protouid-3f2a", false, now),
		"builder-pong":     Pong(now),
		"builder-delete":   Delete("ANDROID-589520ccfcd20f01", "a-f-G-U-C", now),
		"builder-polygon":  Polygon("concord.area.17", "Restricted area <R-17> & co", ring, 0xFFFF0000, 0x55FF0000, "No entry\n24/7", now, stale),
		"builder-polyline": Polyline("concord.line.3", "PL AMBER", line, 0xFFFFFF00, "", now, stale),
		"builder-route":    Route("concord.route.9", "MSR TAMPA", line, "convoy 12", now, stale),
		"builder-marker":   Marker("concord.site.4", "Clinic Al-Amal", "a-n-G-I-X-H", 31.52, 34.45, "notified site", now, stale),
	} {
		t.Run(name, func(t *testing.T) { checkCodecs(t, name, e) })
	}
}

func str(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
