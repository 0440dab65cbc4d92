package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
	"github.com/concord-mission/concord/pipeline"
)

// The aid pipeline endpoints: consignments and their stage timelines,
// crossings, KPIs, and HXL CSV import and export. Every answer covers only
// the consignments the viewer may see.

// MaxImportBytes bounds a CSV import's body.
const MaxImportBytes = 64 << 20

func (s *Server) aidFilter(r *http.Request) (aid.Filter, error) {
	q := r.URL.Query()
	var f aid.Filter
	var fe []concord.FieldError
	date := func(name string) time.Time {
		v := q.Get(name)
		if v == "" {
			return time.Time{}
		}
		for _, layout := range []string{"2006-01-02", time.RFC3339} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC()
			}
		}
		fe = append(fe, concord.FieldError{Field: name, Reason: fmt.Sprintf("%q is not a date (2006-01-02 or RFC 3339)", v)})
		return time.Time{}
	}
	f.From, f.To = date("from"), date("to")
	f.Crossing, f.Org = q.Get("crossing"), strings.ToUpper(q.Get("org"))
	if c := q.Get("category"); c != "" {
		f.Category = aid.Category(c)
		if !slices.Contains(aid.Categories, f.Category) {
			fe = append(fe, concord.FieldError{Field: "category", Reason: fmt.Sprintf("unknown category %q; valid categories are %v", c, aid.Categories)})
		}
	}
	if len(fe) > 0 {
		return f, concord.InvalidFields("invalid query: "+fe[0].Field+" "+fe[0].Reason, fe)
	}
	return f, nil
}

// kpiRange defaults the range to the last 30 days and bounds it to a year.
func (s *Server) kpiRange(f aid.Filter) (aid.Filter, error) {
	today := s.svc.Now().UTC().Truncate(24 * time.Hour)
	if f.To.IsZero() {
		f.To = today.AddDate(0, 0, 1)
	}
	if f.From.IsZero() {
		f.From = f.To.AddDate(0, 0, -30)
	}
	if !f.To.After(f.From) {
		return f, concord.InvalidFields("invalid query: to must be after from", []concord.FieldError{{Field: "to", Reason: "must be after from"}})
	}
	if f.To.Sub(f.From) > 366*24*time.Hour {
		return f, concord.InvalidFields("invalid query: the range is longer than 366 days", []concord.FieldError{{Field: "from", Reason: "at most 366 days before to"}})
	}
	return f, nil
}

func (s *Server) listConsignments(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	f, err := s.aidFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := pipeline.ListQuery{Filter: f, After: r.URL.Query().Get("cursor")}
	for _, st := range strings.Split(r.URL.Query().Get("status"), ",") {
		if st = strings.TrimSpace(st); st == "" {
			continue
		}
		if !slices.Contains(aid.Stages, aid.Stage(st)) {
			s.writeError(w, r, concord.InvalidFields("invalid query: unknown status "+st, []concord.FieldError{{Field: "status", Reason: fmt.Sprintf("valid statuses are %v", aid.Stages)}}))
			return
		}
		q.Statuses = append(q.Statuses, aid.Stage(st))
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, r, concord.InvalidFields("invalid query: limit must be 1 to 1000", []concord.FieldError{{Field: "limit", Reason: "must be 1 to 1000"}}))
			return
		}
		q.Limit = n
	}
	list, next := s.aid.List(v, q)
	writeJSON(w, http.StatusOK, map[string]any{"consignments": list, "next": next})
}

func (s *Server) createConsignment(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var in pipeline.CreateInput
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.aid.Create(r.Context(), v, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/consignments/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getConsignment(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	c, err := s.aid.Get(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// stageInput is one stage event, or several under "events".
type stageInput struct {
	aid.Event
	Events []aid.Event `json:"events"`
}

func (s *Server) appendStage(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var in stageInput
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	evs := in.Events
	if len(evs) == 0 {
		evs = []aid.Event{in.Event}
	} else if in.Stage != "" {
		s.writeError(w, r, concord.Errorf(concord.Invalid, "send one event or a list under events, not both"))
		return
	}
	if len(evs) > 100 {
		s.writeError(w, r, concord.Errorf(concord.TooLarge, "at most 100 events at once; use the CSV import for more"))
		return
	}
	c, err := s.aid.Append(r.Context(), v, r.PathValue("id"), evs...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) aidKPIs(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	f, err := s.aidFilter(r)
	if err == nil {
		f, err = s.kpiRange(f)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.aid.KPIs(v, f))
}

func (s *Server) listCrossings(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	cs, err := s.aid.Crossings(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"crossings": cs})
}

func (s *Server) setCrossing(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var in pipeline.CrossingInput
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.aid.SetCrossing(r.Context(), v, r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) importConsignments(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	mode := r.URL.Query().Get("mode")
	if mode != "" && mode != "all" && mode != "valid_only" {
		s.writeError(w, r, concord.InvalidFields("invalid query: mode must be all or valid_only", []concord.FieldError{{Field: "mode", Reason: "all (default) or valid_only"}}))
		return
	}
	b, err := readBody(r, MaxImportBytes, "text/csv")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.aid.Import(r.Context(), v, bytes.NewReader(b), pipeline.ImportOptions{ValidOnly: mode == "valid_only"})
	if err != nil {
		if errors.Is(err, pipeline.ErrRejected) {
			// Every row's problem, with its line and column.
			var fe []concord.FieldError
			for _, e := range res.Errors[:min(len(res.Errors), 1000)] {
				fe = append(fe, concord.FieldError{Field: fmt.Sprintf("line %d", e.Line) + colSuffix(e.Column), Reason: e.Reason})
			}
			err = concord.InvalidFields(concord.ErrorMessage(err), fe)
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func colSuffix(c string) string {
	if c == "" {
		return ""
	}
	return ", column " + c
}

func (s *Server) exportCSV(what string) func(http.ResponseWriter, *http.Request, concord.Viewer) {
	return func(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
		f, err := s.aidFilter(r)
		if err == nil && what == "kpis" {
			f, err = s.kpiRange(f)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var buf bytes.Buffer
		switch what {
		case "consignments":
			_, err = s.aid.ExportConsignments(r.Context(), v, f, &buf)
		case "events":
			_, err = s.aid.ExportEvents(r.Context(), v, f, &buf)
		default:
			err = s.aid.ExportKPIs(v, f, &buf)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="concord-%s.csv"`, what))
		writeRaw(w, http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
}

// aidVocabulary lists the pipeline's stages, categories and inspection
// modes for clients.
func (s *Server) aidVocabulary(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	b, _ := json.Marshal(map[string]any{"stages": aid.Stages, "categories": aid.Categories, "inspection_modes": pipeline.InspectionModes,
		"target_trucks": s.aid.Target()})
	writeRaw(w, http.StatusOK, "application/json", b)
}
