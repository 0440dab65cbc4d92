package cot

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type msg struct {
	body   string
	format Format
}

// readAll reads messages until an error and returns them with the error.
func readAll(t *testing.T, r *StreamReader) ([]msg, error) {
	t.Helper()
	var out []msg
	for range 10000 {
		b, f, err := r.Next()
		if err != nil {
			return out, err
		}
		out = append(out, msg{string(b), f})
	}
	t.Fatal("reader does not end")
	return nil, nil
}

// splitReader returns its data in two reads, split at k.
type splitReader struct {
	data []byte
	k    int
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := len(s.data)
	if s.k > 0 {
		n = s.k
	}
	n = copy(p, s.data[:n])
	s.data = s.data[n:]
	s.k = max(s.k-n, 0)
	return n, nil
}

const (
	ev1 = `<event version="2.0" uid="a" type="a-f-G" how="m-g" time="2025-03-14T09:00:00Z" start="2025-03-14T09:00:00Z" stale="2025-03-14T09:05:00Z"><point lat="1" lon="2"/><detail><remarks>a &lt;/event&gt; in text</remarks></detail></event>`
	ev2 = `<event uid='b' type='a-f-G'><point lat='1' lon='2'/><detail><x><eventual>1</eventual></x></detail></event >`
	au  = `<auth><cot username="alice" password="s3cret" uid="ANDROID-1"/></auth>`
)

// TestStreamXML reads a messy XML stream whole, one byte at a time and split
// in two at every byte boundary: always the same messages.
func TestStreamXML(t *testing.T) {
	stream := au + "\n" + XMLHeader + ev1 + "\n\r\n  " + ev2 + "garbage!" + XMLHeader + ev1 + ev1 + "<!-- c --><?pi x?>\n" + `<event uid="c"/>` + " \n"
	want := []msg{{au, FormatXML}, {ev1, FormatXML}, {ev2, FormatXML}, {ev1, FormatXML}, {ev1, FormatXML}, {`<event uid="c"/>`, FormatXML}}
	check := func(t *testing.T, r io.Reader) {
		t.Helper()
		s := NewStreamReader(r, 4096)
		got, err := readAll(t, s)
		if err != io.EOF {
			t.Fatalf("error %v after %d messages, want io.EOF", err, len(got))
		}
		if len(got) != len(want) {
			t.Fatalf("got %d messages, want %d: %+v", len(got), len(want), got)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("message %d:\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
		if s.Skipped() != int64(len("garbage!")) {
			t.Errorf("Skipped = %d, want %d", s.Skipped(), len("garbage!"))
		}
		if _, _, err := s.Next(); err != io.EOF {
			t.Errorf("Next after EOF: %v", err)
		}
	}
	t.Run("whole", func(t *testing.T) { check(t, strings.NewReader(stream)) })
	t.Run("one byte reads", func(t *testing.T) { check(t, iotest.OneByteReader(strings.NewReader(stream))) })
	t.Run("half reads", func(t *testing.T) { check(t, iotest.HalfReader(strings.NewReader(stream))) })
	t.Run("data with EOF", func(t *testing.T) { check(t, iotest.DataErrReader(strings.NewReader(stream))) })
	for k := 1; k < len(stream); k++ {
		r := &splitReader{data: []byte(stream), k: k}
		s := NewStreamReader(r, 4096)
		got, err := readAll(t, s)
		if err != io.EOF || len(got) != len(want) {
			t.Fatalf("split at %d: %d messages, %v", k, len(got), err)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("split at %d: message %d is %q", k, i, got[i].body)
			}
		}
	}
	for _, m := range want[1:5] {
		if _, err := DecodeXML([]byte(m.body)); err != nil {
			t.Errorf("a split message does not decode: %v", err)
		}
	}
	if !IsAuth([]byte(want[0].body)) || IsAuth([]byte(ev1)) || IsAuth([]byte("<authx/>")) {
		t.Error("IsAuth")
	}
}

func TestStreamProto(t *testing.T) {
	e := mustDecode(t, string(mustRead(t, "testdata/events/pli.xml")))
	frame := AppendProto(nil, e)
	payload := AppendProtoPayload(nil, e)
	empty := []byte{Magic, 0}
	stream := bytes.Join([][]byte{frame, []byte("\r\n"), []byte("xx"), frame, empty, {0x00, 0x01}, frame}, nil)
	check := func(t *testing.T, r io.Reader) {
		t.Helper()
		s := NewStreamReader(r, 1<<20)
		s.SetFormat(FormatProto)
		got, err := readAll(t, s)
		if err != io.EOF || len(got) != 4 {
			t.Fatalf("%d messages, %v", len(got), err)
		}
		for i, want := range []string{string(payload), string(payload), "", string(payload)} {
			if got[i].body != want || got[i].format != FormatProto {
				t.Errorf("message %d: %x", i, got[i].body)
			}
		}
		if s.Skipped() != 4 {
			t.Errorf("Skipped = %d, want 4 (xx, 0x00, 0x01; not whitespace)", s.Skipped())
		}
	}
	check(t, bytes.NewReader(stream))
	check(t, iotest.OneByteReader(bytes.NewReader(stream)))
	for k := 1; k < len(stream); k++ {
		check(t, &splitReader{data: stream, k: k})
	}
}

// TestStreamNegotiation switches from XML to protobuf between messages that
// arrived in one read, as after a t-x-takp-r.
func TestStreamNegotiation(t *testing.T) {
	e := mustDecode(t, ev1)
	stream := append([]byte(XMLHeader+ev1), AppendProto(nil, e)...)
	s := NewStreamReader(bytes.NewReader(stream), 4096)
	b, f, err := s.Next()
	if err != nil || f != FormatXML || string(b) != ev1 {
		t.Fatalf("first: %q %v %v", b, f, err)
	}
	s.SetFormat(FormatProto)
	if s.Format() != FormatProto {
		t.Error("Format")
	}
	b, f, err = s.Next()
	if err != nil || f != FormatProto || !bytes.Equal(b, AppendProtoPayload(nil, e)) {
		t.Fatalf("second: %x %v %v", b, f, err)
	}
	if _, _, err := s.Next(); err != io.EOF {
		t.Errorf("end: %v", err)
	}
}

func TestStreamLimits(t *testing.T) {
	const limit = 2048
	sized := func(n int) string { // an event of exactly n bytes
		head := `<event uid="a"><point lat="1" lon="2"/><detail><remarks>`
		tail := `</remarks></detail></event>`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	frame := func(n int) []byte {
		b := append([]byte{Magic}, appendVarint(nil, uint64(n))...)
		return append(b, bytes.Repeat([]byte{0}, n)...)
	}
	for name, tc := range map[string]struct {
		data   []byte
		format Format
		msgs   int
		err    error
		says   string
	}{
		"xml at limit":             {[]byte(sized(limit) + sized(limit)), FormatXML, 2, io.EOF, ""},
		"xml one over":             {[]byte(sized(limit) + sized(limit+1)), FormatXML, 1, ErrTooLarge, "message of 2049 bytes, limit 2048"},
		"xml never ends":           {[]byte(`<event uid="a">` + strings.Repeat("y", 3*limit)), FormatXML, 0, ErrTooLarge, "without the end"},
		"xml huge start tag":       {[]byte(`<event uid="` + strings.Repeat("y", 3*limit)), FormatXML, 0, ErrTooLarge, ""},
		"xml truncated":            {[]byte(ev1[:len(ev1)-3]), FormatXML, 0, io.ErrUnexpectedEOF, ""},
		"xml truncated start":      {[]byte("<eve"), FormatXML, 0, io.ErrUnexpectedEOF, ""},
		"xml stray at end":         {[]byte(ev1 + "<x"), FormatXML, 1, io.EOF, ""},
		"xml truncated header":     {[]byte(ev1 + "<?xml version"), FormatXML, 1, io.ErrUnexpectedEOF, ""},
		"proto at limit":           {append(frame(limit), frame(limit)...), FormatProto, 2, io.EOF, ""},
		"proto one over":           {append(frame(limit), frame(limit+1)...), FormatProto, 1, ErrTooLarge, "frame of 2049 bytes, limit 2048"},
		"proto huge length":        {[]byte{Magic, 0xff, 0xff, 0xff, 0xff, 0x0f}, FormatProto, 0, ErrTooLarge, "frame of 4294967295 bytes"},
		"varint of 10 bytes":       {[]byte{Magic, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, FormatProto, 0, ErrTooLarge, ""},
		"varint of 10 bytes, zero": {append([]byte{Magic, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, frame(1)...), FormatProto, 2, io.EOF, ""},
		"varint overflows":         {[]byte{Magic, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}, FormatProto, 0, ErrBadFrame, "overflows"},
		"varint of 11 bytes":       {[]byte{Magic, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, FormatProto, 0, ErrBadFrame, ""},
		"truncated frame":          {frame(100)[:50], FormatProto, 0, io.ErrUnexpectedEOF, ""},
		"truncated varint":         {[]byte{Magic, 0x80}, FormatProto, 0, io.ErrUnexpectedEOF, ""},
		"magic only":               {append(frame(3), Magic), FormatProto, 1, io.ErrUnexpectedEOF, ""},
		"stray only":               {[]byte("hello\n"), FormatProto, 0, io.EOF, ""},
	} {
		t.Run(name, func(t *testing.T) {
			for _, r := range []io.Reader{bytes.NewReader(tc.data), iotest.OneByteReader(bytes.NewReader(tc.data))} {
				s := NewStreamReader(r, limit)
				s.SetFormat(tc.format)
				got, err := readAll(t, s)
				if len(got) != tc.msgs || !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.says) {
					t.Fatalf("%d messages, error %v; want %d, %v saying %q", len(got), err, tc.msgs, tc.err, tc.says)
				}
				if _, _, again := s.Next(); again != err && !errors.Is(tc.err, io.EOF) {
					t.Errorf("error not sticky: %v then %v", err, again)
				}
			}
		})
	}
}

// TestStreamLargeEvent reads a 1 MiB event arriving in small reads.
func TestStreamLargeEvent(t *testing.T) {
	big := `<event uid="a"><point lat="1" lon="2"/><detail><remarks>` + strings.Repeat("</even ", 1<<17) + `</remarks></detail></event>`
	s := NewStreamReader(iotest.HalfReader(strings.NewReader(big+big)), 2<<20)
	for range 2 {
		b, _, err := s.Next()
		if err != nil || string(b) != big {
			t.Fatalf("%d bytes, %v", len(b), err)
		}
	}
}

// loopReader serves data forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func TestStreamNoAllocs(t *testing.T) {
	e := mustDecode(t, string(mustRead(t, "testdata/events/pli.xml")))
	for _, f := range []Format{FormatXML, FormatProto} {
		data := AppendXML(nil, e)
		if f == FormatProto {
			data = AppendProto(nil, e)
		}
		s := NewStreamReader(&loopReader{data: bytes.Repeat(data, 7)}, 1<<20)
		s.SetFormat(f)
		for range 100 { // reach the steady state
			if _, _, err := s.Next(); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(1000, func() {
			if _, _, err := s.Next(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %.1f allocations per message", f, allocs)
		}
	}
}

func TestParseAuth(t *testing.T) {
	a, err := ParseAuth([]byte(au))
	if err != nil || a != (Auth{Username: "alice", Password: "s3cret", UID: "ANDROID-1"}) {
		t.Errorf("%+v %v", a, err)
	}
	a, err = ParseAuth([]byte(`<?xml version="1.0"?>` + "\n" + `<auth> <cot username='a&amp;b' password=""/> </auth>`))
	if err != nil || a != (Auth{Username: "a&b"}) {
		t.Errorf("%+v %v", a, err)
	}
	for _, bad := range []string{"", "<auth/>", "<auth></auth>", "<event/>", "<auth><cot username='a'/>", "<auth><cot/></auth>x", "<auth><cot username='\x01'/></auth>"} {
		if _, err := ParseAuth([]byte(bad)); err == nil {
			t.Errorf("ParseAuth(%q): no error", bad)
		}
	}
}

// TestStreamShrinks checks that the buffer grown for a large message is
// given back before the next one.
func TestStreamShrinks(t *testing.T) {
	big := `<event uid="a"><point lat="1" lon="2"/><detail><remarks>` + strings.Repeat("x", 1<<20) + `</remarks></detail></event>`
	s := NewStreamReader(strings.NewReader(big+ev1+ev1), 2<<20)
	if b, _, err := s.Next(); err != nil || len(b) != len(big) {
		t.Fatal(len(b), err)
	}
	if b, _, err := s.Next(); err != nil || string(b) != ev1 {
		t.Fatal(string(b), err)
	}
	if len(s.buf) > idleBuffer {
		t.Errorf("buffer of %d bytes kept after a large message", len(s.buf))
	}
	if b, _, err := s.Next(); err != nil || string(b) != ev1 {
		t.Fatal(string(b), err)
	}
}
