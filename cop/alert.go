package cop

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/concord-mission/concord"
)

// KindAlert is the record and event kind of alerts.
const KindAlert = "alert"

// AlertType is what the geofencer saw.
type AlertType string

// The alert types.
const (
	AlertEnter        AlertType = "enter"
	AlertExit         AlertType = "exit"
	AlertSectorChange AlertType = "sector_change"
	AlertCross        AlertType = "cross"
	AlertOffRoute     AlertType = "off_route"
	AlertBackOnRoute  AlertType = "back_on_route"
	AlertArrived      AlertType = "arrived"
	AlertStale        AlertType = "stale"
)

// AlertTypes lists every alert type.
var AlertTypes = []AlertType{AlertEnter, AlertExit, AlertSectorChange, AlertCross, AlertOffRoute, AlertBackOnRoute, AlertArrived, AlertStale}

// Severity says how urgently an alert needs attention.
type Severity string

// The severities, most urgent first.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Severities lists every severity, most urgent first.
var Severities = []Severity{SeverityCritical, SeverityWarning, SeverityInfo}

// The alert statuses.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
)

// Alert is something the live picture noticed about a track: it entered or
// left an area, changed sector, crossed a control line, left its
// movement's route, arrived, or went silent. Its marking releases it only
// to the parties that may see both the track and the zone it names.
type Alert struct {
	ID       string    `json:"id"`
	Type     AlertType `json:"type"`
	Severity Severity  `json:"severity"`
	Message  string    `json:"message"`
	TrackUID string    `json:"track_uid"`
	Callsign string    `json:"callsign"`
	// TrackOwner is the party whose track it is.
	TrackOwner string `json:"track_owner"`
	ZoneID     string `json:"zone_id,omitempty"`
	// ZoneKind is the feature kind of the zone (restricted_area, sector,
	// control_line, …) or "movement".
	ZoneKind   string    `json:"zone_kind,omitempty"`
	ZoneName   string    `json:"zone_name,omitempty"`
	FromZone   string    `json:"from_zone,omitempty"`
	MovementID string    `json:"movement_id,omitempty"`
	At         time.Time `json:"at"`
	Lat        float64   `json:"lat"`
	Lon        float64   `json:"lon"`
	DistanceM  float64   `json:"distance_m,omitempty"`

	Marking     concord.Marking `json:"marking"`
	Status      string          `json:"status"`
	Ack         *AlertAck       `json:"ack,omitempty"`
	EscalatedAt *time.Time      `json:"escalated_at,omitempty"`
	Version     int             `json:"version"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// AlertAck records who acknowledged an alert.
type AlertAck struct {
	By    string    `json:"by"`
	Party string    `json:"party"`
	At    time.Time `json:"at"`
	Note  string    `json:"note,omitempty"`
}

// NeedsAttention reports whether an alert is open and urgent enough to
// escalate.
func (a *Alert) NeedsAttention() bool {
	return a.Status == AlertOpen && a.Severity != SeverityInfo
}

func (a *Alert) record() (concord.Record, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return concord.Record{}, err
	}
	at := a.At
	return concord.Record{Kind: KindAlert, ID: a.ID, Marking: a.Marking, Version: a.Version, Status: a.Status, From: &at,
		Data: b, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}, nil
}

// alertIndex keeps recent alerts in memory, newest first, for the feed.
type alertIndex struct {
	mu   sync.RWMutex
	byID map[string]*Alert
	// keep bounds how far back the index reaches.
	keep time.Duration
	max  int
}

func newAlertIndex(keep time.Duration, max int) *alertIndex {
	return &alertIndex{byID: map[string]*Alert{}, keep: keep, max: max}
}

func (x *alertIndex) put(a *Alert) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if cur := x.byID[a.ID]; cur != nil && cur.Version >= a.Version {
		return
	}
	x.byID[a.ID] = a
	if len(x.byID) > x.max+x.max/10 {
		x.trimLocked()
	}
}

// trimLocked drops the oldest alerts beyond max.
func (x *alertIndex) trimLocked() {
	all := make([]*Alert, 0, len(x.byID))
	for _, a := range x.byID {
		all = append(all, a)
	}
	slices.SortFunc(all, func(a, b *Alert) int { return b.At.Compare(a.At) })
	for _, a := range all[x.max:] {
		delete(x.byID, a.ID)
	}
}

// AlertFilter selects alerts.
type AlertFilter struct {
	Statuses   []string
	Severities []Severity
	Types      []AlertType
	TrackUID   string
	Since      time.Time
	Limit      int
}

// Alerts returns the alerts v may see, newest first.
func (s *Service) Alerts(v concord.Viewer, f AlertFilter) []Alert {
	d := s.core.Access().Directory()
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 5000
	}
	x := s.fence.index
	x.mu.RLock()
	out := make([]Alert, 0, min(len(x.byID), f.Limit))
	for _, a := range x.byID {
		switch {
		case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, a.Status),
			len(f.Severities) > 0 && !slices.Contains(f.Severities, a.Severity),
			len(f.Types) > 0 && !slices.Contains(f.Types, a.Type),
			f.TrackUID != "" && a.TrackUID != f.TrackUID,
			a.At.Before(f.Since),
			!d.CanSee(v.Party, a.Marking):
			continue
		}
		out = append(out, *a)
	}
	x.mu.RUnlock()
	slices.SortFunc(out, func(a, b Alert) int { return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.ID, a.ID)) })
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out
}

// Alert returns one alert v may see.
func (s *Service) Alert(ctx context.Context, v concord.Viewer, id string) (Alert, error) {
	a, _, err := s.loadAlert(ctx, v, id)
	return a, err
}

func (s *Service) loadAlert(ctx context.Context, v concord.Viewer, id string) (Alert, concord.Record, error) {
	r, err := s.store.Record(ctx, KindAlert, id)
	if err != nil || !s.core.Access().CanSee(v, r.Marking) {
		return Alert{}, r, concord.Errorf(concord.NotFound, "alert %s not found", id)
	}
	var a Alert
	if err := json.Unmarshal(r.Data, &a); err != nil {
		return a, r, err
	}
	return a, r, nil
}

// MaxAckNote bounds an acknowledgement's note.
const MaxAckNote = 2000

// Acknowledge records that v has seen an alert and, optionally, what was
// done. Any party that may see the alert may acknowledge it, once.
func (s *Service) Acknowledge(ctx context.Context, v concord.Viewer, id, note string) (Alert, error) {
	if !v.CanWrite() {
		return Alert{}, concord.Errorf(concord.Forbidden, "your role may not acknowledge alerts")
	}
	if len(note) > MaxAckNote {
		return Alert{}, concord.InvalidFields("invalid acknowledgement", []concord.FieldError{{Field: "note", Reason: fmt.Sprintf("at most %d characters, got %d", MaxAckNote, len(note))}})
	}
	if err := s.core.CheckWritable(); err != nil {
		return Alert{}, err
	}
	a, _, err := s.loadAlert(ctx, v, id)
	if err != nil {
		return a, err
	}
	if a.Status == AlertAcknowledged {
		return a, concord.Errorf(concord.Conflict, "alert %s was already acknowledged by %s (%s) at %s", id, a.Ack.By, a.Ack.Party, a.Ack.At.Format(time.RFC3339))
	}
	now := s.core.Now().UTC().Truncate(time.Millisecond)
	prev := a.Version
	a.Status, a.Ack = AlertAcknowledged, &AlertAck{By: v.Username, Party: v.Party, At: now, Note: strings.TrimSpace(note)}
	a.Version, a.UpdatedAt = a.Version+1, now
	if err := s.saveAlert(ctx, v, &a, prev, "acknowledged"); err != nil {
		return Alert{}, err
	}
	return a, nil
}

// saveAlert updates a stored alert with its event.
func (s *Service) saveAlert(ctx context.Context, v concord.Viewer, a *Alert, prev int, verb string) error {
	r, err := a.record()
	if err != nil {
		return err
	}
	ev := concord.Event{ID: newID(), Kind: KindAlert, Verb: verb, RecordID: a.ID, Version: a.Version, Marking: a.Marking, At: a.UpdatedAt,
		Actor: v.Username, ActorParty: v.Party, Data: r.Data}
	if err := s.store.UpdateRecord(ctx, r, prev, ev); err != nil {
		return err
	}
	s.core.Committed()
	s.fence.index.put(a)
	return nil
}

// RunEscalation escalates open warning and critical alerts nobody has
// acknowledged for EscalateAfter, checking every interval (singleton work).
func (s *Service) RunEscalation(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	sys := concord.SystemViewer(s.coordinationParty(), "escalation")
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cutoff := s.core.Now().Add(-s.fence.opts.EscalateAfter)
		var due []Alert
		x := s.fence.index
		x.mu.RLock()
		for _, a := range x.byID {
			if a.NeedsAttention() && a.EscalatedAt == nil && a.At.Before(cutoff) {
				due = append(due, *a)
			}
		}
		x.mu.RUnlock()
		for _, a := range due {
			now := s.core.Now().UTC().Truncate(time.Millisecond)
			prev := a.Version
			a.EscalatedAt, a.Version, a.UpdatedAt = &now, a.Version+1, now
			if err := s.saveAlert(ctx, sys, &a, prev, "escalated"); err != nil && concord.ErrorCode(err) != concord.Conflict && ctx.Err() == nil {
				s.log.Warn("alert_escalation_failed", "alert", a.ID, "err", err)
			}
		}
	}
}

// applyAlert brings an alert event from the bus into the index.
func (s *Service) applyAlert(ev concord.Event) {
	var a Alert
	if json.Unmarshal(ev.Data, &a) == nil && a.ID != "" {
		s.fence.index.put(&a)
	}
}

// coordinationParty returns the code of the coordination center.
func (s *Service) coordinationParty() string {
	for _, p := range s.core.Access().Directory().Parties() {
		if p.Kind == concord.KindCoordination {
			return p.Code
		}
	}
	return ""
}
