package cot

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/concord-mission/concord/cot/takproto"
)

func marshal(t *testing.T, m *takproto.TakMessage) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeProto(t *testing.T) {
	m := &takproto.TakMessage{
		SubmissionTime: 1741942013412, // TAK Server fields are ignored
		CotEvent: &takproto.CotEvent{
			Type: "a-f-G-U-C", Uid: "ANDROID-1", How: "m-g", Access: "Undefined", Qos: "1-r-c", Opex: "e-EX",
			Caveat: "FOUO", ReleaseableTo: "NOR ISL",
			SendTime: 1741942013412, StartTime: 1741942013412, StaleTime: 1741942388412,
			Lat: 31.5, Lon: 34.5, Hae: 999999, Ce: 999999, Le: 12,
			Detail: &takproto.Detail{
				Contact:   &takproto.Contact{Callsign: "ALPHA", Endpoint: "*:-1:stcp"},
				Track:     &takproto.Track{Speed: 1.5, Course: 90},
				Status:    &takproto.Status{Battery: 50},
				XmlDetail: ` <uid Droid="ALPHA"/> <marti><dest uid="ANDROID-2"/><dest mission="m1"/></marti> `,
			},
		},
	}
	e, ctl, err := DecodeProto(marshal(t, m))
	if err != nil || ctl != nil {
		t.Fatal(ctl, err)
	}
	if e.UID != "ANDROID-1" || e.Access != "Undefined" || e.QoS != "1-r-c" || e.Opex != "e-EX" || e.Caveat != "FOUO" || e.ReleasableTo != "NOR ISL" {
		t.Errorf("attributes %+v", e)
	}
	if e.Time.UnixMilli() != 1741942013412 || e.Stale.UnixMilli() != 1741942388412 || e.Time.Location().String() != "UTC" {
		t.Errorf("times %v %v", e.Time, e.Stale)
	}
	if e.Point != (Point{Lat: 31.5, Lon: 34.5, HAE: Unknown, CE: Unknown, LE: 12}) {
		t.Errorf("point %+v", e.Point)
	}
	d := e.Detail
	if *d.Contact != (Contact{Callsign: "ALPHA", Endpoint: "*:-1:stcp"}) || *d.Track != (Track{Speed: 1.5, Course: 90}) || d.Status.Battery != 50 {
		t.Errorf("typed %+v %+v %+v", d.Contact, d.Track, d.Status)
	}
	if d.XML != `<uid Droid="ALPHA"/><marti><dest uid="ANDROID-2"/><dest mission="m1"/></marti>` {
		t.Errorf("XML %q", d.XML)
	}
	if len(d.Dests) != 2 || d.Dests[0] != (Dest{UID: "ANDROID-2"}) || d.Dests[1] != (Dest{Mission: "m1"}) {
		t.Errorf("dests %+v", d.Dests)
	}
	x := string(AppendXML(nil, e))
	if !strings.Contains(x, ` caveat="FOUO" releasableTo="NOR ISL"`) || !strings.Contains(x, `hae="9999999.0" ce="9999999.0" le="12.0"`) {
		t.Errorf("XML of a protobuf event: %s", x)
	}
}

// TestXMLDetailWins checks the rule of detail.proto: when an element is both
// a typed field and in xmlDetail, xmlDetail is what counts.
func TestXMLDetailWins(t *testing.T) {
	m := &takproto.TakMessage{CotEvent: &takproto.CotEvent{
		Type: "a-f-G", Uid: "u", How: "m-g",
		Detail: &takproto.Detail{
			Contact:   &takproto.Contact{Callsign: "TYPED"},
			Group:     &takproto.Group{Name: "Cyan", Role: "HQ"},
			Takv:      &takproto.Takv{Device: "typed"},
			XmlDetail: `<contact callsign="XML" phone="1"/><takv device="xml" platform="p" os="o" version="v"/>`,
		},
	}}
	e, _, err := DecodeProto(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	d := e.Detail
	if d.Contact != nil {
		t.Errorf("typed contact kept: %+v", d.Contact)
	}
	if d.Takv == nil || d.Takv.Device != "xml" {
		t.Errorf("takv %+v: the xmlDetail element should win and map cleanly", d.Takv)
	}
	if d.Group == nil || d.Group.Name != "Cyan" {
		t.Errorf("group %+v", d.Group)
	}
	if d.XML != `<contact callsign="XML" phone="1"/>` {
		t.Errorf("XML %q", d.XML)
	}
}

func TestDecodeProtoControl(t *testing.T) {
	e, ctl, err := DecodeProto(marshal(t, &takproto.TakMessage{TakControl: &takproto.TakControl{MinProtoVersion: 1, MaxProtoVersion: 1}}))
	if err != nil || e != nil || ctl == nil || ctl.MaxProtoVersion != 1 {
		t.Errorf("control only: %v %v %v", e, ctl, err)
	}
	e, ctl, err = DecodeProto(nil)
	if err != nil || e != nil || ctl != nil {
		t.Errorf("empty payload: %v %v %v", e, ctl, err)
	}
}

func TestDecodeProtoErrors(t *testing.T) {
	good := marshal(t, &takproto.TakMessage{CotEvent: &takproto.CotEvent{Type: "a-f-G", Uid: "u", How: "m-g", Detail: &takproto.Detail{XmlDetail: "<a/>"}}})
	bad := func(m *takproto.TakMessage) []byte {
		b, err := proto.MarshalOptions{}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	invalidUTF8 := append([]byte{0x12, 0x05, 0x2a, 0x03}, 'a', 0xff, 'b') // cotEvent{uid: "a\xffb"}
	for name, tc := range map[string]struct {
		payload []byte
		want    string
	}{
		"truncated":        {good[:len(good)-2], "bad TAK protobuf message"},
		"garbage":          {[]byte{0xff, 0xff, 0xff}, "bad TAK protobuf message"},
		"invalid utf-8":    {invalidUTF8, "bad TAK protobuf message"},
		"time past 9999":   {bad(&takproto.TakMessage{CotEvent: &takproto.CotEvent{SendTime: maxMillis + 1}}), "sendTime 253402300800000 is after the year 9999"},
		"stale past 9999":  {bad(&takproto.TakMessage{CotEvent: &takproto.CotEvent{StaleTime: 1 << 63}}), "staleTime"},
		"bad xmlDetail":    {bad(&takproto.TakMessage{CotEvent: &takproto.CotEvent{Detail: &takproto.Detail{XmlDetail: "<a><b></a>"}}}), "xmlDetail: cot: malformed xml"},
		"xmlDetail end":    {bad(&takproto.TakMessage{CotEvent: &takproto.CotEvent{Detail: &takproto.Detail{XmlDetail: "<a/></detail>"}}}), "unexpected end tag </detail>"},
		"xmlDetail entity": {bad(&takproto.TakMessage{CotEvent: &takproto.CotEvent{Detail: &takproto.Detail{XmlDetail: "<a>&x;</a>"}}}), "invalid entity"},
		"xmlDetail event":  {bad(&takproto.TakMessage{CotEvent: &takproto.CotEvent{Detail: &takproto.Detail{XmlDetail: "<a><![CDATA[</event><event uid='forged'>]]></a>"}}}), "</event inside the event"},
		"xmlDetail ctrl":   {bad(&takproto.TakMessage{CotEvent: &takproto.CotEvent{Detail: &takproto.Detail{XmlDetail: "<a>\x00</a>"}}}), "invalid character"},
	} {
		t.Run(name, func(t *testing.T) {
			e, _, err := DecodeProto(tc.payload)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, %v; want an error saying %q", e, err, tc.want)
			}
		})
	}
}
