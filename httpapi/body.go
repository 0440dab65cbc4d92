package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/concord-mission/concord"
)

// readBody reads a request body of one of the accepted media types, at most
// limit bytes, and refuses anything else with a precise problem.
func readBody(r *http.Request, limit int64, accepted ...string) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !slices.Contains(accepted, mt) {
		if ct == "" {
			ct = "none"
		}
		return nil, concord.Errorf(codeUnsupported, "content type must be %s, got %s", joinOr(accepted), ct)
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, concord.Errorf(concord.TooLarge, "request body exceeds the limit of %d bytes", limit)
		}
		return nil, concord.WrapError(concord.Invalid, err, "could not read the request body")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, concord.Errorf(concord.Invalid, "request body is empty")
	}
	return b, nil
}

// decodeJSON reads a JSON body into dst, refusing unknown fields and
// trailing data.
func decodeJSON(r *http.Request, limit int64, dst any) error {
	b, err := readBody(r, limit, "application/json")
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return concord.Errorf(concord.Invalid, "body is not valid: %s", jsonError(err))
	}
	if dec.More() {
		return concord.Errorf(concord.Invalid, "body has data after the JSON value")
	}
	return nil
}

func jsonError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s must be %s, got %s", jsonPath(te.Field), jsonType(te.Type), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of JSON"
	}
	return err.Error()
}

// jsonPath drops the names of embedded Go structs from a decoder's field
// path: every JSON name here is lower case.
func jsonPath(p string) string {
	var out []string
	for _, e := range strings.Split(p, ".") {
		if e != "" && !unicode.IsUpper(rune(e[0])) {
			out = append(out, e)
		}
	}
	return strings.Join(out, ".")
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := ""
	for i, x := range s {
		switch {
		case i == len(s)-1:
			out += " or " + x
		case i > 0:
			out += ", " + x
		default:
			out = x
		}
	}
	return out
}
