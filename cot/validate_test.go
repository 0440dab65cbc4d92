package cot

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	now := goldenNow
	valid := func() *Event {
		return &Event{
			UID: "ANDROID-1", Type: "a-f-G-U-C", How: "m-g",
			Time: now, Start: now, Stale: now.Add(5 * time.Minute),
			Point:  Point{Lat: 31.5, Lon: 34.5, HAE: Unknown, CE: Unknown, LE: Unknown},
			Detail: Detail{Track: &Track{Speed: 1, Course: 2}},
		}
	}
	if err := valid().Validate(now, time.Minute); err != nil {
		t.Fatalf("valid event: %v", err)
	}
	for name, tc := range map[string]struct {
		change func(e *Event)
		field  string
		reason string
	}{
		"uid missing":        {func(e *Event) { e.UID = "" }, "uid", "missing"},
		"uid too long":       {func(e *Event) { e.UID = strings.Repeat("u", MaxUIDLen+1) }, "uid", "257 bytes long, at most 256"},
		"uid control":        {func(e *Event) { e.UID = "a\nb" }, "uid", "control character U+000A"},
		"uid c1 control":     {func(e *Event) { e.UID = "a\u0085b" }, "uid", "control character U+0085"},
		"uid bad utf-8":      {func(e *Event) { e.UID = "a\xffb" }, "uid", "not valid UTF-8"},
		"type missing":       {func(e *Event) { e.Type = "" }, "type", "missing"},
		"type too long":      {func(e *Event) { e.Type = "a" + strings.Repeat("-b", MaxTypeLen/2) }, "type", "at most 128"},
		"type pattern space": {func(e *Event) { e.Type = "a-f G" }, "type", "not a CoT type"},
		"type trailing dash": {func(e *Event) { e.Type = "a-f-" }, "type", "not a CoT type"},
		"type leading dash":  {func(e *Event) { e.Type = "-a" }, "type", "not a CoT type"},
		"type double dash":   {func(e *Event) { e.Type = "a--f" }, "type", "not a CoT type"},
		"type two suffixes":  {func(e *Event) { e.Type = "a-f;x;y" }, "type", "not a CoT type"},
		"type only suffix":   {func(e *Event) { e.Type = ";x" }, "type", "not a CoT type"},
		"how missing":        {func(e *Event) { e.How = "" }, "how", "missing"},
		"how too long":       {func(e *Event) { e.How = strings.Repeat("h", MaxHowLen+1) }, "how", "at most 32"},
		"lat nan":            {func(e *Event) { e.Point.Lat = math.NaN() }, "point.lat", "not a finite number"},
		"lon inf":            {func(e *Event) { e.Point.Lon = math.Inf(-1) }, "point.lon", "not a finite number"},
		"hae inf":            {func(e *Event) { e.Point.HAE = math.Inf(1) }, "point.hae", "not a finite number"},
		"ce nan":             {func(e *Event) { e.Point.CE = math.NaN() }, "point.ce", "not a finite number"},
		"le nan":             {func(e *Event) { e.Point.LE = math.NaN() }, "point.le", "not a finite number"},
		"lat above 90":       {func(e *Event) { e.Point.Lat = 90.0001 }, "point.lat", "outside [-90, 90]"},
		"lat below -90":      {func(e *Event) { e.Point.Lat = -91 }, "point.lat", "outside [-90, 90]"},
		"lon above 180":      {func(e *Event) { e.Point.Lon = 180.5 }, "point.lon", "outside [-180, 180]"},
		"lon below -180":     {func(e *Event) { e.Point.Lon = -181 }, "point.lon", "outside [-180, 180]"},
		"speed nan":          {func(e *Event) { e.Detail.Track.Speed = math.NaN() }, "track.speed", "not a finite number"},
		"course inf":         {func(e *Event) { e.Detail.Track.Course = math.Inf(1) }, "track.course", "not a finite number"},
		"time missing":       {func(e *Event) { e.Time = time.Time{} }, "time", "missing"},
		"start missing":      {func(e *Event) { e.Start = time.Time{} }, "start", "missing"},
		"stale missing":      {func(e *Event) { e.Stale = time.Time{} }, "stale", "missing"},
		"stale before start": {func(e *Event) { e.Stale = e.Start.Add(-time.Millisecond) }, "stale", "before start"},
		"time in the future": {func(e *Event) { e.Time = now.Add(61 * time.Second) }, "time", "1m1s ahead of the server's clock (at most 1m0s allowed)"},
		"time absurdly old":  {func(e *Event) { e.Time = now.Add(-MaxAge - time.Second) }, "time", "more than 365 days old"},
	} {
		t.Run(name, func(t *testing.T) {
			e := valid()
			tc.change(e)
			err := e.Validate(now, time.Minute)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if ve.Field != tc.field || !strings.Contains(ve.Reason, tc.reason) {
				t.Errorf("got %s: %s; want %s: …%s…", ve.Field, ve.Reason, tc.field, tc.reason)
			}
		})
	}
	// The edges are allowed.
	for name, change := range map[string]func(e *Event){
		"lat 90, lon -180":     func(e *Event) { e.Point.Lat, e.Point.Lon = 90, -180 },
		"lat -90, lon 180":     func(e *Event) { e.Point.Lat, e.Point.Lon = -90, 180 },
		"type with suffix":     func(e *Event) { e.Type = "a-f-G-U-C;extra stuff" },
		"type with underscore": func(e *Event) { e.Type = "x_1-Y_2" },
		"start equals stale":   func(e *Event) { e.Stale = e.Start },
		"stale in the past": func(e *Event) {
			e.Time, e.Start, e.Stale = now.Add(-time.Hour), now.Add(-time.Hour), now.Add(-time.Minute)
		},
		"exactly maxFuture":     func(e *Event) { e.Time = now.Add(time.Minute) },
		"uid with spaces":       func(e *Event) { e.UID = "GeoChat.ANDROID-1.All Chat Rooms.1" },
		"uid at the limit":      func(e *Event) { e.UID = strings.Repeat("u", MaxUIDLen) },
		"no track":              func(e *Event) { e.Detail.Track = nil },
		"non-ascii callsign ok": func(e *Event) { e.UID = "ÆØÅ-✓" },
	} {
		e := valid()
		change(e)
		if err := e.Validate(now, time.Minute); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, e := range []*Event{ProtocolSupport("p", now), ProtocolResponse("p", true, now), Pong(now), Delete("u", "a-f-G", now),
		Polygon("p", "n", [][2]float64{{1, 2}, {3, 4}, {5, 2}}, 0, 0, "", now, now.Add(time.Hour)),
		Route("r", "n", [][2]float64{{1, 2}, {3, 4}}, "", now, now.Add(time.Hour)),
		Marker("m", "n", "a-n-G", 1, 2, "", now, now.Add(time.Hour))} {
		if err := e.Validate(now, 0); err != nil {
			t.Errorf("%s from a builder: %v", e.Type, err)
		}
	}
}

func TestSIDC(t *testing.T) {
	for in, want := range map[string]string{
		"a-f-G-U-C":           "SFGPUC---------",
		"a-f-G-E-V":           "SFGPEV---------",
		"a-h-G-E-V-A-T":       "SHGPEVAT-------",
		"a-n-G-I":             "SNGPI----------",
		"a-u-A":               "SUAP-----------",
		"a-s-S-C":             "SSSPC----------",
		"a-p-U":               "SPUP-----------",
		"a-j-F":               "SJFP-----------",
		"a-k-P":               "SKPP-----------",
		"a-a-G-U-C-I":         "SAGPUCI--------",
		"a-f-G-U-C-I-t":       "SFGPUCI--------", // lower-case CoT extension ignored
		"a-f-G-U-C;suffix":    "SFGPUC---------",
		"a-f-G-U-C-F-R-M-S-X": "SFGPUCFRMS-----", // six function letters at most
		"a-o-G":               "SOGP-----------",
	} {
		got, ok := SIDC(in)
		if !ok || got != want || len(got) != 15 {
			t.Errorf("SIDC(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "b-t-f", "t-x-c-t", "u-d-f", "a", "a-f", "a-z-G", "a-f-Q", "a-ff-G", "a-f-GG", "A-f-G"} {
		if got, ok := SIDC(in); ok {
			t.Errorf("SIDC(%q) = %q, want not ok", in, got)
		}
	}
}

func TestOverlays(t *testing.T) {
	now, stale := goldenNow, goldenNow.Add(time.Hour)
	ring := [][2]float64{{34.0, 31.0}, {34.0, 31.2}, {34.2, 31.2}, {34.0, 31.0}} // already closed
	p := Polygon("a", "A", ring, 0xFF00FF00, 0x8000FF00, "r", now, stale)
	if len(p.Detail.Links) != 4 || p.Detail.Links[0].Point != "31,34" || p.Detail.Links[3].Point != "31,34" {
		t.Errorf("closed ring gets its closing vertex once: %+v", p.Detail.Links)
	}
	if p.Point.Lat != 31.1333333 || p.Point.Lon != 34.0666667 {
		t.Errorf("center %+v", p.Point)
	}
	if !strings.Contains(p.Detail.XML, `<strokeColor value="-16711936"/>`) || !strings.Contains(p.Detail.XML, `<fillColor value="-2147418368"/>`) ||
		!strings.Contains(p.Detail.XML, `<labels_on value="true"/>`) || p.Detail.Contact.Callsign != "A" || p.Detail.Remarks != "r" {
		t.Errorf("polygon detail %+v", p.Detail)
	}
	open := Polyline("l", "L", ring[:3], 0xFF000000, "", now, stale)
	if len(open.Detail.Links) != 3 || strings.Contains(open.Detail.XML, "fillColor") || open.Type != "u-d-f" {
		t.Errorf("polyline %+v", open.Detail)
	}
	r := Route("r", "R", ring[:3], "", now, stale)
	if r.Type != "b-m-r" || len(r.Detail.Links) != 3 || r.Detail.Links[1] != (Link{UID: "r.1", Type: "b-m-p-w", Relation: "c", Point: "31.2,34", Callsign: "CP1"}) {
		t.Errorf("route %+v", r.Detail.Links)
	}
	if r.Point.Lat != 31 || r.Point.Lon != 34 {
		t.Errorf("route point %+v", r.Point)
	}
	m := Marker("m", "M & N", "a-n-G-I", 31.5, 34.5, "", now, stale)
	if m.Type != "a-n-G-I" || m.Point.Lat != 31.5 || m.Detail.Contact.Callsign != "M & N" || m.Detail.XML != "" || !m.Stale.Equal(stale) {
		t.Errorf("marker %+v", m)
	}
}
