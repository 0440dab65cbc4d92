package cot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

// seeds returns the test events and golden files as fuzz seeds.
func seeds(f *testing.F, pattern string) [][]byte {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatal("no seeds for", pattern, err)
	}
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// wellFormedToEncodingXML reports whether encoding/xml reads doc to the end
// without an error (after any XML declaration, whose version and encoding it
// is stricter about than DecodeXML).
func wellFormedToEncodingXML(doc []byte) error {
	doc = bytes.TrimPrefix(doc, []byte("\uFEFF"))
	if t := bytes.TrimLeft(doc, " \t\r\n"); bytes.HasPrefix(t, []byte("<?xml")) {
		doc = t[bytes.Index(t, []byte("?>"))+2:]
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// checkXMLRoundTrip checks that our XML for e decodes, encodes to the same
// bytes again, and survives the protobuf form unchanged.
func checkXMLRoundTrip(t *testing.T, e *Event) {
	x1 := AppendXML(nil, e)
	if j := indexEventEnd(string(x1)); j != len(x1)-len("</event>") {
		t.Fatalf("our XML has an event end tag at %d, before its end:\n%s", j, x1)
	}
	e2, err := DecodeXML(x1)
	if err != nil {
		t.Fatalf("our XML does not decode: %v\n%s", err, x1)
	}
	if err := wellFormedToEncodingXML(x1); err != nil {
		t.Fatalf("encoding/xml refuses our XML: %v\n%s", err, x1)
	}
	x2 := AppendXML(nil, e2)
	if !bytes.Equal(x1, x2) {
		t.Fatalf("XML round trip not stable:\n%s\n%s", x1, x2)
	}
	e3, _ := checkProto(t, e2)
	if preEpoch(e2) {
		return // protobuf times cannot be before 1970
	}
	if x3 := AppendXML(nil, e3); !bytes.Equal(x1, x3) {
		t.Fatalf("XML → protobuf → XML changed the event:\n%s\n%s", x1, x3)
	}
	if str(e3.Detail) != str(e2.Detail) {
		t.Fatalf("detail differs after protobuf:\n%s\n%s", str(e2.Detail), str(e3.Detail))
	}
}

// checkProto checks AppendProtoPayload(e) against protobuf-go and decodes it.
func checkProto(t *testing.T, e *Event) (*Event, []byte) {
	t.Helper()
	p := AppendProtoPayload(nil, e)
	ref, err := proto.MarshalOptions{Deterministic: true}.Marshal(takMessage(e))
	if err != nil || !bytes.Equal(p, ref) {
		t.Fatalf("AppendProtoPayload differs from protobuf-go (%v):\n%x\n%x", err, p, ref)
	}
	back, _, err := DecodeProto(p)
	if err != nil {
		t.Fatalf("our protobuf does not decode: %v", err)
	}
	return back, p
}

func preEpoch(e *Event) bool {
	for _, tm := range []struct{ zero, pre bool }{
		{e.Time.IsZero(), e.Time.UnixMilli() <= 0},
		{e.Start.IsZero(), e.Start.UnixMilli() <= 0},
		{e.Stale.IsZero(), e.Stale.UnixMilli() <= 0},
	} {
		if !tm.zero && tm.pre {
			return true
		}
	}
	return false
}

func FuzzDecodeXML(f *testing.F) {
	for _, s := range seeds(f, "testdata/events/*.xml") {
		f.Add(s)
	}
	for _, s := range seeds(f, "testdata/golden/*.xml") {
		f.Add(s)
	}
	f.Add([]byte(`<event uid="a" type="a-f-G" how="m-g" time="2025-03-14T09:00:00Z" start="2025-03-14T09:00:00Z" stale="2025-03-14T09:05:00Z"><point lat="NaN" lon="-0" hae="1e400"/><detail><contact callsign="x"/><contact callsign="y"/><![CDATA[x]]><?pi?></detail></event>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := DecodeXML(data)
		if err != nil {
			return
		}
		if isASCII(data) {
			if err := wellFormedToEncodingXML(data); err != nil {
				t.Fatalf("DecodeXML accepted what encoding/xml refuses: %v\n%q", err, data)
			}
		}
		checkXMLRoundTrip(t, e)
	})
}

func FuzzDecodeProto(f *testing.F) {
	for _, s := range seeds(f, "testdata/golden/*.bin") {
		r := NewStreamReader(bytes.NewReader(s), 1<<20)
		r.SetFormat(FormatProto)
		payload, _, err := r.Next()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(bytes.Clone(payload))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, _, err := DecodeProto(data)
		if err != nil || e == nil {
			return
		}
		e2, p1 := checkProto(t, e)
		if p2 := AppendProtoPayload(nil, e2); !bytes.Equal(p1, p2) {
			t.Fatalf("protobuf round trip not stable:\n%x\n%x", p1, p2)
		}
		checkXMLRoundTrip(t, e)
	})
}

// chunkReader returns at most n bytes per read.
type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.data)
	c.data = c.data[k:]
	return k, nil
}

type split struct {
	msgs    []string
	formats []Format
	err     error
	skipped int64
}

// splitStream reads data as a TAK stream of at most limit-byte messages,
// switching to protobuf after the first message when toProto is set, and
// decoding each message when decode is set.
func splitStream(t *testing.T, r io.Reader, toProto, decode bool) split {
	const limit = 4096
	s := NewStreamReader(r, limit)
	var out split
	for range 1 << 16 {
		b, f, err := s.Next()
		if err != nil {
			out.err, out.skipped = err, s.Skipped()
			return out
		}
		if len(b) > limit {
			t.Fatalf("message of %d bytes, limit %d", len(b), limit)
		}
		if f == FormatXML {
			if !bytes.HasPrefix(b, eventTag) && !bytes.HasPrefix(b, authTag) || b[len(b)-1] != '>' {
				t.Fatalf("XML message is not an element: %q", b)
			}
			switch {
			case !decode:
			case IsAuth(b):
				_, _ = ParseAuth(b)
			default:
				if e, err := DecodeXML(b); err == nil {
					_ = e.Validate(e.Time, 0)
				}
			}
		} else if decode {
			_, _, _ = DecodeProto(b)
		}
		out.msgs = append(out.msgs, string(b))
		out.formats = append(out.formats, f)
		if toProto && len(out.msgs) == 1 {
			s.SetFormat(FormatProto)
		}
	}
	t.Fatal("too many messages")
	return out
}

// errClass names the kind of error that ended a stream; how much of a too
// large message was seen depends on the reads, the kind must not.
func errClass(err error) string {
	for _, e := range []error{ErrTooLarge, ErrBadFrame, io.ErrUnexpectedEOF, io.EOF} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return err.Error()
}

func FuzzStreamReader(f *testing.F) {
	events := seeds(f, "testdata/golden/*.xml")
	frames := seeds(f, "testdata/golden/*.bin")
	f.Add(bytes.Join(events, []byte("\n")), uint16(7), false)
	f.Add(append(bytes.Clone(events[0]), bytes.Join(frames, []byte("x"))...), uint16(1), true)
	f.Add([]byte(au+ev1+"junk"+ev2), uint16(3), false)
	f.Add([]byte{Magic, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, uint16(2), true)
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, toProto bool) {
		whole := splitStream(t, bytes.NewReader(data), toProto, true)
		pieces := splitStream(t, &chunkReader{data: data, n: int(chunk%512) + 1}, toProto, false)
		if strings.Join(whole.msgs, "\x00") != strings.Join(pieces.msgs, "\x00") || len(whole.formats) != len(pieces.formats) {
			t.Fatalf("messages depend on how the input is split:\n%q\n%q", whole.msgs, pieces.msgs)
		}
		if errClass(whole.err) != errClass(pieces.err) || whole.skipped != pieces.skipped {
			t.Fatalf("end depends on how the input is split: %v, %d skipped; %v, %d skipped", whole.err, whole.skipped, pieces.err, pieces.skipped)
		}
	})
}
