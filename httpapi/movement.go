package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/concord-mission/concord"
)

// movementInput is what a client sends to notify or change a movement.
type movementInput struct {
	concord.Movement
	// Version is required to change a movement: the version last read.
	Version int `json:"version"`
}

func (s *Server) readMovement(r *http.Request) (movementInput, error) {
	var in movementInput
	err := decodeJSON(r, s.opts.MaxBodyBytes, &in)
	return in, err
}

func (s *Server) checkMovement(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	in, err := s.readMovement(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.svc.CheckMovement(r.Context(), v, in.Movement)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	owner := m.Marking.Owner
	if owner == "" {
		owner = v.Party
	}
	writeJSON(w, http.StatusOK, map[string]any{"findings": m.Findings, "earliest": m.Earliest, "length_km": m.LengthKm(), "ack_parties": ackParties(m.Findings, owner)})
}

// ackParties lists the parties that must acknowledge, the owner excepted.
func ackParties(fs []concord.Finding, owner string) []string {
	out := []string{}
	for _, f := range fs {
		if f.Severity == concord.SeverityNeedsAck && f.Party != "" && f.Party != owner && !contains(out, f.Party) {
			out = append(out, f.Party)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// movementView is a movement with its marking banner.
type movementView struct {
	concord.Movement
	Banner string `json:"banner"`
}

func (s *Server) view(m concord.Movement) movementView {
	return movementView{Movement: m, Banner: s.svc.Access().Directory().Banner(m.Marking)}
}

func (s *Server) createMovement(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	in, err := s.readMovement(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.svc.CreateMovement(r.Context(), v, in.Movement)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/movements/"+m.ID)
	writeJSON(w, http.StatusCreated, s.view(m))
}

func (s *Server) updateMovement(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	in, err := s.readMovement(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Version == 0 {
		s.writeError(w, r, concord.InvalidFields("invalid movement: version is required to change a movement", []concord.FieldError{{Field: "version", Reason: "is required"}}))
		return
	}
	m, err := s.svc.UpdateMovement(r.Context(), v, r.PathValue("id"), in.Version, in.Movement)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(m))
}

func (s *Server) getMovement(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	m, err := s.svc.Movement(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(m))
}

func (s *Server) listMovements(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	q := concord.MovementQuery{Party: strings.ToUpper(r.URL.Query().Get("party")), After: r.URL.Query().Get("cursor")}
	for _, st := range strings.Split(r.URL.Query().Get("status"), ",") {
		if st = strings.TrimSpace(st); st == "" {
			continue
		}
		if !contains(statusStrings(), st) {
			s.writeError(w, r, concord.InvalidFields("invalid query: unknown status "+st, []concord.FieldError{{Field: "status", Reason: "must be one of " + strings.Join(statusStrings(), ", ")}}))
			return
		}
		q.Statuses = append(q.Statuses, st)
	}
	if e := r.URL.Query().Get("emergency"); e != "" {
		b, err := strconv.ParseBool(e)
		if err != nil {
			s.writeError(w, r, concord.InvalidFields("invalid query: emergency must be true or false", []concord.FieldError{{Field: "emergency", Reason: "true or false"}}))
			return
		}
		q.Emergency = &b
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, r, concord.InvalidFields("invalid query: limit must be 1 to 1000", []concord.FieldError{{Field: "limit", Reason: "1 to 1000"}}))
			return
		}
		q.Limit = n
	}
	ms, next, err := s.svc.Movements(r.Context(), v, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]movementView, len(ms))
	for i, m := range ms {
		out[i] = s.view(m)
	}
	resp := map[string]any{"movements": out}
	if next != "" {
		resp["next"] = next
	}
	writeJSON(w, http.StatusOK, resp)
}

func statusStrings() []string {
	var out []string
	for _, s := range concord.MovementStatuses {
		out = append(out, string(s))
	}
	return out
}

func (s *Server) movementHistory(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	vs, err := s.svc.MovementHistory(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

// movementStep handles the workflow's POST /api/movements/{id}/{step}.
func (s *Server) movementStep(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	id, step := r.PathValue("id"), r.PathValue("step")
	var body struct {
		Decision string          `json:"decision"`
		Outcome  string          `json:"outcome"`
		Reason   string          `json:"reason"`
		Delays   []concord.Delay `json:"delays"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, 65536, &body); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	var m concord.Movement
	var err error
	ctx := r.Context()
	switch step {
	case "transmit":
		m, err = s.svc.TransmitMovement(ctx, v, id)
	case "ack":
		if body.Decision != "acknowledge" && body.Decision != "object" {
			s.writeError(w, r, concord.InvalidFields("invalid answer: decision must be acknowledge or object", []concord.FieldError{{Field: "decision", Reason: "acknowledge or object"}}))
			return
		}
		m, err = s.svc.AcknowledgeMovement(ctx, v, id, concord.AckDecision{Acknowledge: body.Decision == "acknowledge", Reason: body.Reason})
		if err == nil && !s.svc.Access().CanSee(v, m.Marking) {
			// A relayed party learns only about its own request.
			a := m.Ack(v.Party)
			writeJSON(w, http.StatusOK, map[string]any{"reference": m.ID, "party": v.Party, "state": a.State})
			return
		}
	case "decide":
		m, err = s.svc.DecideMovement(ctx, v, id, concord.MovementDecision{Outcome: concord.MovementStatus(body.Outcome), Reason: body.Reason, Delays: body.Delays})
	case "start":
		m, err = s.svc.StartMovement(ctx, v, id)
	case "complete":
		m, err = s.svc.CompleteMovement(ctx, v, id)
	case "cancel":
		m, err = s.svc.CancelMovement(ctx, v, id, body.Reason)
	default:
		s.writeError(w, r, concord.Errorf(concord.NotFound, "no movement step %q; steps are transmit, ack, decide, start, complete, cancel", step))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(m))
}

func (s *Server) ackInbox(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	in, err := s.svc.AckInbox(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	direct := make([]movementView, len(in.Direct))
	for i, m := range in.Direct {
		direct[i] = s.view(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"direct": direct, "relayed": in.Relayed})
}

func (s *Server) deconflictRules(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	rules, err := s.svc.DeconflictRules()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": rules, "purposes": concord.MovementPurposes, "statuses": concord.MovementStatuses,
		"notice": "Notification is not a guarantee of safety. Parties are informed and asked to acknowledge; no route is declared safe."})
}

// notificationView is a notified site with its banner.
type notificationView struct {
	concord.SiteNotification
	Banner string `json:"banner"`
}

func (s *Server) nview(n concord.SiteNotification) notificationView {
	return notificationView{SiteNotification: n, Banner: s.svc.Access().Directory().Banner(n.Marking)}
}

func (s *Server) createNotification(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var n concord.SiteNotification
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &n); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.svc.CreateNotification(r.Context(), v, n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.nview(out))
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	st := r.URL.Query().Get("status")
	if st != "" && st != concord.NotificationActive && st != concord.NotificationExpired && st != concord.NotificationWithdrawn {
		s.writeError(w, r, concord.InvalidFields("invalid query: status must be active, expired or withdrawn", []concord.FieldError{{Field: "status", Reason: "active, expired or withdrawn"}}))
		return
	}
	ns, err := s.svc.Notifications(r.Context(), v, st)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]notificationView, len(ns))
	for i, n := range ns {
		out[i] = s.nview(n)
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": out})
}

func (s *Server) getNotification(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	n, err := s.svc.Notification(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.nview(n))
}

func (s *Server) notificationStep(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var n concord.SiteNotification
	var err error
	switch step := r.PathValue("step"); step {
	case "reconfirm":
		n, err = s.svc.ReconfirmNotification(r.Context(), v, r.PathValue("id"))
	case "withdraw":
		n, err = s.svc.WithdrawNotification(r.Context(), v, r.PathValue("id"))
	default:
		s.writeError(w, r, concord.Errorf(concord.NotFound, "no notification step %q; steps are reconfirm and withdraw", step))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.nview(n))
}

func (s *Server) notificationDisclosures(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	ds, err := s.svc.NotificationDisclosures(r.Context(), v, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"disclosures": ds})
}
