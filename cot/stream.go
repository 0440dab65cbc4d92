package cot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Format is the wire format of a TAK streaming connection.
type Format int

const (
	// FormatXML is TAK protocol version 0: CoT XML events one after another.
	FormatXML Format = iota
	// FormatProto is TAK Protocol Version 1: 0xBF, varint length, TakMessage.
	FormatProto
)

func (f Format) String() string {
	switch f {
	case FormatXML:
		return "xml"
	case FormatProto:
		return "protobuf"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

var (
	// ErrTooLarge is returned (wrapped with the size seen) for a message
	// larger than the reader's limit. It is fatal for the connection.
	ErrTooLarge = errors.New("cot: message too large")
	// ErrBadFrame is returned for a protobuf frame header whose length is not
	// a valid varint. It is fatal for the connection.
	ErrBadFrame = errors.New("cot: bad frame header")
)

// StreamReader splits a TAK streaming connection into messages. It is not
// safe for concurrent use.
type StreamReader struct {
	r       io.Reader
	max     int
	format  Format
	buf     []byte
	lo, hi  int   // unread data is buf[lo:hi]
	scan    int   // bytes of the current XML message already searched for its end
	inTag   bool  // the search is still in the message's start tag
	quote   byte  // the quote of the attribute value the search is in, if any
	skipped int64 // stray bytes skipped between messages
	err     error // sticky: a fatal error, or the reader's error once the buffer is drained
}

const minRead = 4096

// NewStreamReader returns a reader of messages from r that refuses messages
// larger than maxSize bytes (at least 1 KiB is enforced). It starts in
// FormatXML, as every TAK streaming connection does.
func NewStreamReader(r io.Reader, maxSize int) *StreamReader {
	return &StreamReader{r: r, max: max(maxSize, 1024)}
}

// SetFormat switches the format of the messages that follow, after a
// protocol negotiation. Bytes already buffered are read in the new format.
func (s *StreamReader) SetFormat(f Format) { s.format = f }

// Format reports the current format.
func (s *StreamReader) Format() Format { return s.format }

// Skipped reports how many stray bytes (not whitespace) were skipped between
// messages so far.
func (s *StreamReader) Skipped() int64 { return s.skipped }

// Next returns the next message's bytes and its format. For XML that is from
// the '<' of <event (or <auth>) to the end of </event> (or </auth>), without
// the XML declaration; for protobuf the TakMessage payload without the header.
// The slice is valid until the next call.
//
// It is lenient: it skips whitespace and any stray bytes between XML messages
// and before a 0xBF header (counting the non-whitespace ones in Skipped), and
// accepts events with or without the declaration. A message larger than the
// limit gives ErrTooLarge and a bad varint ErrBadFrame; both are fatal, and
// every later call returns the same error. The end of the input gives io.EOF
// between messages and io.ErrUnexpectedEOF inside one.
func (s *StreamReader) Next() ([]byte, Format, error) {
	s.shrink()
	if s.format == FormatProto {
		b, err := s.nextProto()
		return b, FormatProto, err
	}
	b, err := s.nextXML()
	return b, FormatXML, err
}

// idleBuffer is the buffer size a reader keeps between messages: after a
// large message the buffer is given back, so that many idle connections that
// once received one do not hold its memory.
const idleBuffer = 64 << 10

func (s *StreamReader) shrink() {
	if len(s.buf) > idleBuffer && s.hi-s.lo <= minRead {
		nb := make([]byte, minRead*2)
		n := copy(nb, s.buf[s.lo:s.hi])
		s.buf, s.lo, s.hi = nb, 0, n
	}
}

// fill reads more input into the buffer, keeping buf[lo:hi]; it makes room
// for at least need bytes of unread data. It returns the reader's error only
// when nothing was read.
func (s *StreamReader) fill(need int) error {
	if s.err != nil {
		return s.err
	}
	if s.lo > 0 && (s.lo == s.hi || len(s.buf)-s.hi < minRead) {
		n := copy(s.buf, s.buf[s.lo:s.hi])
		s.lo, s.hi = 0, n
	}
	if want := max(need, s.hi-s.lo+minRead); len(s.buf)-s.lo < want {
		nb := make([]byte, max(2*len(s.buf), want, minRead))
		n := copy(nb, s.buf[s.lo:s.hi])
		s.buf, s.lo, s.hi = nb, 0, n
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.hi:])
		s.hi += n
		if n > 0 {
			if err != nil {
				s.err = err
			}
			return nil
		}
		if err != nil {
			s.err = err
			return err
		}
	}
	s.err = io.ErrNoProgress
	return s.err
}

// eof turns the reader's error at the end of input into the error Next
// returns: partial says whether a message had begun.
func eof(err error, partial bool) error {
	if err == io.EOF && partial {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (s *StreamReader) fatal(err error) error {
	s.err = err
	s.lo, s.hi = 0, 0
	return err
}

func (s *StreamReader) nextProto() ([]byte, error) {
	for {
		// Skip to the magic byte.
		for s.lo < s.hi && s.buf[s.lo] != Magic {
			if !isSpace(s.buf[s.lo]) {
				s.skipped++
			}
			s.lo++
		}
		if s.lo < s.hi {
			break
		}
		if err := s.fill(1); err != nil {
			return nil, eof(err, false)
		}
	}
	// The varint: at most 10 bytes.
	var length uint64
	var hdr int
	for {
		length, hdr = 0, 0
		var shift uint
		complete := false
		for i := s.lo + 1; i < s.hi && hdr < 10; i++ {
			c := s.buf[i]
			hdr++
			if hdr == 10 && c > 1 {
				return nil, s.fatal(fmt.Errorf("%w: varint overflows 64 bits", ErrBadFrame))
			}
			length |= uint64(c&0x7F) << shift
			shift += 7
			if c < 0x80 {
				complete = true
				break
			}
		}
		if complete {
			break
		}
		if hdr >= 10 {
			return nil, s.fatal(fmt.Errorf("%w: varint longer than 10 bytes", ErrBadFrame))
		}
		if err := s.fill(s.hi - s.lo + 1); err != nil {
			return nil, eof(err, true)
		}
	}
	if length > uint64(s.max) {
		return nil, s.fatal(fmt.Errorf("%w: frame of %d bytes, limit %d", ErrTooLarge, length, s.max))
	}
	total := 1 + hdr + int(length)
	for s.hi-s.lo < total {
		if err := s.fill(total); err != nil {
			return nil, eof(err, true)
		}
	}
	msg := s.buf[s.lo+1+hdr : s.lo+total]
	s.lo += total
	return msg, nil
}

var (
	eventTag = []byte("<event")
	authTag  = []byte("<auth")
	eventEnd = []byte("</event")
	authEnd  = []byte("</auth")

	piStart, piEnd           = []byte("<?"), []byte("?>")
	commentStart, commentEnd = []byte("<!--"), []byte("-->")
)

func (s *StreamReader) nextXML() ([]byte, error) {
	// Find the start of a message: '<event' or '<auth' followed by a
	// delimiter. Everything before it is skipped (a declaration, comments,
	// whitespace, stray bytes).
	var end []byte
	for end == nil {
		i := bytes.IndexByte(s.buf[s.lo:s.hi], '<')
		if i < 0 {
			s.count(s.hi)
			if err := s.fill(1); err != nil {
				return nil, eof(err, false)
			}
			continue
		}
		s.count(s.lo + i)
		rest := s.buf[s.lo:s.hi]
		if len(rest) < len(eventTag)+1 {
			if err := s.fill(len(eventTag) + 1); err != nil {
				// A message may have begun only if what is left could start one.
				rest = s.buf[s.lo:s.hi] // fill may have moved it
				partial := bytes.HasPrefix(eventTag, rest) || bytes.HasPrefix(authTag, rest)
				if !partial {
					s.count(s.hi)
				}
				return nil, eof(err, partial)
			}
			continue
		}
		switch {
		case bytes.HasPrefix(rest, eventTag) && isDelim(rest[len(eventTag)]):
			end = eventEnd
		case bytes.HasPrefix(rest, authTag) && isDelim(rest[len(authTag)]):
			end = authEnd
		case bytes.HasPrefix(rest, piStart), bytes.HasPrefix(rest, commentStart):
			// A declaration, processing instruction or comment: skip it whole.
			close := piEnd
			if rest[1] == '!' {
				close = commentEnd
			}
			j := bytes.Index(rest[2:], close)
			if j < 0 {
				if len(rest) > s.max {
					return nil, s.fatal(fmt.Errorf("%w: %d bytes without %s", ErrTooLarge, len(rest), close))
				}
				if err := s.fill(len(rest) + 1); err != nil {
					return nil, eof(err, true)
				}
				continue
			}
			s.lo += 2 + j + len(close)
		default:
			s.skipped++
			s.lo++
		}
	}
	s.scan, s.inTag, s.quote = 1, true, 0
	for {
		msg := s.buf[s.lo:s.hi]
		if n, ok := s.findEnd(msg, end); ok {
			if n > s.max {
				return nil, s.fatal(fmt.Errorf("%w: message of %d bytes, limit %d", ErrTooLarge, n, s.max))
			}
			s.lo += n
			return msg[:n:n], nil
		}
		if len(msg) > s.max {
			return nil, s.fatal(fmt.Errorf("%w: more than %d bytes without the end of the message, limit %d", ErrTooLarge, len(msg), s.max))
		}
		if err := s.fill(min(2*len(msg), s.max+len(end)+64)); err != nil {
			return nil, eof(err, true)
		}
	}
}

// count moves lo to i, counting the non-whitespace bytes passed as skipped.
func (s *StreamReader) count(i int) {
	for ; s.lo < i; s.lo++ {
		if !isSpace(s.buf[s.lo]) {
			s.skipped++
		}
	}
}

func isDelim(c byte) bool { return isSpace(c) || c == '>' || c == '/' }

// findEnd looks in msg (which starts with the message's '<') for the end of
// the message: a self-closing start tag, or the end tag end followed by
// optional whitespace and '>'. It resumes where the previous search stopped,
// so a large message arriving in small reads is searched once.
func (s *StreamReader) findEnd(msg, end []byte) (int, bool) {
	if s.inTag {
		// The start tag: self-closing or not? Scan it minding quotes.
		i := s.scan
		for ; i < len(msg); i++ {
			c := msg[i]
			if s.quote != 0 {
				if c == s.quote {
					s.quote = 0
				}
				continue
			}
			if c == '"' || c == '\'' {
				s.quote = c
			} else if c == '>' {
				break
			}
		}
		if i == len(msg) {
			s.scan = i
			return 0, false // the start tag is not complete yet
		}
		if msg[i-1] == '/' {
			return i + 1, true
		}
		s.inTag, s.scan = false, i+1
	}
	for {
		j := bytes.Index(msg[s.scan:], end)
		if j < 0 {
			s.scan = max(s.scan, len(msg)-len(end)+1)
			return 0, false
		}
		k := s.scan + j + len(end)
		for k < len(msg) && isSpace(msg[k]) {
			k++
		}
		if k == len(msg) {
			s.scan += j // wait for more input, search again from this tag
			return 0, false
		}
		if msg[k] == '>' {
			return k + 1, true
		}
		s.scan += j + 1 // "</eventx": not our end tag
	}
}

// IsAuth reports whether a message from Next is a TAK <auth> message.
func IsAuth(b []byte) bool {
	return bytes.HasPrefix(b, authTag) && len(b) > len(authTag) && isDelim(b[len(authTag)])
}

// Auth is the content of a TAK plain-TCP authentication message,
// <auth><cot username="…" password="…" uid="…"/></auth>.
type Auth struct{ Username, Password, UID string }

// ParseAuth reads an <auth> message.
func ParseAuth(b []byte) (Auth, error) {
	var a Auth
	if at, ok := checkChars(string(b)); !ok {
		return a, &SyntaxError{Offset: at, Msg: "invalid character"}
	}
	p := getScanner(string(b))
	defer putScanner(p)
	if err := p.prolog(); err != nil {
		return a, err
	}
	if p.i >= len(p.s) || p.s[p.i] != '<' {
		return a, errors.New("cot: no <auth> element")
	}
	name, empty, err := p.startTag()
	if err != nil {
		return a, err
	}
	if name != "auth" {
		return a, fmt.Errorf("cot: root element is <%s>, not <auth>", truncate(name, 32))
	}
	found := false
	if !empty {
		if err := p.collect("auth"); err != nil {
			return a, err
		}
		for i := range p.children {
			c := &p.children[i]
			if c.name != "cot" || found {
				continue
			}
			found = true
			attrs := p.attrsOf(c)
			a.Username, _ = lookup(attrs, "username")
			a.Password, _ = lookup(attrs, "password")
			a.UID, _ = lookup(attrs, "uid")
		}
	}
	if err := p.misc(); err != nil {
		return a, err
	}
	if p.i < len(p.s) {
		return a, p.errorf(p.i, "content after </auth>")
	}
	if !found {
		return a, errors.New("cot: <auth> has no <cot> element")
	}
	return a, nil
}
