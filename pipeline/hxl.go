package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/aid"
)

// column is one field the CSV files know, with its HXL hashtag.
type column struct {
	name string
	tag  string
}

// The columns of consignment and stage-event files, in export order.
// Imports accept the HXL hashtag (attributes in any order) or the name.
var (
	consignmentColumns = []column{
		{"ref", "#meta+id"}, {"ref_un2720", "#meta+ref+un2720"}, {"ref_waybill", "#meta+ref+waybill"}, {"ref_clearance", "#meta+ref+clearance"},
		{"sender", "#org+prog"}, {"implementer", "#org+impl"}, {"category", "#sector+cluster"}, {"corridor", "#loc+corridor"},
		{"origin", "#loc+origin+name"}, {"crossing", "#loc+crossing+name"}, {"destination", "#loc+dest+name"}, {"region", "#adm1+dest+region"},
		{"priority", "#priority"}, {"trucks", "#output+trucks+num"}, {"tonnes", "#value+tonnes"}, {"pallets", "#output+pallets+num"},
		{"litres", "#value+litres"}, {"item_code", "#item+code"}, {"item_name", "#item+name"}, {"registered_at", "#date+registered"},
		{"status", "#status+code"}, {"rel", "#meta+rel"},
	}
	eventColumns = []column{
		{"consignment", "#meta+id"}, {"ref_un2720", "#meta+ref+un2720"}, {"ref_waybill", "#meta+ref+waybill"}, {"ref_clearance", "#meta+ref+clearance"},
		{"stage", "#status+stage"}, {"at", "#date"}, {"crossing", "#loc+crossing+name"}, {"org", "#org+impl"}, {"trucks", "#output+trucks+num"},
		{"tonnes", "#value+tonnes"}, {"pallets", "#output+pallets+num"}, {"litres", "#value+litres"}, {"damaged_tonnes", "#value+tonnes+damaged"},
		{"reason", "#status+reason"}, {"kind", "#status+kind"}, {"items", "#item+name+rejected"}, {"place", "#loc+name"},
		{"evidence", "#meta+evidence"}, {"supersedes", "#meta+supersedes"}, {"party", "#org+recorder"},
	}
)

// normTag puts a hashtag's attributes in order: "#value +tonnes" and
// "#value+TONNES" are the same column.
func normTag(t string) string {
	t = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(t), " ", ""))
	parts := strings.Split(t, "+")
	attrs := parts[1:]
	slices.Sort(attrs)
	return strings.Join(append(parts[:1], attrs...), "+")
}

// Limits of an import.
const (
	MaxImportColumns = 200
	MaxImportRows    = 1_000_000
)

// RowError is one problem of an import: where and why.
type RowError struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (e RowError) String() string {
	if e.Column != "" {
		return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// ImportOptions configure an import.
type ImportOptions struct {
	// ValidOnly imports the valid rows and reports the others; by default
	// one bad row refuses the whole file.
	ValidOnly bool
	// Progress, if set, is called as rows are checked and written.
	Progress func(stage string, done, total int)
}

// ImportResult reports an import.
type ImportResult struct {
	Kind         string     `json:"kind"` // consignments or events
	Rows         int        `json:"rows"`
	Consignments int        `json:"consignments_created"`
	Events       int        `json:"events_recorded"`
	Skipped      int        `json:"skipped_duplicates"`
	Rejected     int        `json:"rows_rejected"`
	Errors       []RowError `json:"errors"`
	Ignored      []string   `json:"ignored_columns"`
	// RejectedLines are the rejected rows' line numbers (for a rejects
	// file).
	RejectedLines []int `json:"-"`
}

// ErrRejected is returned (wrapped in an invalid error) when an
// all-or-nothing import found bad rows; the result lists them.
var ErrRejected = errors.New("the file has invalid rows; nothing was imported")

type table struct {
	header []string // as written
	tags   map[string]int
	rows   [][]string
	first  int // line number of rows[0]
}

func (t *table) get(row []string, name string) string {
	if i, ok := t.tags[name]; ok && i < len(row) {
		return strings.TrimSpace(row[i])
	}
	return ""
}

func (t *table) has(name string) bool { _, ok := t.tags[name]; return ok }

// readTable reads a CSV file: UTF-8 (a byte-order mark is dropped), a
// header of names, an HXL hashtag row (first or second row), or both.
func readTable(r io.Reader, cols []column) (*table, []string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, concord.Errorf(concord.Invalid, "the file is empty")
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		return nil, nil, concord.Errorf(concord.Invalid, "line %d is not UTF-8: save the file as UTF-8 CSV", line)
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	var recs [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, concord.Errorf(concord.Invalid, "line %d: %v", pe.Line, pe.Err)
			}
			return nil, nil, concord.WrapError(concord.Invalid, err, "not a CSV file")
		}
		if len(rec) > MaxImportColumns {
			return nil, nil, concord.Errorf(concord.TooLarge, "line %d has %d columns; at most %d", len(recs)+1, len(rec), MaxImportColumns)
		}
		if len(recs) > MaxImportRows+2 {
			return nil, nil, concord.Errorf(concord.TooLarge, "more than %d rows; split the file", MaxImportRows)
		}
		recs = append(recs, rec)
	}
	isTags := func(rec []string) bool {
		n := 0
		for _, c := range rec {
			if strings.HasPrefix(strings.TrimSpace(c), "#") {
				n++
			}
		}
		return n > 0 && n*2 >= len(rec)
	}
	t := &table{tags: map[string]int{}}
	byTag, byName := map[string]string{}, map[string]string{}
	for _, c := range cols {
		byTag[normTag(c.tag)] = c.name
		byName[c.name] = c.name
	}
	var ignored []string
	mapRow := func(rec []string, lookup map[string]string, norm func(string) string) {
		for i, h := range rec {
			if name, ok := lookup[norm(h)]; ok {
				if _, dup := t.tags[name]; !dup {
					t.tags[name] = i
				}
			} else if strings.TrimSpace(h) != "" {
				ignored = append(ignored, strings.TrimSpace(h))
			}
		}
	}
	switch {
	case isTags(recs[0]):
		t.header, t.rows, t.first = recs[0], recs[1:], 2
		mapRow(recs[0], byTag, normTag)
	case len(recs) > 1 && isTags(recs[1]):
		t.header, t.rows, t.first = recs[0], recs[2:], 3
		mapRow(recs[1], byTag, normTag)
	default:
		t.header, t.rows, t.first = recs[0], recs[1:], 2
		mapRow(recs[0], byName, func(s string) string { return strings.ToLower(strings.TrimSpace(s)) })
	}
	if len(t.tags) == 0 {
		return nil, nil, concord.Errorf(concord.Invalid, "missing header: the first row must name the columns (e.g. %s) or carry HXL hashtags (e.g. %s)", cols[0].name, cols[0].tag)
	}
	return t, ignored, nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func number(t *table, row []string, name string, errs *[]RowError, line int) float64 {
	s := t.get(row, name)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil || v != v {
		*errs = append(*errs, RowError{line, name, fmt.Sprintf("%q is not a number", s)})
		return 0
	}
	if v < 0 {
		*errs = append(*errs, RowError{line, name, fmt.Sprintf("%g is negative", v)})
	}
	return v
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (use 2006-01-02 or RFC 3339)", s)
}

func refsOf(t *table, row []string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"un2720", "waybill", "clearance"} {
		if v := t.get(row, "ref_"+k); v != "" {
			out[k] = v
		}
	}
	return out
}

// fieldColumn maps a validation error's field to the import column.
func fieldColumn(field string) string {
	switch {
	case strings.HasPrefix(field, "planned"):
		return "tonnes"
	case strings.HasPrefix(field, "lines"):
		return "item_name"
	case strings.HasPrefix(field, "marking"):
		return "rel"
	case field == "external_refs":
		return "ref_un2720"
	case field == "at":
		return "at"
	}
	return field
}

func rowErrors(err error, line int) []RowError {
	var ce *concord.Error
	if errors.As(err, &ce) && len(ce.Fields) > 0 {
		var out []RowError
		for _, f := range ce.Fields {
			out = append(out, RowError{line, fieldColumn(f.Field), f.Reason})
		}
		return out
	}
	if errors.As(err, &ce) {
		return []RowError{{Line: line, Reason: ce.Message}}
	}
	return []RowError{{Line: line, Reason: err.Error()}}
}

// Import reads a consignment or stage-event CSV file (detected from its
// columns: a stage column makes it an events file) and records it as v.
func (s *Service) Import(ctx context.Context, v concord.Viewer, r io.Reader, opts ImportOptions) (ImportResult, error) {
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	all := append(slices.Clone(consignmentColumns), eventColumns...)
	var cols []column
	for _, c := range all {
		if !slices.ContainsFunc(cols, func(x column) bool { return x.name == c.name }) {
			cols = append(cols, c)
		}
	}
	t, ignored, err := readTable(r, cols)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Rows: len(t.rows), Ignored: ignored, Errors: []RowError{}}
	if res.Ignored == nil {
		res.Ignored = []string{}
	}
	refs, err := s.refs(ctx)
	if err != nil {
		return res, err
	}
	var writes []concord.RecordWrite
	var entries []*entry
	if t.has("stage") {
		res.Kind = "events"
		writes, entries, err = s.importEvents(v, t, refs, &res, progress)
	} else {
		res.Kind = "consignments"
		writes, entries, err = s.importConsignments(v, t, refs, &res, progress)
	}
	if err != nil {
		return res, err
	}
	slices.SortFunc(res.Errors, func(a, b RowError) int { return cmp.Compare(a.Line, b.Line) })
	res.Rejected = len(res.RejectedLines)
	if res.Rejected > 0 && !opts.ValidOnly {
		return res, concord.WrapError(concord.Invalid, ErrRejected, fmt.Sprintf("%d of %d rows are invalid (first: %s); nothing was imported", res.Rejected, res.Rows, res.Errors[0]))
	}
	progress("writing", 0, len(writes))
	if err := s.write(ctx, writes, entries); err != nil {
		return res, err
	}
	progress("writing", len(writes), len(writes))
	return res, nil
}

// checkedRow is one consignment row after its checks: its problems, or
// the consignment and the write that would register it.
type checkedRow struct {
	errs  []RowError
	entry *entry
	write concord.RecordWrite
	fatal error
}

func (s *Service) importConsignments(v concord.Viewer, t *table, refs *refs, res *ImportResult, progress func(string, int, int)) ([]concord.RecordWrite, []*entry, error) {
	for _, need := range []string{"sender", "crossing", "category"} {
		if !t.has(need) {
			return nil, nil, concord.Errorf(concord.Invalid, "missing column %s (%s)", need, tagOf(need))
		}
	}
	now := s.core.Now()
	// Rows are checked on every core; duplicates are then found in file
	// order.
	rows := make([]checkedRow, len(t.rows))
	eachChunk(len(t.rows), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rows[i] = s.checkConsignmentRow(v, t, t.rows[i], t.first+i, refs, now)
		}
	}, func(done int) { progress("checking", done, len(t.rows)) })
	var writes []concord.RecordWrite
	var entries []*entry
	seen := map[string]*entry{}
	for i, r := range rows {
		line := t.first + i
		if r.fatal != nil {
			return nil, nil, r.fatal
		}
		if len(r.errs) > 0 {
			res.Errors = append(res.Errors, r.errs...)
			res.RejectedLines = append(res.RejectedLines, line)
			continue
		}
		e := r.entry
		key := e.doc.externalKey()
		prior := seen[key]
		if prior == nil {
			prior = s.idx.byExternal(key)
		}
		if prior != nil {
			if diff := headerDiff(prior.doc.Consignment, e.doc.Consignment); diff != "" {
				res.Errors = append(res.Errors, RowError{line, "ref_un2720", fmt.Sprintf("external reference %s already names a consignment with different content (%s)", key, diff)})
				res.RejectedLines = append(res.RejectedLines, line)
			} else {
				res.Skipped++
			}
			continue
		}
		seen[key] = e
		writes, entries = append(writes, r.write), append(entries, e)
		res.Consignments++
		res.Events++
	}
	return writes, entries, nil
}

// checkConsignmentRow reads and checks one consignment row; it may run on
// several goroutines at once.
func (s *Service) checkConsignmentRow(v concord.Viewer, t *table, row []string, line int, refs *refs, now time.Time) checkedRow {
	var errs []RowError
	in := CreateInput{Consignment: aid.Consignment{
		Ref: t.get(row, "ref"), ExternalRefs: refsOf(t, row), Sender: t.get(row, "sender"), Implementer: t.get(row, "implementer"),
		Category: aid.Category(strings.ToLower(t.get(row, "category"))), Corridor: t.get(row, "corridor"), Origin: t.get(row, "origin"),
		Crossing: t.get(row, "crossing"), Destination: t.get(row, "destination"),
		Planned: aid.Qty{Trucks: number(t, row, "trucks", &errs, line), Tonnes: number(t, row, "tonnes", &errs, line),
			Pallets: number(t, row, "pallets", &errs, line), Litres: number(t, row, "litres", &errs, line)},
	}}
	if p := t.get(row, "priority"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			errs = append(errs, RowError{line, "priority", fmt.Sprintf("%q is not a whole number", p)})
		}
		in.Priority = n
	}
	if name := t.get(row, "item_name"); name != "" {
		in.Lines = []aid.Line{{ItemCode: t.get(row, "item_code"), ItemName: name, Category: in.Category, Quantity: in.Planned.Tonnes, Unit: "t", WeightKg: in.Planned.Tonnes * 1000}}
	}
	if at := t.get(row, "registered_at"); at != "" {
		ts, err := parseTime(at)
		if err != nil {
			errs = append(errs, RowError{line, "registered_at", err.Error()})
		}
		in.RegisteredAt = ts
	}
	if rel := t.get(row, "rel"); rel != "" {
		in.Marking = concord.Marking{Owner: strings.ToUpper(in.Sender), Rel: strings.FieldsFunc(rel, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })}
	}
	if len(in.ExternalRefs) == 0 {
		errs = append(errs, RowError{line, "ref_un2720", "an imported consignment needs an external reference (UN2720, waybill or clearance number) so that importing the file again creates no duplicates"})
	}
	if len(errs) > 0 {
		return checkedRow{errs: errs}
	}
	e, err := s.prepare(v, in, refs, now)
	if err != nil {
		return checkedRow{errs: rowErrors(err, line)}
	}
	w, err := s.recordWrite(v, e, 0, concord.VerbCreated, EventData{Consignment: &e.doc.Consignment, Events: e.doc.Events, Status: e.status})
	return checkedRow{entry: e, write: w, fatal: err}
}

// eachChunk calls fn for consecutive chunks of [0, n) on every core, and
// done (one call at a time) with how many items are finished.
func eachChunk(n int, fn func(lo, hi int), done func(int)) {
	const chunk = 1000
	var next atomic.Int64
	var mu sync.Mutex // guards finished and done
	finished := 0
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				lo := int(next.Add(chunk)) - chunk
				if lo >= n {
					return
				}
				hi := min(lo+chunk, n)
				fn(lo, hi)
				mu.Lock()
				finished += hi - lo
				done(finished)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// headerDiff names the first header field in which two consignments differ.
func headerDiff(a, b aid.Consignment) string {
	for _, f := range []struct {
		name string
		x, y any
	}{
		{"sender", a.Sender, b.Sender}, {"implementer", a.Implementer, b.Implementer}, {"category", a.Category, b.Category},
		{"crossing", a.Crossing, b.Crossing}, {"destination", a.Destination, b.Destination}, {"trucks", a.Planned.Trucks, b.Planned.Trucks},
		{"tonnes", a.Planned.Tonnes, b.Planned.Tonnes}, {"pallets", a.Planned.Pallets, b.Planned.Pallets}, {"litres", a.Planned.Litres, b.Planned.Litres},
		{"priority", a.Priority, b.Priority}, {"external references", fmt.Sprint(a.ExternalRefs), fmt.Sprint(b.ExternalRefs)},
	} {
		if fmt.Sprint(f.x) != fmt.Sprint(f.y) {
			return fmt.Sprintf("%s %v, not %v", f.name, f.x, f.y)
		}
	}
	return ""
}

func tagOf(name string) string {
	for _, c := range append(slices.Clone(consignmentColumns), eventColumns...) {
		if c.name == name {
			return c.tag
		}
	}
	return ""
}

// eventRow is one stage-event row: its problems, or the consignment it
// names and the event; skipped if the timeline already holds the event.
type eventRow struct {
	errs    []RowError
	entry   *entry
	ev      aid.Event
	skipped bool
}

func (s *Service) importEvents(v concord.Viewer, t *table, refs *refs, res *ImportResult, progress func(string, int, int)) ([]concord.RecordWrite, []*entry, error) {
	now := s.core.Now()
	if !t.has("at") {
		return nil, nil, concord.Errorf(concord.Invalid, "missing column at (%s)", tagOf("at"))
	}
	if !t.has("consignment") && !t.has("ref_un2720") && !t.has("ref_waybill") && !t.has("ref_clearance") {
		return nil, nil, concord.Errorf(concord.Invalid, "missing column: name the consignment by consignment (#meta+id) or an external reference (#meta+ref+un2720)")
	}
	// Rows are read on every core; then each consignment's rows are
	// checked against its timeline in file order, consignments spread
	// over the cores.
	rows := make([]eventRow, len(t.rows))
	eachChunk(len(t.rows), func(lo, hi int) {
		vis := s.visibility(v) // it caches, so one per goroutine
		for i := lo; i < hi; i++ {
			rows[i] = s.readEventRow(t, t.rows[i], t.first+i, vis)
		}
	}, func(done int) { progress("reading", done, len(t.rows)) })
	type work struct {
		orig, cur *entry
		added     []aid.Event
		rows      []int
	}
	works := map[string]*work{}
	var order []*work
	for i, r := range rows {
		if len(r.errs) > 0 {
			continue
		}
		w := works[r.entry.doc.ID]
		if w == nil {
			w = &work{orig: r.entry, cur: r.entry}
			works[r.entry.doc.ID] = w
			order = append(order, w)
		}
		w.rows = append(w.rows, i)
	}
	eachChunk(len(order), func(lo, hi int) {
		for _, w := range order[lo:hi] {
			for _, i := range w.rows {
				r := &rows[i]
				next, added, err := s.stage(v, w.cur, []aid.Event{r.ev}, refs, now)
				if err != nil {
					for _, re := range rowErrors(err, t.first+i) {
						if re.Column == "" {
							re.Column = "stage"
						}
						r.errs = append(r.errs, re)
					}
					continue
				}
				if len(added) == 0 {
					r.skipped = true
					continue
				}
				next.version = w.orig.version + 1
				w.cur, w.added = next, append(w.added, added...)
			}
		}
	}, func(done int) { progress("checking", done, len(order)) })
	for i, r := range rows {
		switch {
		case len(r.errs) > 0:
			res.Errors = append(res.Errors, r.errs...)
			res.RejectedLines = append(res.RejectedLines, t.first+i)
		case r.skipped:
			res.Skipped++
		default:
			res.Events++
		}
	}
	var writes []concord.RecordWrite
	var entries []*entry
	for _, w := range order {
		if len(w.added) == 0 {
			continue
		}
		rw, err := s.recordWrite(v, w.cur, w.orig.version, "staged", EventData{Events: w.added, Status: w.cur.status})
		if err != nil {
			return nil, nil, err
		}
		writes, entries = append(writes, rw), append(entries, w.cur)
	}
	return writes, entries, nil
}

// readEventRow reads one stage-event row and finds its consignment among
// those vis sees; it may run on several goroutines at once.
func (s *Service) readEventRow(t *table, row []string, line int, vis *visibility) eventRow {
	var e *entry
	if id := t.get(row, "consignment"); id != "" {
		e = s.idx.get(id)
		if e == nil {
			e = s.byRef(id)
		}
	} else {
		for k, val := range refsOf(t, row) {
			if e = s.idx.byExternal(k + ":" + val); e != nil {
				break
			}
		}
	}
	if e == nil || !vis.sees(e) {
		return eventRow{errs: []RowError{{line, "consignment", "no such consignment"}}}
	}
	var errs []RowError
	ev := aid.Event{Stage: aid.Stage(strings.ToLower(t.get(row, "stage"))), Place: t.get(row, "place"), Reason: t.get(row, "reason"),
		Kind: strings.ToLower(t.get(row, "kind")), Evidence: t.get(row, "evidence"), Supersedes: t.get(row, "supersedes"),
		Qty: aid.Qty{Trucks: number(t, row, "trucks", &errs, line), Tonnes: number(t, row, "tonnes", &errs, line), Pallets: number(t, row, "pallets", &errs, line),
			Litres: number(t, row, "litres", &errs, line), Damaged: number(t, row, "damaged_tonnes", &errs, line)}}
	if items := t.get(row, "items"); items != "" {
		ev.Items = strings.Split(items, ";")
	}
	at, err := parseTime(t.get(row, "at"))
	if err != nil {
		errs = append(errs, RowError{line, "at", err.Error()})
	}
	ev.At = at
	return eventRow{errs: errs, entry: e, ev: ev}
}

// byRef finds a consignment by its Concord reference (CRS-…).
func (s *Service) byRef(ref string) *entry {
	var hit *entry
	s.idx.each(func(e *entry) bool {
		if strings.EqualFold(e.doc.Ref, ref) {
			hit = e
			return false
		}
		return true
	})
	return hit
}

// ExportConsignments writes the consignments v may see that match the
// filter as HXL-tagged CSV: a header row, a hashtag row, one row each.
func (s *Service) ExportConsignments(ctx context.Context, v concord.Viewer, f aid.Filter, w io.Writer) (int, error) {
	names := s.siteNames(ctx)
	cw := csv.NewWriter(w)
	writeHeader(cw, consignmentColumns)
	n := 0
	vis := s.visibility(v)
	s.idx.each(func(e *entry) bool {
		if !vis.sees(e) || !f.Match(&e.doc.Consignment) || !inRange(e, f) {
			return true
		}
		c := e.doc.Consignment
		item, code := "", ""
		if len(c.Lines) > 0 {
			item, code = c.Lines[0].ItemName, c.Lines[0].ItemCode
		}
		reg := ""
		if len(e.eff) > 0 {
			reg = e.eff[0].At.Format(time.RFC3339)
		}
		_ = cw.Write([]string{c.Ref, c.ExternalRefs["un2720"], c.ExternalRefs["waybill"], c.ExternalRefs["clearance"], c.Sender, c.Implementer,
			string(c.Category), c.Corridor, c.Origin, names[c.Crossing], names[c.Destination], c.Region, strconv.Itoa(c.Priority),
			num(c.Planned.Trucks), num(c.Planned.Tonnes), num(c.Planned.Pallets), num(c.Planned.Litres), code, item, reg, string(e.status),
			strings.Join(e.marking.Rel, ";")})
		n++
		return true
	})
	cw.Flush()
	return n, cw.Error()
}

// ExportEvents writes the stage events (effective ones) of the
// consignments v may see, in the range, as HXL-tagged CSV.
func (s *Service) ExportEvents(ctx context.Context, v concord.Viewer, f aid.Filter, w io.Writer) (int, error) {
	names := s.siteNames(ctx)
	cw := csv.NewWriter(w)
	writeHeader(cw, eventColumns)
	n := 0
	vis := s.visibility(v)
	s.idx.each(func(e *entry) bool {
		if !vis.sees(e) || !f.Match(&e.doc.Consignment) {
			return true
		}
		c := e.doc.Consignment
		for _, ev := range e.eff {
			if (!f.From.IsZero() && ev.At.Before(f.From)) || (!f.To.IsZero() && !ev.At.Before(f.To)) {
				continue
			}
			_ = cw.Write([]string{c.Ref, c.ExternalRefs["un2720"], c.ExternalRefs["waybill"], c.ExternalRefs["clearance"], string(ev.Stage),
				ev.At.Format(time.RFC3339), names[c.Crossing], c.Implementer, num(ev.Qty.Trucks), num(ev.Qty.Tonnes), num(ev.Qty.Pallets), num(ev.Qty.Litres),
				num(ev.Qty.Damaged), ev.Reason, ev.Kind, strings.Join(ev.Items, ";"), ev.Place, ev.Evidence, ev.Supersedes, ev.Party})
			n++
		}
		return true
	})
	cw.Flush()
	return n, cw.Error()
}

// ExportKPIs writes the daily indicators as HXL-tagged CSV.
func (s *Service) ExportKPIs(v concord.Viewer, f aid.Filter, w io.Writer) error {
	k := s.KPIs(v, f)
	cw := csv.NewWriter(w)
	cols := []column{{"date", "#date"}, {"trucks_entered", "#indicator+trucks+entered+num"}, {"tonnes_entered", "#indicator+tonnes+entered"},
		{"fuel_litres_entered", "#indicator+fuel+litres"}, {"trucks_collected", "#indicator+trucks+collected+num"}, {"tonnes_collected", "#indicator+tonnes+collected"},
		{"trucks_delivered", "#indicator+trucks+delivered+num"}, {"tonnes_delivered", "#indicator+tonnes+delivered"},
		{"tonnes_intercepted", "#indicator+tonnes+intercepted"}, {"rejections", "#indicator+rejections+num"}, {"target_trucks", "#targeted+trucks+num"},
		{"met_target", "#indicator+met+bool"}}
	writeHeader(cw, cols)
	for _, d := range k.Days {
		_ = cw.Write([]string{d.Date, num(d.Entered.Trucks), num(d.Entered.Tonnes), num(d.FuelLitres), num(d.Collected.Trucks), num(d.Collected.Tonnes),
			num(d.Delivered.Trucks), num(d.Delivered.Tonnes), num(d.Intercepted.Tonnes), strconv.Itoa(d.Rejected), num(k.TargetTrucks), strconv.FormatBool(d.MetTarget)})
	}
	cw.Flush()
	return cw.Error()
}

func writeHeader(cw *csv.Writer, cols []column) {
	names, tags := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		names[i], tags[i] = c.name, c.tag
	}
	_ = cw.Write(names)
	_ = cw.Write(tags)
}

func num(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func inRange(e *entry, f aid.Filter) bool {
	if len(e.eff) == 0 {
		return false
	}
	return (f.From.IsZero() || !e.eff[len(e.eff)-1].At.Before(f.From)) && (f.To.IsZero() || e.eff[0].At.Before(f.To))
}

// siteNames maps site ids to names for exports.
func (s *Service) siteNames(ctx context.Context) map[string]string {
	r, err := s.refs(ctx)
	out := map[string]string{}
	if err != nil {
		return out
	}
	for id, f := range r.sites {
		out[id] = f.Name
	}
	return out
}
