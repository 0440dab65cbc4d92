package cot

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// benchPLI is a typical ATAK position report: contact, __group, takv, track,
// status, precisionlocation and two unknown elements.
func benchPLI(b *testing.B) (*Event, []byte) {
	b.Helper()
	in := mustRead(&testing.T{}, "testdata/events/pli.xml")
	e, err := DecodeXML(in)
	if err != nil {
		b.Fatal(err)
	}
	return e, in
}

func BenchmarkAppendXML(b *testing.B) {
	e, _ := benchPLI(b)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendXML(dst[:0], e)
	}
	b.SetBytes(int64(len(dst)))
}

func BenchmarkAppendProto(b *testing.B) {
	e, _ := benchPLI(b)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendProto(dst[:0], e)
	}
	b.SetBytes(int64(len(dst)))
}

func BenchmarkDecodeXML(b *testing.B) {
	_, in := benchPLI(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := DecodeXML(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeXMLEncodingXML is the reference: encoding/xml unmarshalling
// the same document into a struct that keeps the detail as inner XML (and so
// does less than DecodeXML: no typed fields, no views).
func BenchmarkDecodeXMLEncodingXML(b *testing.B) {
	_, in := benchPLI(b)
	var doc struct {
		UID   string `xml:"uid,attr"`
		Type  string `xml:"type,attr"`
		How   string `xml:"how,attr"`
		Time  string `xml:"time,attr"`
		Start string `xml:"start,attr"`
		Stale string `xml:"stale,attr"`
		Point struct {
			Lat float64 `xml:"lat,attr"`
			Lon float64 `xml:"lon,attr"`
			HAE float64 `xml:"hae,attr"`
			CE  float64 `xml:"ce,attr"`
			LE  float64 `xml:"le,attr"`
		} `xml:"point"`
		Detail struct {
			Inner string `xml:",innerxml"`
		} `xml:"detail"`
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if err := xml.Unmarshal(in, &doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeProto(b *testing.B) {
	e, _ := benchPLI(b)
	payload := AppendProtoPayload(nil, e)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, _, err := DecodeProto(payload); err != nil {
			b.Fatal(err)
		}
	}
}

func benchStream(b *testing.B, f Format) {
	e, _ := benchPLI(b)
	one := AppendXML(nil, e)
	if f == FormatProto {
		one = AppendProto(nil, e)
	}
	s := NewStreamReader(&loopReader{data: bytes.Repeat(one, 16)}, 1<<20)
	s.SetFormat(f)
	b.ReportAllocs()
	b.SetBytes(int64(len(one)))
	for b.Loop() {
		if _, _, err := s.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStreamReaderXML(b *testing.B)   { benchStream(b, FormatXML) }
func BenchmarkStreamReaderProto(b *testing.B) { benchStream(b, FormatProto) }

func BenchmarkValidate(b *testing.B) {
	e, _ := benchPLI(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Validate(e.Time, 0); err != nil {
			b.Fatal(err)
		}
	}
}
