package cot

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The XML decoder is a hand-written scanner rather than encoding/xml: it is on
// the ingest path of every TAK connection, it must hand back the raw bytes of
// unknown <detail> children (which encoding/xml cannot do without a second
// serialisation), and a CoT document needs only a small, strict subset of XML:
// elements, attributes, character data, the five predefined entities and
// character references, comments, CDATA sections and processing instructions.
// Document type declarations (and so entity definitions) are refused. The fuzz
// test checks that everything it accepts is also well-formed to encoding/xml.

// SyntaxError reports XML that is not well-formed, with the byte offset of the
// problem in the document.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("cot: malformed xml at offset %d: %s", e.Offset, e.Msg)
}

const (
	maxDepth = 64  // nesting of elements inside one document
	maxAttrs = 256 // attributes on one element
)

// attr is one attribute of the current start tag; value is unescaped.
type attr struct{ name, value string }

// child is one child element of a content region: its name, its raw span in
// the document, its attributes (a range of scanner.store) and whether it has
// any content besides whitespace.
type child struct {
	name                 string
	start, end           int
	attrLo, attrHi       int
	content              bool
	lifted               bool // taken into a typed field, so not part of Detail.XML
	contentLo, contentHi int
}

// scanner tokenizes one XML document or content region held in s.
type scanner struct {
	s        string
	i        int
	base     int // offset of s in the caller's document, for error offsets
	attrs    []attr
	store    []attr // attributes of collected children
	stack    []string
	children []child
}

func (p *scanner) reset(s string, base int) {
	p.s, p.i, p.base = s, 0, base
	p.attrs = nil
	p.store = p.store[:0]
	p.stack = p.stack[:0]
	p.children = p.children[:0]
}

func (p *scanner) errorf(at int, format string, args ...any) error {
	return &SyntaxError{Offset: p.base + at, Msg: fmt.Sprintf(format, args...)}
}

func (p *scanner) eof() error {
	return p.errorf(len(p.s), "unexpected end of document")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *scanner) skipSpace() int {
	n := p.i
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
	return p.i - n
}

// checkChars reports the first character that XML 1.0 does not allow:
// invalid UTF-8, C0 controls other than tab, newline and carriage return, and
// U+FFFE/U+FFFF (surrogates are already invalid UTF-8).
func checkChars(s string) (int, bool) {
	for i := 0; i < len(s); {
		// Eight printable ASCII bytes at a time: no byte has the high bit
		// set, and none is below 0x20.
		for i+8 <= len(s) {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if (x|(x-0x2020202020202020))&0x8080808080808080 != 0 {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c < 0x80 {
			i++
			continue
		}
		if c < 0x20 {
			if c == '\t' || c == '\n' || c == '\r' {
				i++
				continue
			}
			return i, false
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
			return i, false
		}
		i += n
	}
	return 0, true
}

var asciiNameStart, asciiNameChar [128]bool

func init() {
	for c := 0; c < 128; c++ {
		start := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
		asciiNameStart[c] = start
		asciiNameChar[c] = start || c >= '0' && c <= '9' || c == '-' || c == '.'
	}
}

// isNameRune reports the non-ASCII name characters of XML 1.0 (fifth edition).
func isNameRune(r rune, first bool) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	if first {
		return false
	}
	return r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}

// name reads an XML name at p.i.
func (p *scanner) name() (string, error) {
	start, colons := p.i, 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c < 0x80 {
			ok := asciiNameChar[c]
			if p.i == start {
				ok = asciiNameStart[c]
			}
			if !ok {
				break
			}
			if c == ':' {
				colons++
			}
			p.i++
			continue
		}
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if !isNameRune(r, p.i == start) {
			break
		}
		p.i += n
	}
	if p.i == start {
		if p.i >= len(p.s) {
			return "", p.eof()
		}
		return "", p.errorf(p.i, "invalid name character %q", p.s[p.i])
	}
	name := p.s[start:p.i]
	if colons > 1 {
		// Namespaces in XML allow one prefix.
		return "", p.errorf(start, "name %s has more than one colon", truncate(name, 32))
	}
	return name, nil
}

// startTag reads a start tag; p.i is at its '<'. It leaves the attributes in
// p.attrs (the end of p.store: callers that do not keep them truncate p.store
// again) and reports whether the element is empty (<x/>).
func (p *scanner) startTag() (name string, empty bool, err error) {
	p.i++
	if name, err = p.name(); err != nil {
		return "", false, err
	}
	lo := len(p.store)
	for {
		sp := p.skipSpace()
		if p.i >= len(p.s) {
			return "", false, p.eof()
		}
		switch p.s[p.i] {
		case '>':
			p.i++
			p.attrs = p.store[lo:len(p.store):len(p.store)]
			return name, false, nil
		case '/':
			if p.i+1 < len(p.s) && p.s[p.i+1] == '>' {
				p.i += 2
				p.attrs = p.store[lo:len(p.store):len(p.store)]
				return name, true, nil
			}
			return "", false, p.errorf(p.i, "expected /> in <%s>", name)
		}
		if sp == 0 {
			return "", false, p.errorf(p.i, "expected space before attribute in <%s>", name)
		}
		at := p.i
		an, err := p.name()
		if err != nil {
			return "", false, err
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return "", false, p.eof()
		}
		if p.s[p.i] != '=' {
			return "", false, p.errorf(p.i, "attribute %s in <%s> has no value", an, name)
		}
		p.i++
		p.skipSpace()
		if p.i >= len(p.s) {
			return "", false, p.eof()
		}
		q := p.s[p.i]
		if q != '"' && q != '\'' {
			return "", false, p.errorf(p.i, "attribute %s in <%s> is not quoted", an, name)
		}
		p.i++
		end := strings.IndexByte(p.s[p.i:], q)
		if end < 0 {
			return "", false, p.eof()
		}
		raw := p.s[p.i : p.i+end]
		if j := strings.IndexByte(raw, '<'); j >= 0 {
			return "", false, p.errorf(p.i+j, "'<' in value of attribute %s", an)
		}
		val, err := p.unescape(raw, p.i)
		if err != nil {
			return "", false, err
		}
		p.i += end + 1
		if len(p.store)-lo >= maxAttrs {
			return "", false, p.errorf(at, "more than %d attributes in <%s>", maxAttrs, name)
		}
		for _, a := range p.store[lo:] {
			if a.name == an {
				return "", false, p.errorf(at, "attribute %s repeated in <%s>", an, name)
			}
		}
		p.store = append(p.store, attr{an, val})
	}
}

// unescape resolves the references in raw character data found at offset at.
// Without '&' it returns raw itself.
func (p *scanner) unescape(raw string, at int) (string, error) {
	j := strings.IndexByte(raw, '&')
	if j < 0 {
		return raw, nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for j >= 0 {
		b.WriteString(raw[:j])
		raw = raw[j:]
		at += j
		semi := strings.IndexByte(raw, ';')
		if semi < 0 {
			return "", p.errorf(at, "unterminated entity reference")
		}
		ref := raw[1:semi]
		switch ref {
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "amp":
			b.WriteByte('&')
		case "apos":
			b.WriteByte('\'')
		case "quot":
			b.WriteByte('"')
		default:
			r, ok := charRef(ref)
			if !ok {
				return "", p.errorf(at, "invalid entity reference &%s;", truncate(ref, 16))
			}
			b.WriteRune(r)
		}
		raw = raw[semi+1:]
		at += semi + 1
		j = strings.IndexByte(raw, '&')
	}
	b.WriteString(raw)
	return b.String(), nil
}

// checkRefs validates the references in raw character data without decoding.
func (p *scanner) checkRefs(raw string, at int) error {
	for {
		j := strings.IndexByte(raw, '&')
		if j < 0 {
			return nil
		}
		raw = raw[j:]
		at += j
		semi := strings.IndexByte(raw, ';')
		if semi < 0 {
			return p.errorf(at, "unterminated entity reference")
		}
		switch ref := raw[1:semi]; ref {
		case "lt", "gt", "amp", "apos", "quot":
		default:
			if _, ok := charRef(ref); !ok {
				return p.errorf(at, "invalid entity reference &%s;", truncate(ref, 16))
			}
		}
		raw = raw[semi+1:]
		at += semi + 1
	}
}

// charRef decodes the body of a character reference (#65 or #x41) and
// reports whether it names a character XML allows.
func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ref[1] == 'x' {
		if len(ref) < 3 || len(ref) > 10 {
			return 0, false
		}
		n, err = strconv.ParseUint(ref[2:], 16, 32)
	} else {
		if len(ref) > 11 {
			return 0, false
		}
		n, err = strconv.ParseUint(ref[1:], 10, 32)
	}
	if err != nil {
		return 0, false
	}
	r := rune(n)
	ok := r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
	return r, ok
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// endTag reads an end tag; p.i is at its "</".
func (p *scanner) endTag() (string, error) {
	p.i += 2
	name, err := p.name()
	if err != nil {
		return "", err
	}
	p.skipSpace()
	if p.i >= len(p.s) {
		return "", p.eof()
	}
	if p.s[p.i] != '>' {
		return "", p.errorf(p.i, "expected > in </%s>", name)
	}
	p.i++
	return name, nil
}

// markup skips a comment, CDATA section or processing instruction at p.i
// (which is at '<' followed by '!' or '?'). cdata says whether CDATA is
// allowed here (it is not outside the root element).
func (p *scanner) markup(cdata bool) error {
	rest := p.s[p.i:]
	switch {
	case strings.HasPrefix(rest, "<!--"):
		end := strings.Index(rest[4:], "--")
		if end < 0 {
			return p.eof()
		}
		if !strings.HasPrefix(rest[4+end:], "-->") {
			return p.errorf(p.i+4+end, "-- inside a comment")
		}
		p.i += 4 + end + 3
	case strings.HasPrefix(rest, "<![CDATA["):
		if !cdata {
			return p.errorf(p.i, "CDATA section outside the root element")
		}
		end := strings.Index(rest[9:], "]]>")
		if end < 0 {
			return p.eof()
		}
		p.i += 9 + end + 3
	case strings.HasPrefix(rest, "<?"):
		p.i += 2
		target, err := p.name()
		if err != nil {
			return err
		}
		if strings.EqualFold(target, "xml") {
			return p.errorf(p.i-3, "XML declaration not at the start of the document")
		}
		end := strings.Index(p.s[p.i:], "?>")
		if end < 0 {
			return p.eof()
		}
		if end > 0 && !isSpace(p.s[p.i]) {
			return p.errorf(p.i, "invalid processing instruction <?%s", target)
		}
		p.i += end + 2
	case strings.HasPrefix(rest, "<!DOCTYPE"):
		return p.errorf(p.i, "document type declarations are not allowed")
	default:
		return p.errorf(p.i, "invalid markup")
	}
	return nil
}

// prolog skips a byte order mark, the XML declaration, whitespace, comments
// and processing instructions before the root element, leaving p.i at its '<'.
func (p *scanner) prolog() error {
	if strings.HasPrefix(p.s, "\uFEFF") {
		p.i = len("\uFEFF")
	}
	p.skipSpace()
	if strings.HasPrefix(p.s[p.i:], "<?xml") && p.i+5 < len(p.s) && isSpace(p.s[p.i+5]) {
		end := strings.Index(p.s[p.i:], "?>")
		if end < 0 {
			return p.eof()
		}
		p.i += end + 2
	}
	return p.misc()
}

// misc skips whitespace, comments and processing instructions outside the
// root element.
func (p *scanner) misc() error {
	for {
		p.skipSpace()
		if p.i+1 >= len(p.s) || p.s[p.i] != '<' || p.s[p.i+1] != '!' && p.s[p.i+1] != '?' {
			return nil
		}
		if err := p.markup(false); err != nil {
			return err
		}
	}
}

// Results of scanner.next.
const (
	tokStart = iota // at a child start tag (p.i at its '<')
	tokEnd          // the end tag of the current element was consumed
	tokEOF          // end of input in a bare content region
)

// next advances over character data, comments, CDATA sections and processing
// instructions in the content of element parent ("" for a bare content
// region, which ends at the end of input) and stops at a child start tag or
// after parent's end tag. text reports non-whitespace character data (or
// CDATA, comments, processing instructions) on the way.
func (p *scanner) next(parent string) (tok int, text bool, err error) {
	for {
		j := strings.IndexByte(p.s[p.i:], '<')
		if j < 0 {
			j = len(p.s) - p.i
		}
		if j > 0 {
			seg := p.s[p.i : p.i+j]
			if strings.TrimLeft(seg, " \t\r\n") != "" {
				text = true
				if err := p.checkRefs(seg, p.i); err != nil {
					return 0, text, err
				}
			}
			p.i += j
		}
		if p.i >= len(p.s) {
			if parent == "" {
				return tokEOF, text, nil
			}
			return 0, text, p.eof()
		}
		if p.i+1 >= len(p.s) {
			return 0, text, p.eof()
		}
		switch p.s[p.i+1] {
		case '/':
			at := p.i
			name, err := p.endTag()
			if err != nil {
				return 0, text, err
			}
			if name != parent {
				if parent == "" {
					return 0, text, p.errorf(at, "unexpected end tag </%s>", name)
				}
				return 0, text, p.errorf(at, "end tag </%s> does not match <%s>", name, parent)
			}
			return tokEnd, text, nil
		case '!', '?':
			text = true
			if err := p.markup(true); err != nil {
				return 0, text, err
			}
		default:
			return tokStart, text, nil
		}
	}
}

// skip consumes the content and end tag of element name, whose start tag was
// just read, checking that it is well-formed.
func (p *scanner) skip(name string) (text bool, err error) {
	base := len(p.store)
	defer func() { p.store = p.store[:base] }()
	p.stack = append(p.stack[:0], name)
	for len(p.stack) > 0 {
		tok, t, err := p.next(p.stack[len(p.stack)-1])
		text = text || t
		if err != nil {
			return text, err
		}
		if tok == tokEnd {
			p.stack = p.stack[:len(p.stack)-1]
			continue
		}
		text = true
		at := p.i
		child, empty, err := p.startTag()
		p.store = p.store[:base]
		if err != nil {
			return text, err
		}
		if !empty {
			if len(p.stack) >= maxDepth {
				return text, p.errorf(at, "elements nested deeper than %d", maxDepth)
			}
			p.stack = append(p.stack, child)
		}
	}
	return text, nil
}

// collect reads the children of the content of parent ("" for a bare content
// region) into p.children, keeping their attributes in p.store.
func (p *scanner) collect(parent string) error {
	for {
		tok, _, err := p.next(parent)
		if err != nil {
			return err
		}
		if tok != tokStart {
			return nil
		}
		c := child{start: p.i, attrLo: len(p.store)}
		name, empty, err := p.startTag()
		if err != nil {
			return err
		}
		c.name = name
		c.attrHi = len(p.store)
		c.contentLo = p.i
		if !empty {
			if c.content, err = p.skip(name); err != nil {
				return err
			}
			c.contentHi = strings.LastIndex(p.s[:p.i], "</")
		} else {
			c.contentHi = c.contentLo
		}
		c.end = p.i
		p.children = append(p.children, c)
	}
}

// attrsOf returns the attributes of a collected child.
func (p *scanner) attrsOf(c *child) []attr { return p.store[c.attrLo:c.attrHi] }

func lookup(attrs []attr, name string) (string, bool) {
	for _, a := range attrs {
		if a.name == name {
			return a.value, true
		}
	}
	return "", false
}

// text returns the character data (and CDATA) of a content region, decoded,
// including that of nested elements.
func textOf(s string) string {
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '&') < 0 {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		j := strings.IndexByte(s, '<')
		if j < 0 {
			j = len(s)
		}
		b.WriteString(decodeEntities(s[:j]))
		s = s[j:]
		switch {
		case s == "":
		case strings.HasPrefix(s, "<![CDATA["):
			end := strings.Index(s, "]]>")
			b.WriteString(s[9:end])
			s = s[end+3:]
		case strings.HasPrefix(s, "<!--"):
			s = s[strings.Index(s, "-->")+3:]
		case strings.HasPrefix(s, "<?"):
			s = s[strings.Index(s, "?>")+2:]
		default:
			s = s[skipTag(s):]
		}
	}
	return b.String()
}

// skipTag returns the length of the start or end tag at the start of s
// (already known to be well-formed), minding quoted attribute values.
func skipTag(s string) int {
	var q byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '>':
			return i + 1
		}
	}
	return len(s)
}

// decodeEntities resolves references in character data already validated.
func decodeEntities(s string) string {
	var p scanner
	v, err := p.unescape(s, 0)
	if err != nil {
		return s
	}
	return v
}

var errNoEvent = errors.New("cot: no <event> element")
