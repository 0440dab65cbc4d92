package cot

import (
	"encoding/xml"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDecode(t *testing.T, doc string) *Event {
	t.Helper()
	e, err := DecodeXML([]byte(doc))
	if err != nil {
		t.Fatalf("DecodeXML: %v\n%s", err, doc)
	}
	return e
}

func TestDecodePLI(t *testing.T) {
	e := mustDecode(t, string(mustRead(t, "testdata/events/pli.xml")))
	if e.UID != "ANDROID-589520ccfcd20f01" || e.Type != "a-f-G-U-C" || e.How != "h-e" {
		t.Errorf("uid/type/how: %q %q %q", e.UID, e.Type, e.How)
	}
	if want := time.Date(2025, 3, 14, 9, 26, 53, 412e6, time.UTC); !e.Time.Equal(want) || !e.Start.Equal(want) {
		t.Errorf("time %v start %v", e.Time, e.Start)
	}
	if want := time.Date(2025, 3, 14, 9, 33, 8, 412e6, time.UTC); !e.Stale.Equal(want) {
		t.Errorf("stale %v", e.Stale)
	}
	if e.Point != (Point{Lat: 31.5018462, Lon: 34.4668212, HAE: 21.773, CE: Unknown, LE: Unknown}) {
		t.Errorf("point %+v", e.Point)
	}
	d := e.Detail
	if d.Contact == nil || *d.Contact != (Contact{Callsign: "NOR-ALPHA-1", Endpoint: "*:-1:stcp"}) {
		t.Errorf("contact %+v", d.Contact)
	}
	if d.Group == nil || *d.Group != (Group{Name: "Cyan", Role: "Team Member"}) {
		t.Errorf("group %+v", d.Group)
	}
	if d.PrecisionLocation == nil || *d.PrecisionLocation != (PrecisionLocation{GeoPointSrc: "GPS", AltSrc: "GPS"}) {
		t.Errorf("precisionlocation %+v", d.PrecisionLocation)
	}
	if d.Status == nil || d.Status.Battery != 87 {
		t.Errorf("status %+v", d.Status)
	}
	if d.Takv == nil || *d.Takv != (Takv{Device: "SAMSUNG SM-G991B", Platform: "ATAK-CIV", OS: "34", Version: "4.10.0.7 (1b7a2f04).1718285734-CIV"}) {
		t.Errorf("takv %+v", d.Takv)
	}
	if d.Track == nil || *d.Track != (Track{Speed: 3.27, Course: 275.61}) {
		t.Errorf("track %+v", d.Track)
	}
	// Unknown elements stay verbatim (quotes and all) and in order.
	if want := `<uid Droid='NOR-ALPHA-1'/><_flow-tags_ TAK-Server-e87a0e02420b44a08f6032bcf1877745='2025-03-14T09:26:53Z'/>`; d.XML != want {
		t.Errorf("XML\n got %s\nwant %s", d.XML, want)
	}
	if d.Dests != nil || d.Chat != nil || d.Emergency != nil || d.Links != nil || d.Control != nil || d.Remarks != "" {
		t.Errorf("views filled for a PLI: %+v", d)
	}
}

func TestDecodeGeoChat(t *testing.T) {
	e := mustDecode(t, string(mustRead(t, "testdata/events/geochat.xml")))
	d := e.Detail
	if d.Chat == nil {
		t.Fatal("no chat")
	}
	want := Chat{
		ID: "ANDROID-7a31bc0e99a2d5c4", Chatroom: "BRAVO-2", SenderCallsign: "NOR-ALPHA-1",
		MessageID: "9c1e0f52-3f6a-4b8e-a1d2-5b0c7e8f9a10", Parent: "RootContactGroup", GroupOwner: "false",
		Members: []string{"ANDROID-589520ccfcd20f01", "ANDROID-7a31bc0e99a2d5c4"},
		Message: "Checkpoint 4 is closed & traffic is diverted <north>",
	}
	if str(d.Chat) != str(want) {
		t.Errorf("chat\n got %+v\nwant %+v", *d.Chat, want)
	}
	if d.Remarks != want.Message {
		t.Errorf("remarks %q", d.Remarks)
	}
	if len(d.Dests) != 1 || d.Dests[0] != (Dest{Callsign: "BRAVO-2"}) {
		t.Errorf("dests %+v", d.Dests)
	}
	if len(d.Links) != 1 || d.Links[0] != (Link{UID: "ANDROID-589520ccfcd20f01", Type: "a-f-G-U-C", Relation: "p-p"}) {
		t.Errorf("links %+v", d.Links)
	}
	if d.Contact != nil || !strings.HasPrefix(d.XML, "<__chat ") || !strings.HasSuffix(d.XML, "</marti>") {
		t.Errorf("XML %s", d.XML)
	}
}

func TestDecodeEmergency(t *testing.T) {
	e := mustDecode(t, string(mustRead(t, "testdata/events/emergency.xml")))
	if e.QoS != "9-r-g" {
		t.Errorf("qos %q", e.QoS)
	}
	if em := e.Detail.Emergency; em == nil || *em != (Emergency{Type: "911 Alert", Text: "NOR-ALPHA-1"}) {
		t.Errorf("emergency %+v", em)
	}
	cancel := mustDecode(t, `<event uid="x-9-1-1" type="b-a-o-can" how="h-e" time="2025-03-14T09:30:00Z" start="2025-03-14T09:30:00Z" stale="2025-03-14T09:30:10Z"><point lat="1" lon="2"/><detail><emergency cancel="true">NOR-ALPHA-1</emergency></detail></event>`)
	if em := cancel.Detail.Emergency; em == nil || !em.Cancel || em.Type != "" {
		t.Errorf("cancel %+v", em)
	}
}

func TestDecodeNegotiation(t *testing.T) {
	q := mustDecode(t, string(mustRead(t, "testdata/events/takp-q.xml")))
	if q.UID != "protouid-3f2a" {
		t.Errorf("UID attribute: %q", q.UID)
	}
	if v, ok := RequestedVersion(q); !ok || v != 1 {
		t.Errorf("RequestedVersion = %d, %v", v, ok)
	}
	if q.Point.CE != Unknown || q.Point.LE != Unknown || q.Point.HAE != 0 {
		t.Errorf("999999 is not read as unknown: %+v", q.Point)
	}
	v := ProtocolSupport("p", goldenNow)
	if c := v.Detail.Control; c == nil || len(c.Support) != 1 || c.Support[0] != 1 || c.Request != 0 || c.Response != nil {
		t.Errorf("support control %+v", c)
	}
	if _, ok := RequestedVersion(v); ok {
		t.Error("RequestedVersion of a t-x-takp-v")
	}
	for _, ok := range []bool{true, false} {
		r := mustDecode(t, string(AppendXML(nil, ProtocolResponse("p", ok, goldenNow))))
		if c := r.Detail.Control; c == nil || c.Response == nil || *c.Response != ok {
			t.Errorf("response %v: %+v", ok, c)
		}
	}
	multi := mustDecode(t, `<event uid="p" type="t-x-takp-v" how="m-g" time="2025-03-14T09:00:00Z" start="2025-03-14T09:00:00Z" stale="2025-03-14T09:01:00Z"><point lat="0" lon="0"/><detail><TakControl><TakProtocolSupport version="1"/><TakProtocolSupport version="2"/></TakControl></detail></event>`)
	if c := multi.Detail.Control; c == nil || len(c.Support) != 2 || c.Support[1] != 2 {
		t.Errorf("two versions: %+v", c)
	}
}

func TestPingPongDelete(t *testing.T) {
	ping := mustDecode(t, string(mustRead(t, "testdata/events/ping.xml")))
	if !IsPing(ping) {
		t.Error("ping is not a ping")
	}
	pong := Pong(goldenNow)
	if IsPing(pong) || pong.UID != "takPong" || pong.Type != "t-x-c-t-r" || pong.How != "h-g-i-g-o" {
		t.Errorf("pong %+v", pong)
	}
	if err := pong.Validate(goldenNow, time.Minute); err != nil {
		t.Errorf("pong does not validate: %v", err)
	}
	del := Delete("ANDROID-1", "a-f-G-U-C", goldenNow)
	if len(del.Detail.Links) != 1 || del.Detail.Links[0] != (Link{UID: "ANDROID-1", Type: "a-f-G-U-C", Relation: "p-p"}) {
		t.Errorf("delete links %+v", del.Detail.Links)
	}
	if del.UID == "ANDROID-1" || del.Type != "t-x-d-d" {
		t.Errorf("delete %q %q", del.UID, del.Type)
	}
}

func TestDecodeLenient(t *testing.T) {
	const body = `<point lat="31.5" lon="34.5" hae="10" ce="5" le="9.999999e+06"/><detail><contact callsign="A"/></detail>`
	const attrs = `uid="u1" type="a-f-G" how="m-g" time="2025-03-14T09:00:00Z" start="2025-03-14T09:00:00Z" stale="2025-03-14T09:05:00Z"`
	for name, doc := range map[string]string{
		"no declaration":       `<event version="2.0" ` + attrs + `>` + body + `</event>`,
		"declaration":          `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<event ` + attrs + `>` + body + `</event>`,
		"byte order mark":      "\uFEFF" + `<?xml version="1.0"?><event ` + attrs + `>` + body + `</event>`,
		"whitespace around":    "\r\n\t <event " + attrs + ">\n  " + body + "\n</event>\n\n",
		"single quotes":        strings.ReplaceAll(`<event `+attrs+`>`+body+`</event>`, `"`, `'`),
		"attribute order":      `<event stale="2025-03-14T09:05:00Z" start="2025-03-14T09:00:00Z" time="2025-03-14T09:00:00Z" how="m-g" type="a-f-G" uid="u1"><point le="9999999" ce="5" hae="10" lon="34.5" lat="31.5"/><detail><contact callsign="A"/></detail></event>`,
		"detail before point":  `<event ` + attrs + `><detail><contact callsign="A"/></detail><point lat="31.5" lon="34.5" hae="10" ce="5" le="999999"/></event>`,
		"explicit close tags":  `<event ` + attrs + `><point lat="31.5" lon="34.5" hae="10" ce="5" le="9999999.0"></point><detail><contact callsign="A"></contact></detail></event>`,
		"comments":             `<!-- hello --><event ` + attrs + `><!-- x -->` + body + `</event><!-- bye -->`,
		"spaces in tags":       `<event ` + attrs + ` ><point lat = "31.5" lon="34.5" hae="10" ce="5" le="9999999" /><detail ><contact callsign="A" /></detail ></event >`,
		"numbers with spaces":  `<event ` + attrs + `><point lat=" 31.5" lon="34.5 " hae="10" ce="5" le="9999999"/><detail><contact callsign="A"/></detail></event>`,
		"unknown event child":  `<event ` + attrs + `><foo><bar/></foo>` + body + `</event>`,
		"time with offset":     strings.Replace(`<event `+attrs+`>`+body+`</event>`, `time="2025-03-14T09:00:00Z"`, `time="2025-03-14T11:00:00+02:00"`, 1),
		"time with nanosecond": strings.Replace(`<event `+attrs+`>`+body+`</event>`, `time="2025-03-14T09:00:00Z"`, `time="2025-03-14T09:00:00.000000000Z"`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			e := mustDecode(t, doc)
			if e.UID != "u1" || e.Type != "a-f-G" || e.How != "m-g" {
				t.Errorf("attributes: %+v", e)
			}
			if !e.Time.Equal(goldenNow) || !e.Start.Equal(goldenNow) || !e.Stale.Equal(goldenNow.Add(5*time.Minute)) {
				t.Errorf("times %v %v %v", e.Time, e.Start, e.Stale)
			}
			if e.Point != (Point{Lat: 31.5, Lon: 34.5, HAE: 10, CE: 5, LE: Unknown}) {
				t.Errorf("point %+v", e.Point)
			}
			if e.Detail.Contact == nil || e.Detail.Contact.Callsign != "A" || e.Detail.XML != "" {
				t.Errorf("detail %+v", e.Detail)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	const attrs = `uid="u1" type="a-f-G" how="m-g" time="2025-03-14T09:00:00Z" start="2025-03-14T09:00:00Z" stale="2025-03-14T09:05:00Z"`
	const pt = `<point lat="1" lon="2"/>`
	deep := strings.Repeat("<a>", 70) + strings.Repeat("</a>", 70)
	for name, tc := range map[string]struct{ doc, want string }{
		"empty":                {"", "no <event>"},
		"only whitespace":      {"  \n ", "no <event>"},
		"not xml":              {"hello", "text before the root element"},
		"wrong root":           {`<auth><cot username="a"/></auth>`, "root element is <auth>"},
		"no point":             {`<event ` + attrs + `><detail/></event>`, "no <point>"},
		"self-closing event":   {`<event ` + attrs + `/>`, "no <point>"},
		"two points":           {`<event ` + attrs + `>` + pt + pt + `</event>`, "more than one <point>"},
		"point without lat":    {`<event ` + attrs + `><point lon="2"/></event>`, "needs lat and lon"},
		"lat not a number":     {`<event ` + attrs + `><point lat="north" lon="2"/></event>`, `lat="north" is not a number`},
		"bad time":             {strings.Replace(`<event `+attrs+`>`+pt+`</event>`, "2025-03-14T09:00:00Z", "yesterday", 1), `time="yesterday"`},
		"feb 30":               {strings.Replace(`<event `+attrs+`>`+pt+`</event>`, "2025-03-14T09:00:00Z", "2025-02-30T09:00:00Z", 1), "not an ISO 8601 time"},
		"unclosed":             {`<event ` + attrs + `>` + pt, "unexpected end"},
		"mismatched end tag":   {`<event ` + attrs + `>` + pt + `<detail><a></b></detail></event>`, "</b> does not match <a>"},
		"duplicate attribute":  {`<event uid="a" uid="b">` + pt + `</event>`, "attribute uid repeated"},
		"unquoted attribute":   {`<event uid=a>` + pt + `</event>`, "not quoted"},
		"attribute no value":   {`<event uid>` + pt + `</event>`, "has no value"},
		"no space before attr": {`<event uid="a"type="b">` + pt + `</event>`, "expected space"},
		"lt in attribute":      {`<event uid="a<b">` + pt + `</event>`, "'<' in value"},
		"undefined entity":     {`<event ` + attrs + `>` + pt + `<detail><remarks>&nbsp;</remarks></detail></event>`, "invalid entity reference &nbsp;"},
		"bad char reference":   {`<event ` + attrs + `>` + pt + `<detail><remarks>&#0;</remarks></detail></event>`, "invalid entity reference"},
		"bare ampersand":       {`<event uid="a & b">` + pt + `</event>`, "unterminated entity"},
		"doctype":              {`<!DOCTYPE event [<!ENTITY x "y">]><event ` + attrs + `>` + pt + `</event>`, "document type declarations are not allowed"},
		"trailing content":     {`<event ` + attrs + `>` + pt + `</event><event/>`, "content after </event>"},
		"trailing text":        {`<event ` + attrs + `>` + pt + `</event>junk`, "content after </event>"},
		"control character":    {`<event uid="a` + "\x01" + `">` + pt + `</event>`, "invalid character"},
		"invalid utf-8":        {`<event uid="a` + "\xff" + `">` + pt + `</event>`, "invalid character"},
		"too deep":             {`<event ` + attrs + `>` + pt + `<detail>` + deep + `</detail></event>`, "nested deeper than 64"},
		"comment with --":      {`<event ` + attrs + `><!-- a -- b -->` + pt + `</event>`, "-- inside a comment"},
		"late xml declaration": {`<event ` + attrs + `><?xml version="1.0"?>` + pt + `</event>`, "XML declaration not at the start"},
		"end tag in cdata":     {`<event ` + attrs + `>` + pt + `<detail><remarks><![CDATA[</event><event uid="forged">]]></remarks></detail></event>`, "</event inside the event"},
		"end tag in comment":   {`<event ` + attrs + `>` + pt + `<detail><!-- </event> --></detail></event>`, "</event inside the event"},
		"nested event":         {`<event ` + attrs + `>` + pt + `<detail><event></event ></detail></event>`, "</event inside the event"},
		"two colons in a name": {`<event a:b:c="1">` + pt + `</event>`, "more than one colon"},
		"bad name":             {`<event ` + attrs + `>` + pt + `<detail><1a/></detail></event>`, "invalid name character"},
	} {
		t.Run(name, func(t *testing.T) {
			e, err := DecodeXML([]byte(tc.doc))
			if err == nil {
				t.Fatalf("no error; decoded %+v", e)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
	_, err := DecodeXML([]byte(`<event uid="a"`))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != len(`<event uid="a"`) {
		t.Errorf("syntax error offset: %v", err)
	}
}

// TestTypedDetail checks which elements become typed fields and which stay
// verbatim in XML.
func TestTypedDetail(t *testing.T) {
	const head = `<event uid="u" type="a-f-G" how="m-g" time="2025-03-14T09:00:00Z" start="2025-03-14T09:00:00Z" stale="2025-03-14T09:05:00Z"><point lat="1" lon="2"/><detail>`
	for name, tc := range map[string]struct {
		detail string
		typed  string // which typed fields are set, in kind order
		xml    string
	}{
		"all clean":                {`<contact callsign="A"/><__group name="Red" role="HQ"/><precisionlocation geopointsrc="USER" altsrc="DTED0"/><status battery="5"/><takv device="d" platform="p" os="o" version="v"/><track speed="0" course="0"/>`, "CGPSVT", ""},
		"contact with phone":       {`<contact callsign="A" phone="1"/>`, "", `<contact callsign="A" phone="1"/>`},
		"contact without callsign": {`<contact endpoint="*:-1:stcp"/>`, "", `<contact endpoint="*:-1:stcp"/>`},
		"two contacts":             {`<contact callsign="A"/><contact callsign="B"/>`, "", `<contact callsign="A"/><contact callsign="B"/>`},
		"contact with content":     {`<contact callsign="A">x</contact>`, "", `<contact callsign="A">x</contact>`},
		"contact with child":       {`<contact callsign="A"><b/></contact>`, "", `<contact callsign="A"><b/></contact>`},
		"contact with comment":     {`<contact callsign="A"><!--c--></contact>`, "", `<contact callsign="A"><!--c--></contact>`},
		"contact with whitespace":  {`<contact callsign="A">  </contact>`, "C", ""},
		"group without role":       {`<__group name="Red"/>`, "", `<__group name="Red"/>`},
		"status readiness":         {`<status readiness="true"/>`, "", `<status readiness="true"/>`},
		"status negative":          {`<status battery="-1"/>`, "", `<status battery="-1"/>`},
		"status too big":           {`<status battery="4294967296"/>`, "", `<status battery="4294967296"/>`},
		"takv partial":             {`<takv platform="WinTAK-CIV" version="5.0"/>`, "", `<takv platform="WinTAK-CIV" version="5.0"/>`},
		"track not a number":       {`<track speed="fast" course="1"/>`, "", `<track speed="fast" course="1"/>`},
		"track infinite":           {`<track speed="1e999" course="1"/>`, "", `<track speed="1e999" course="1"/>`},
		"track nan":                {`<track speed="NaN" course="1"/>`, "", `<track speed="NaN" course="1"/>`},
		"precision one attr":       {`<precisionlocation altsrc="GPS"/>`, "", `<precisionlocation altsrc="GPS"/>`},
		"unknown kept in order":    {`<b/><contact callsign="A"/><a x="1"><c>t</c></a>`, "C", `<b/><a x="1"><c>t</c></a>`},
		"text between dropped":     {`hello<b/> world <a/>`, "", `<b/><a/>`},
		"escaped values":           {`<contact callsign="A &amp; B &#x41;"/>`, "C", ""},
		"namespaced element":       {`<x:foo xmlns:x="urn:x" x:a="1"/>`, "", `<x:foo xmlns:x="urn:x" x:a="1"/>`},
		"cdata":                    {`<remarks><![CDATA[<b>]]></remarks>`, "", `<remarks><![CDATA[<b>]]></remarks>`},
	} {
		t.Run(name, func(t *testing.T) {
			e := mustDecode(t, head+tc.detail+`</detail></event>`)
			d := e.Detail
			typed := ""
			for i, set := range []bool{d.Contact != nil, d.Group != nil, d.PrecisionLocation != nil, d.Status != nil, d.Takv != nil, d.Track != nil} {
				if set {
					typed += string("CGPSVT"[i])
				}
			}
			if typed != tc.typed || d.XML != tc.xml {
				t.Errorf("typed %q xml %q, want %q %q", typed, d.XML, tc.typed, tc.xml)
			}
			// Whatever was lifted or kept, the XML round trip is stable.
			again := mustDecode(t, string(AppendXML(nil, e)))
			if str(again.Detail) != str(d) {
				t.Errorf("round trip changed the detail:\n%s\n%s", str(again.Detail), str(d))
			}
		})
	}
	e := mustDecode(t, head+`<contact callsign="A &amp; B &#x41;"/><remarks><![CDATA[<b>]]> &amp; c</remarks></detail></event>`)
	if e.Detail.Contact.Callsign != "A & B A" || e.Detail.Remarks != "<b> & c" {
		t.Errorf("unescaping: %q %q", e.Detail.Contact.Callsign, e.Detail.Remarks)
	}
}

func TestAppendXMLEscaping(t *testing.T) {
	e := &Event{
		UID: `a"b<c>&d'e` + "\t\n\r" + "\x01\xff\uFFFE✓", Type: "a-f-G", How: "m-g",
		Time: goldenNow, Start: goldenNow, Stale: goldenNow,
		Point:  Point{Lat: -0.000001, Lon: 1e-300, HAE: math.Inf(1), CE: 1e21, LE: 123456789012345678},
		Detail: Detail{Contact: &Contact{Callsign: "<x>"}, Track: &Track{Speed: 0.1, Course: -0}},
	}
	x := AppendXML(nil, e)
	want := `uid="a&quot;b&lt;c&gt;&amp;d'e&#x9;&#xA;&#xD;` + "\uFFFD\uFFFD\uFFFD✓" + `"`
	if !strings.Contains(string(x), want) {
		t.Errorf("escaping:\n%s\nwant %s", x, want)
	}
	// encoding/xml agrees that the output is well-formed and reads the same uid.
	var doc struct {
		UID string `xml:"uid,attr"`
	}
	if err := xml.Unmarshal(x, &doc); err != nil {
		t.Fatalf("encoding/xml: %v\n%s", err, x)
	}
	back := mustDecode(t, string(x))
	if back.UID != doc.UID || back.UID != "a\"b<c>&d'e\t\n\r\uFFFD\uFFFD\uFFFD✓" {
		t.Errorf("uid read back %q, encoding/xml %q", back.UID, doc.UID)
	}
	if back.Point.Lat != e.Point.Lat || back.Point.Lon != e.Point.Lon || !math.IsInf(back.Point.HAE, 1) ||
		back.Point.CE != e.Point.CE || back.Point.LE != e.Point.LE {
		t.Errorf("numbers read back %+v from %s", back.Point, x)
	}
	if !strings.HasPrefix(string(x), XMLHeader+`<event version="2.0" uid=`) || !strings.HasSuffix(string(x), "</event>") {
		t.Errorf("framing of the document: %s", x)
	}
}

func TestTimes(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2025-03-14T09:00:00Z":              goldenNow,
		"2025-03-14T09:00:00.5Z":            goldenNow.Add(500 * time.Millisecond),
		"2025-03-14T09:00:00.123456789123Z": goldenNow.Add(123456789),
		"2024-02-29T00:00:00.000Z":          time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"2025-03-14T10:00:00+01:00":         goldenNow,
		"2025-03-14T09:00:00.25-00:30":      goldenNow.Add(30*time.Minute + 250*time.Millisecond),
		"0001-01-01T00:00:00.000Z":          {},
		"9999-12-31T23:59:59.999Z":          time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC),
	} {
		got, err := parseTime(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2025-03-14", "2025-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2025-03-14T24:00:00Z", "2025-03-14T09:00:00.Z", "2025-03-14T09:00:00.1xZ", "20250314T090000Z"} {
		if got, err := parseTime(in); err == nil {
			t.Errorf("parseTime(%q) = %v, want an error", in, got)
		}
	}
	if got := string(appendTime(nil, goldenNow.Add(1234567890))); got != "2025-03-14T09:00:01.234Z" {
		t.Errorf("appendTime truncates to ms: %s", got)
	}
	if got := string(appendTime(nil, time.Date(2025, 3, 14, 11, 0, 0, 0, time.FixedZone("x", 7200)))); got != "2025-03-14T09:00:00.000Z" {
		t.Errorf("appendTime in UTC: %s", got)
	}
}
