package concord

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/concord-mission/concord/geo"
)

// NotificationCategory is what a notified site is.
type NotificationCategory string

// The categories of notified humanitarian sites.
var NotificationCategories = []NotificationCategory{"office", "warehouse", "guesthouse", "clinic_or_hospital", "shelter", "bakery", "water_infrastructure", "power_infrastructure", "distribution_point", "other"}

// The notification statuses.
const (
	NotificationActive    = "active"
	NotificationExpired   = "expired"
	NotificationWithdrawn = "withdrawn"
)

// SiteNotification is a humanitarian site notified to the parties that
// must know it (its marking's recipients), so that they protect it. It
// lapses unless its owner reconfirms it every ReconfirmHours, and every
// disclosure of it to a party is logged.
type SiteNotification struct {
	ID             string               `json:"id"`
	Name           string               `json:"name"`
	Category       NotificationCategory `json:"category"`
	Geometry       GeoGeometry          `json:"geometry"`
	Operator       string               `json:"operator,omitempty"`
	Notes          string               `json:"notes,omitempty"`
	ValidFrom      *time.Time           `json:"valid_from,omitempty"`
	ValidTo        *time.Time           `json:"valid_to,omitempty"`
	ReconfirmHours int                  `json:"reconfirm_hours"`
	ConfirmedAt    time.Time            `json:"confirmed_at"`
	ExpiresAt      time.Time            `json:"expires_at"`
	Status         string               `json:"status"`
	Marking        Marking              `json:"marking"`
	Version        int                  `json:"version"`
	CreatedAt      time.Time            `json:"created_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
	UpdatedBy      string               `json:"updated_by"`
}

// Active reports whether the notification is in force at t.
func (n *SiteNotification) Active(t time.Time) bool {
	if n.Status != NotificationActive {
		return false
	}
	if n.ValidFrom != nil && t.Before(*n.ValidFrom) {
		return false
	}
	return n.ValidTo == nil || t.Before(*n.ValidTo)
}

func (n *SiteNotification) validate() error {
	var fe fieldErrors
	if strings.TrimSpace(n.Name) == "" || len(n.Name) > MaxNameLength {
		fe.add("name", "is required, at most %d characters", MaxNameLength)
	}
	if !slices.Contains(NotificationCategories, n.Category) {
		fe.add("category", "must be one of %v, got %q", NotificationCategories, n.Category)
	}
	if n.Geometry.Geometry == nil {
		fe.add("geometry", "is required")
	} else if err := geo.Validate(n.Geometry.Geometry, geo.Limits{MaxVertices: 2000}); err != nil {
		fe.add("geometry", "%s", err)
	} else if t := n.Geometry.GeoJSONType(); t != "Point" && t != "Polygon" {
		fe.add("geometry", "must be a Point or a Polygon, got %s", t)
	}
	if n.ValidFrom != nil && n.ValidTo != nil && !n.ValidTo.After(*n.ValidFrom) {
		fe.add("valid_to", "the validity ends before or when it starts")
	}
	if n.ReconfirmHours < 1 || n.ReconfirmHours > 24*90 {
		fe.add("reconfirm_hours", "must be 1 to 2160 (90 days)")
	}
	return fe.err("invalid site notification")
}

func (n *SiteNotification) record() (Record, error) {
	data, err := json.Marshal(n)
	if err != nil {
		return Record{}, err
	}
	return Record{Kind: "site_notification", ID: n.ID, Marking: n.Marking, Version: n.Version, Status: n.Status,
		From: n.ValidFrom, To: n.ValidTo, Data: data, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt}, nil
}

func notificationOf(r Record) (SiteNotification, error) {
	var n SiteNotification
	if err := json.Unmarshal(r.Data, &n); err != nil {
		return n, fmt.Errorf("site notification %s: %w", r.ID, err)
	}
	return n, nil
}

// DefaultReconfirmHours is how often a notified site must be reconfirmed
// unless its owner says otherwise.
const DefaultReconfirmHours = 7 * 24

// CreateNotification notifies a site.
func (s *Service) CreateNotification(ctx context.Context, v Viewer, n SiteNotification) (SiteNotification, error) {
	if err := s.checkWrite(v); err != nil {
		return SiteNotification{}, err
	}
	if n.ReconfirmHours == 0 {
		n.ReconfirmHours = DefaultReconfirmHours
	}
	if err := n.validate(); err != nil {
		return SiteNotification{}, err
	}
	m, err := s.ownMarking(v, n.Marking)
	if err != nil {
		return SiteNotification{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	n.ID, n.Marking, n.Status, n.Version = newID(), m, NotificationActive, 1
	n.ConfirmedAt, n.ExpiresAt = now, now.Add(time.Duration(n.ReconfirmHours)*time.Hour)
	n.CreatedAt, n.UpdatedAt, n.UpdatedBy = now, now, v.Username
	if err := s.saveNotification(ctx, v, &n, 0, VerbCreated); err != nil {
		return SiteNotification{}, err
	}
	return n, nil
}

func (s *Service) saveNotification(ctx context.Context, v Viewer, n *SiteNotification, prev int, verb string) error {
	r, err := n.record()
	if err != nil {
		return err
	}
	ev := s.newEvent(v, "site_notification", verb, n.ID, n.Version, n.Marking, n.UpdatedAt)
	ev.Data = r.Data
	if prev == 0 {
		err = s.store.InsertRecord(ctx, r, ev)
	} else {
		err = s.store.UpdateRecord(ctx, r, prev, ev)
	}
	if err != nil {
		return err
	}
	if s.opts.Deconflicter != nil {
		s.opts.Deconflicter.PutNotifiedSite(*n)
	}
	s.Committed()
	return nil
}

// Notification returns a notified site v may see, and logs the disclosure.
func (s *Service) Notification(ctx context.Context, v Viewer, id string) (SiteNotification, error) {
	r, err := s.store.Record(ctx, "site_notification", id)
	if err != nil || !s.access.CanSee(v, r.Marking) {
		return SiteNotification{}, Errorf(NotFound, "site notification %s not found", id)
	}
	n, err := notificationOf(r)
	if err == nil {
		s.Disclosed(v.Party, "site_notification", n.ID, n.Version, "api")
	}
	return n, err
}

// Notifications lists the notified sites v may see, logging each
// disclosure.
func (s *Service) Notifications(ctx context.Context, v Viewer, status string) ([]SiteNotification, error) {
	if err := s.checkViewer(v); err != nil {
		return nil, err
	}
	q := RecordQuery{Kind: "site_notification"}
	if status != "" {
		q.Statuses = []string{status}
	}
	rs, err := s.store.Records(ctx, q)
	if err != nil {
		return nil, err
	}
	out := []SiteNotification{}
	for _, r := range rs {
		if !s.access.CanSee(v, r.Marking) {
			continue
		}
		n, err := notificationOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		s.Disclosed(v.Party, "site_notification", n.ID, n.Version, "api")
	}
	return out, nil
}

// changeNotification loads a notification v may change.
func (s *Service) changeNotification(ctx context.Context, v Viewer, id string) (SiteNotification, error) {
	n, err := s.Notification(ctx, v, id)
	if err != nil {
		return n, err
	}
	if err := s.checkWrite(v); err != nil {
		return n, err
	}
	if n.Marking.Owner != v.Party && !s.IsCoordinator(v) {
		return n, Errorf(Forbidden, "only %s or the coordination center may change this notification", n.Marking.Owner)
	}
	return n, nil
}

// ReconfirmNotification keeps a notified site in force for another period.
func (s *Service) ReconfirmNotification(ctx context.Context, v Viewer, id string) (SiteNotification, error) {
	n, err := s.changeNotification(ctx, v, id)
	if err != nil {
		return n, err
	}
	if n.Status == NotificationWithdrawn {
		return n, Errorf(Conflict, "the notification was withdrawn; notify the site again")
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	prev := n.Version
	n.Status, n.ConfirmedAt, n.ExpiresAt = NotificationActive, now, now.Add(time.Duration(n.ReconfirmHours)*time.Hour)
	n.Version, n.UpdatedAt, n.UpdatedBy = prev+1, now, v.Username
	return n, s.saveNotification(ctx, v, &n, prev, "reconfirmed")
}

// WithdrawNotification ends a notification.
func (s *Service) WithdrawNotification(ctx context.Context, v Viewer, id string) (SiteNotification, error) {
	n, err := s.changeNotification(ctx, v, id)
	if err != nil {
		return n, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	prev := n.Version
	n.Status, n.Version, n.UpdatedAt, n.UpdatedBy = NotificationWithdrawn, prev+1, now, v.Username
	return n, s.saveNotification(ctx, v, &n, prev, "withdrawn")
}

// ExpireNotifications lapses every active notification whose owner did not
// reconfirm it in time; the "expired" event alerts the owner. It returns
// how many lapsed. One instance runs it (a singleton).
func (s *Service) ExpireNotifications(ctx context.Context) (int, error) {
	rs, err := s.store.Records(ctx, RecordQuery{Kind: "site_notification", Statuses: []string{NotificationActive}})
	if err != nil {
		return 0, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	n := 0
	for _, r := range rs {
		sn, err := notificationOf(r)
		if err != nil || sn.ExpiresAt.After(now) {
			continue
		}
		prev := sn.Version
		sn.Status, sn.Version, sn.UpdatedAt, sn.UpdatedBy = NotificationExpired, prev+1, now, "expiry"
		sys := SystemViewer(sn.Marking.Owner, "expiry")
		if err := s.saveNotification(ctx, sys, &sn, prev, "expired"); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// NotificationDisclosures lists who received a notification; only its
// owner and the coordination center may ask.
func (s *Service) NotificationDisclosures(ctx context.Context, v Viewer, id string) ([]Disclosure, error) {
	r, err := s.store.Record(ctx, "site_notification", id)
	if err != nil || !s.access.CanSee(v, r.Marking) {
		return nil, Errorf(NotFound, "site notification %s not found", id)
	}
	if r.Marking.Owner != v.Party && !s.IsCoordinator(v) {
		return nil, Errorf(Forbidden, "only %s or the coordination center may see who received this notification", r.Marking.Owner)
	}
	return s.store.Disclosures(ctx, "site_notification", id)
}
