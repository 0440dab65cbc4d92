package httpapi

import (
	"net/http"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/assign"
	"github.com/concord-mission/concord/forcegen"
)

// The force-generation endpoints: the board, requirements, pledges,
// mission conditions, the assignment checker and optimizer, and the audit
// trail. Every answer passes through forcegen's per-viewer redaction.

func (s *Server) forceBoard(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	b, err := s.fg.Board(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) putRequirement(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var in forcegen.Requirement
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	in.ID = r.PathValue("id")
	if in.ID != "" && in.Version == 0 {
		s.writeError(w, r, versionRequired("requirement"))
		return
	}
	out, err := s.fg.PutRequirement(r.Context(), v, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, created(in.ID), out)
}

func (s *Server) putPledge(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var in forcegen.Pledge
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	in.ID = r.PathValue("id")
	if in.ID != "" && in.Version == 0 {
		s.writeError(w, r, versionRequired("pledge"))
		return
	}
	out, err := s.fg.PutPledge(r.Context(), v, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, created(in.ID), out)
}

func (s *Server) putConditions(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var in forcegen.Conditions
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.fg.SetConditions(r.Context(), v, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// placementsInput is a proposed or saved assignment.
type placementsInput struct {
	Placements []assign.Placement `json:"placements"`
	Version    int                `json:"version"`
	Note       string             `json:"note"`
}

func (s *Server) readPlacements(r *http.Request) (placementsInput, error) {
	var in placementsInput
	if err := decodeJSON(r, s.opts.MaxBodyBytes, &in); err != nil {
		return in, err
	}
	if in.Placements == nil {
		return in, concord.InvalidFields("invalid assignment: placements is required", []concord.FieldError{{Field: "placements", Reason: "is required"}})
	}
	if len(in.Note) > 2000 {
		return in, concord.InvalidFields("invalid assignment: note is longer than 2000 characters", []concord.FieldError{{Field: "note", Reason: "at most 2000 characters"}})
	}
	return in, nil
}

func (s *Server) checkAssignment(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	in, err := s.readPlacements(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, err := s.fg.Check(r.Context(), v, in.Placements)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conflicts": cs})
}

func (s *Server) saveAssignment(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	in, err := s.readPlacements(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.fg.SaveAssignment(r.Context(), v, in.Version, in.Placements, in.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) proposeAssignment(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	p, err := s.fg.Propose(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) forceHistory(what string) func(http.ResponseWriter, *http.Request, concord.Viewer) {
	return func(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
		id := r.PathValue("id")
		if what == "assignment" {
			id = "current"
		}
		h, err := s.fg.History(r.Context(), v, what, id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"versions": h})
	}
}

func versionRequired(what string) error {
	return concord.InvalidFields("invalid "+what+": version is required to change a "+what, []concord.FieldError{{Field: "version", Reason: "is required"}})
}

// created is 201 for a new record (no id in the path), 200 for a change.
func created(id string) int {
	if id == "" {
		return http.StatusCreated
	}
	return http.StatusOK
}
