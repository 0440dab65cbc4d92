package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cop"
	"github.com/concord-mission/concord/geo"
)

// The live picture endpoints: position reports in, tracks and their trails
// out, a coalescing live stream of tracks, and alerts. Every answer covers
// only the tracks and alerts the viewer may see.

// MaxTrackBatchBytes bounds one ingest request.
const MaxTrackBatchBytes = 16 << 20

// trackInput is one position report as clients send it: a plain object, or
// the properties of a GeoJSON Point feature.
type trackInput struct {
	UID      string           `json:"uid"`
	Callsign string           `json:"callsign"`
	Type     string           `json:"type"`
	Lat      *float64         `json:"lat"`
	Lon      *float64         `json:"lon"`
	HAE      *float64         `json:"hae"`
	CE       *float64         `json:"ce"`
	LE       *float64         `json:"le"`
	Course   *float64         `json:"course"`
	Speed    *float64         `json:"speed"`
	Time     time.Time        `json:"time"`
	Stale    time.Time        `json:"stale"`
	Marking  *concord.Marking `json:"marking"`
}

// geoInput is a GeoJSON Feature carrying a report.
type geoInput struct {
	Type     string `json:"type"`
	ID       any    `json:"id"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties trackInput `json:"properties"`
}

func orUnknown(v *float64) float64 {
	if v == nil {
		return concord.UnknownError
	}
	return *v
}

func (in trackInput) track() (concord.Track, []concord.FieldError) {
	var fe []concord.FieldError
	if in.Lat == nil {
		fe = append(fe, concord.FieldError{Field: "lat", Reason: "is required"})
	}
	if in.Lon == nil {
		fe = append(fe, concord.FieldError{Field: "lon", Reason: "is required"})
	}
	if in.Type == "" {
		in.Type = "a-u-G"
	}
	t := concord.Track{UID: in.UID, Callsign: in.Callsign, Type: in.Type, HAE: orUnknown(in.HAE), CE: orUnknown(in.CE), LE: orUnknown(in.LE),
		Course: in.Course, Speed: in.Speed, Time: in.Time, Stale: in.Stale}
	if in.Lat != nil && in.Lon != nil {
		t.Lat, t.Lon = *in.Lat, *in.Lon
	}
	if in.Marking != nil {
		t.Marking = *in.Marking
	}
	return t, fe
}

// decodeReport reads one report: a plain object or a GeoJSON Point
// feature.
func decodeReport(b []byte) (concord.Track, []concord.FieldError) {
	var probe struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(b, &probe)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if probe.Type == "Feature" {
		var g geoInput
		if err := dec.Decode(&g); err != nil {
			return concord.Track{}, []concord.FieldError{{Field: "report", Reason: jsonError(err)}}
		}
		var c []float64
		if g.Geometry == nil || g.Geometry.Type != "Point" || json.Unmarshal(g.Geometry.Coordinates, &c) != nil || len(c) < 2 || len(c) > 3 {
			return concord.Track{}, []concord.FieldError{{Field: "geometry", Reason: "must be a GeoJSON Point [lon, lat] or [lon, lat, hae]"}}
		}
		g.Properties.Lon, g.Properties.Lat = &c[0], &c[1]
		if len(c) == 3 {
			g.Properties.HAE = &c[2]
		}
		if g.Properties.UID == "" {
			if id, ok := g.ID.(string); ok {
				g.Properties.UID = id
			}
		}
		return g.Properties.track()
	}
	var in trackInput
	if err := dec.Decode(&in); err != nil {
		return concord.Track{}, []concord.FieldError{{Field: "report", Reason: jsonError(err)}}
	}
	return in.track()
}

// reportTracks accepts position reports, all or none: a JSON array of
// reports, a GeoJSON FeatureCollection of Points, or one report (object or
// GeoJSON Feature) per line (application/x-ndjson).
func (s *Server) reportTracks(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.COP == nil {
		s.writeError(w, r, concord.Errorf(concord.Unavailable, "the live picture is not available on this instance"))
		return
	}
	b, err := readBody(r, MaxTrackBatchBytes, "application/json", "application/geo+json", "application/x-ndjson", "application/jsonl")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var items [][]byte
	var where func(i int) string
	mt := strings.SplitN(r.Header.Get("Content-Type"), ";", 2)[0]
	if mt == "application/x-ndjson" || mt == "application/jsonl" {
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var lines []int
		for n := 1; sc.Scan(); n++ {
			if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
				items = append(items, slices.Clone(line))
				lines = append(lines, n)
			}
		}
		if err := sc.Err(); err != nil {
			s.writeError(w, r, concord.Errorf(concord.Invalid, "line %d: %v (a line may hold at most 1 MiB)", len(lines)+1, err))
			return
		}
		where = func(i int) string { return fmt.Sprintf("line %d: ", lines[i]) }
	} else {
		var coll struct {
			Type     string            `json:"type"`
			Features []json.RawMessage `json:"features"`
		}
		trimmed := bytes.TrimSpace(b)
		switch {
		case len(trimmed) > 0 && trimmed[0] == '[':
			var raw []json.RawMessage
			if err := json.Unmarshal(trimmed, &raw); err != nil {
				s.writeError(w, r, concord.Errorf(concord.Invalid, "body is not valid: %s", jsonError(err)))
				return
			}
			for _, x := range raw {
				items = append(items, x)
			}
		case json.Unmarshal(trimmed, &coll) == nil && coll.Type == "FeatureCollection":
			for _, f := range coll.Features {
				items = append(items, f)
			}
		default:
			items = [][]byte{trimmed}
		}
		where = func(i int) string {
			if len(items) == 1 {
				return ""
			}
			return fmt.Sprintf("[%d] ", i)
		}
	}
	ts := make([]concord.Track, 0, len(items))
	var fe []concord.FieldError
	for i, it := range items {
		t, errs := decodeReport(it)
		for _, e := range errs {
			fe = append(fe, concord.FieldError{Field: where(i) + e.Field, Reason: e.Reason})
		}
		ts = append(ts, t)
	}
	if len(fe) > 0 {
		s.writeError(w, r, concord.InvalidFields(fmt.Sprintf("position reports refused: %s%s", fe[0].Field+": ", fe[0].Reason), fe))
		return
	}
	if err := s.opts.COP.Report(r.Context(), v, "http", ts); err != nil {
		s.writeError(w, r, relabel(err, where))
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"accepted": len(ts)})
}

// relabel rewrites the service's "[i] field" error paths with the request's
// own positions (line numbers for NDJSON).
func relabel(err error, where func(int) string) error {
	ce, ok := err.(*concord.Error)
	if !ok || len(ce.Fields) == 0 {
		return err
	}
	fields := make([]concord.FieldError, len(ce.Fields))
	for i, f := range ce.Fields {
		name := f.Field
		idx := 0
		if strings.HasPrefix(name, "[") {
			if end := strings.Index(name, "] "); end > 0 {
				idx, _ = strconv.Atoi(name[1:end])
				name = name[end+2:]
			}
		}
		fields[i] = concord.FieldError{Field: where(idx) + name, Reason: f.Reason}
	}
	return concord.InvalidFields(fmt.Sprintf("position reports refused: %s: %s", fields[0].Field, fields[0].Reason), fields)
}

// trackView is a track as clients receive it, with its banner.
type trackView struct {
	concord.Track
	Banner string `json:"banner"`
	// IsStale says whether the report is no longer current.
	IsStale bool `json:"is_stale"`
}

func (s *Server) trackView(t concord.Track, now time.Time) trackView {
	return trackView{Track: t, Banner: s.svc.Access().Directory().Banner(t.Marking), IsStale: t.IsStale(now)}
}

func (s *Server) trackFilter(r *http.Request) (cop.TrackFilter, error) {
	q := r.URL.Query()
	var f cop.TrackFilter
	if bb := q.Get("bbox"); bb != "" {
		b, err := geo.ParseBBox(bb)
		if err != nil {
			return f, concord.InvalidFields("invalid query: bbox", []concord.FieldError{{Field: "bbox", Reason: concord.ErrorMessage(err)}})
		}
		f.BBox = &b
	}
	f.Parties = concord.ParseMarkingTokens(q.Get("party"))
	for _, t := range strings.Split(q.Get("type"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			if !concord.ValidCoTType(t) {
				return f, concord.InvalidFields("invalid query: type", []concord.FieldError{{Field: "type", Reason: fmt.Sprintf("%q is not a Cursor-on-Target type prefix such as a-f-G", t)}})
			}
			f.Types = append(f.Types, t)
		}
	}
	if c := q.Get("current"); c != "" {
		b, err := strconv.ParseBool(c)
		if err != nil {
			return f, concord.InvalidFields("invalid query: current", []concord.FieldError{{Field: "current", Reason: "must be true or false"}})
		}
		f.Current = b
	}
	return f, nil
}

func (s *Server) listTracks(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.COP == nil {
		writeJSON(w, http.StatusOK, map[string]any{"tracks": []trackView{}})
		return
	}
	f, err := s.trackFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.svc.Now()
	ts := s.opts.COP.Tracks(v, f)
	out := make([]trackView, len(ts))
	for i, t := range ts {
		out[i] = s.trackView(t, now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tracks": out})
}

func (s *Server) getTrack(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.COP == nil {
		s.writeError(w, r, concord.Errorf(concord.NotFound, "track %s not found", r.PathValue("uid")))
		return
	}
	t, err := s.opts.COP.Track(v, r.PathValue("uid"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.trackView(t, s.svc.Now()))
}

func (s *Server) trackHistory(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.COP == nil {
		s.writeError(w, r, concord.Errorf(concord.NotFound, "track %s not found", r.PathValue("uid")))
		return
	}
	q := r.URL.Query()
	now := s.svc.Now()
	from, to := now.Add(-time.Hour), now.Add(time.Minute)
	var fe []concord.FieldError
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if x := q.Get(p.name); x != "" {
			t, err := time.Parse(time.RFC3339, x)
			if err != nil {
				fe = append(fe, concord.FieldError{Field: p.name, Reason: fmt.Sprintf("%q is not an RFC 3339 time", x)})
				continue
			}
			*p.dst = t
		}
	}
	limit := 2000
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 10000 {
			fe = append(fe, concord.FieldError{Field: "limit", Reason: "must be 1 to 10000"})
		}
		limit = n
	}
	if len(fe) > 0 {
		s.writeError(w, r, concord.InvalidFields("invalid query: "+fe[0].Field+" "+fe[0].Reason, fe))
		return
	}
	pts, err := s.opts.COP.History(r.Context(), v, r.PathValue("uid"), from, to, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"uid": r.PathValue("uid"), "from": from.UTC(), "to": to.UTC(), "points": pts})
}

// trackLiveEvery is how often the live track stream sends what changed.
var trackLiveEvery = 500 * time.Millisecond

// trackStream serves the tracks the viewer may see as Server-Sent Events:
// a "tracks.snapshot" of every current track, then every trackLiveEvery a
// "tracks.update" with the latest state of each track that changed (and
// "tracks.withdrawn" for those the viewer may no longer see). Updates
// coalesce per track, so a slow client gets fewer, fresher updates.
func (s *Server) trackStream(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.COP == nil {
		s.writeError(w, r, concord.Errorf(concord.Unavailable, "the live picture is not available on this instance"))
		return
	}
	f, err := s.trackFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	watch := s.opts.COP.Watch(v)
	defer s.opts.COP.Unwatch(watch)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 64<<10)
	flush := func() bool {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return bw.Flush() == nil && rc.Flush() == nil
	}
	send := func(event string, v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(bw, "event: %s\ndata: %s\n\n", event, b)
	}
	now := s.svc.Now()
	snap := s.opts.COP.Tracks(v, f)
	views := make([]trackView, len(snap))
	for i, t := range snap {
		views[i] = s.trackView(t, now)
	}
	fmt.Fprint(bw, "retry: 2000\n")
	send("tracks.snapshot", map[string]any{"tracks": views})
	if !flush() {
		return
	}
	ctx := r.Context()
	tick := time.NewTicker(trackLiveEvery)
	defer tick.Stop()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case <-watch.C:
			pending = true
		case <-beat.C:
			fmt.Fprint(bw, ": ping\n\n")
			if !flush() {
				return
			}
		case <-tick.C:
			if !pending {
				continue
			}
			pending = false
			now := s.svc.Now()
			var upd []trackView
			var gone []string
			for _, u := range watch.Take() {
				switch {
				case u.Withdrawn:
					gone = append(gone, u.Track.UID)
				case f.Keep(&u.Track, now):
					upd = append(upd, s.trackView(u.Track, now))
				}
			}
			if len(upd) > 0 {
				send("tracks.update", map[string]any{"tracks": upd})
				s.metrics.delivered.Add(float64(len(upd)))
			}
			if len(gone) > 0 {
				send("tracks.withdrawn", map[string]any{"uids": gone})
			}
			if !flush() {
				return
			}
		}
	}
}

// alertView is an alert as clients receive it, with its banner.
type alertView struct {
	cop.Alert
	Banner string `json:"banner"`
}

func (s *Server) alertView(a cop.Alert) alertView {
	return alertView{Alert: a, Banner: s.svc.Access().Directory().Banner(a.Marking)}
}

func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.COP == nil {
		writeJSON(w, http.StatusOK, map[string]any{"alerts": []alertView{}})
		return
	}
	q := r.URL.Query()
	var f cop.AlertFilter
	var fe []concord.FieldError
	for _, x := range splitList(q.Get("status")) {
		if x != cop.AlertOpen && x != cop.AlertAcknowledged {
			fe = append(fe, concord.FieldError{Field: "status", Reason: fmt.Sprintf("%q is not open or acknowledged", x)})
		}
		f.Statuses = append(f.Statuses, x)
	}
	for _, x := range splitList(q.Get("severity")) {
		if !slices.Contains(cop.Severities, cop.Severity(x)) {
			fe = append(fe, concord.FieldError{Field: "severity", Reason: fmt.Sprintf("%q is not one of %v", x, cop.Severities)})
		}
		f.Severities = append(f.Severities, cop.Severity(x))
	}
	for _, x := range splitList(q.Get("type")) {
		if !slices.Contains(cop.AlertTypes, cop.AlertType(x)) {
			fe = append(fe, concord.FieldError{Field: "type", Reason: fmt.Sprintf("%q is not one of %v", x, cop.AlertTypes)})
		}
		f.Types = append(f.Types, cop.AlertType(x))
	}
	f.TrackUID = q.Get("track")
	if x := q.Get("since"); x != "" {
		t, err := time.Parse(time.RFC3339, x)
		if err != nil {
			fe = append(fe, concord.FieldError{Field: "since", Reason: fmt.Sprintf("%q is not an RFC 3339 time", x)})
		}
		f.Since = t
	}
	if x := q.Get("limit"); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil || n < 1 || n > 5000 {
			fe = append(fe, concord.FieldError{Field: "limit", Reason: "must be 1 to 5000"})
		}
		f.Limit = n
	}
	if len(fe) > 0 {
		s.writeError(w, r, concord.InvalidFields("invalid query: "+fe[0].Field+" "+fe[0].Reason, fe))
		return
	}
	as := s.opts.COP.Alerts(v, f)
	out := make([]alertView, len(as))
	for i, a := range as {
		out[i] = s.alertView(a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) getAlert(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.COP == nil {
		s.writeError(w, r, concord.Errorf(concord.NotFound, "alert %s not found", r.PathValue("id")))
		return
	}
	a, err := s.opts.COP.Alert(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.alertView(a))
}

func (s *Server) ackAlert(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if s.opts.COP == nil {
		s.writeError(w, r, concord.Errorf(concord.NotFound, "alert %s not found", r.PathValue("id")))
		return
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.opts.COP.Acknowledge(r.Context(), v, r.PathValue("id"), in.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.alertView(a))
}
