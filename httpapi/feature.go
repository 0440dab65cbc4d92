package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/geo"
)

const geoJSONType = "application/geo+json"

// DefaultPageSize is the page size when the client gives no limit.
const DefaultPageSize = 1000

// parseFeatureQuery reads kind, bbox, as_of, limit and cursor, reporting
// every bad parameter at once.
func parseFeatureQuery(r *http.Request) (concord.FeatureQuery, error) {
	q := concord.FeatureQuery{Limit: DefaultPageSize}
	var fe []concord.FieldError
	bad := func(field, format string, args ...any) {
		fe = append(fe, concord.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	v := r.URL.Query()
	if k := v.Get("kind"); k != "" {
		for _, s := range strings.Split(k, ",") {
			kind := concord.FeatureKind(strings.TrimSpace(s))
			if !slices.Contains(concord.FeatureKinds, kind) {
				bad("kind", "unknown feature kind %q; valid kinds are %v", s, concord.FeatureKinds)
				continue
			}
			q.Kinds = append(q.Kinds, kind)
		}
	}
	if b := v.Get("bbox"); b != "" {
		bb, err := geo.ParseBBox(b)
		if err != nil {
			bad("bbox", "%s", err)
		} else {
			q.BBox = &bb
		}
	}
	if a := v.Get("as_of"); a != "" {
		t, err := time.Parse(time.RFC3339, a)
		if err != nil {
			bad("as_of", "must be an RFC 3339 time such as 2026-03-01T08:00:00Z, got %q", a)
		} else {
			q.ActiveAt = &t
		}
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 5000 {
			bad("limit", "must be a whole number from 1 to 5000, got %q", l)
		} else {
			q.Limit = n
		}
	}
	if c := v.Get("cursor"); c != "" {
		if _, err := uuid.Parse(c); err != nil {
			bad("cursor", "is not a cursor this server returned")
		} else {
			q.After = c
		}
	}
	if len(fe) > 0 {
		return q, concord.InvalidFields("invalid query: "+fe[0].Field+": "+fe[0].Reason, fe)
	}
	return q, nil
}

func (s *Server) listFeatures(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	q, err := parseFeatureQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q.DocOnly = true
	page, err := s.svc.ListFeatures(r.Context(), v, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d := s.svc.Access().Directory()
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range page.Features {
		if i > 0 {
			buf.WriteByte(',')
		}
		b := page.Features[i].Doc
		if len(b) == 0 {
			if b, err = page.Features[i].GeoJSON(d); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		buf.Write(b)
	}
	fmt.Fprintf(&buf, `],"count":%d`, len(page.Features))
	if page.Next != "" {
		fmt.Fprintf(&buf, `,"next":%q`, page.Next)
	}
	if s.opts.Exercise != "" {
		fmt.Fprintf(&buf, `,"exercise":%q`, s.opts.Exercise)
	}
	buf.WriteString("}\n")
	writeRaw(w, http.StatusOK, geoJSONType, buf.Bytes())
}

func (s *Server) writeFeature(w http.ResponseWriter, r *http.Request, status int, f concord.Feature) {
	b, err := f.GeoJSON(s.svc.Access().Directory())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, f.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/features/"+f.ID)
	}
	writeRaw(w, status, geoJSONType, append(b, '\n'))
}

func (s *Server) getFeature(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	f, err := s.svc.Feature(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeFeature(w, r, http.StatusOK, f)
}

func (s *Server) readFeatureInput(r *http.Request) (concord.FeatureInput, error) {
	b, err := readBody(r, s.opts.MaxBodyBytes, "application/json", geoJSONType)
	if err != nil {
		return concord.FeatureInput{}, err
	}
	return concord.DecodeFeatureInput(b)
}

func (s *Server) createFeature(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	in, err := s.readFeatureInput(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.svc.CreateFeature(r.Context(), v, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeFeature(w, r, http.StatusCreated, f)
}

// ifMatch reads a version from an If-Match header ("3" or 3).
func ifMatch(r *http.Request) (int, error) {
	h := strings.Trim(strings.TrimPrefix(r.Header.Get("If-Match"), "W/"), `"`)
	if h == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(h)
	if err != nil || n < 1 {
		return 0, concord.Errorf(concord.Invalid, "If-Match must be the feature's version as returned in its ETag, got %q", r.Header.Get("If-Match"))
	}
	return n, nil
}

func (s *Server) updateFeature(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	in, err := s.readFeatureInput(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	im, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Version == 0 {
		in.Version = im
	}
	f, err := s.svc.UpdateFeature(r.Context(), v, r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeFeature(w, r, http.StatusOK, f)
}

func (s *Server) deleteFeature(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	version, err := ifMatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if q := r.URL.Query().Get("version"); q != "" {
		if version, err = strconv.Atoi(q); err != nil || version < 1 {
			s.writeError(w, r, concord.Errorf(concord.Invalid, "version must be a positive whole number, got %q", q))
			return
		}
	}
	if err := s.svc.DeleteFeature(r.Context(), v, r.PathValue("id"), version); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) featureHistory(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	vs, err := s.svc.FeatureHistory(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

// markingCheck is the body of POST /api/markings/check.
type markingCheck struct {
	Marking concord.Marking `json:"marking"`
}

// checkMarking validates a marking and renders its banner and recipients,
// so that a form can show what a marking means before saving.
func (s *Server) checkMarking(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var req markingCheck
	if err := decodeJSON(r, 16384, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	d := s.svc.Access().Directory()
	m, err := d.NormalizeMarking(req.Marking)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"marking": m, "banner": d.Banner(m), "recipients": d.Recipients(m)})
}

var _ = json.Marshal
