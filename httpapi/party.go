package httpapi

import (
	"net/http"
	"strings"

	"github.com/concord-mission/concord"
)

func (s *Server) listParties(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	ps, err := s.svc.Parties(v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"parties": ps})
}

func (s *Server) createParty(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var p concord.Party
	if err := decodeJSON(r, 65536, &p); err != nil {
		s.writeError(w, r, err)
		return
	}
	p.Version = 0
	out, err := s.svc.PutParty(r.Context(), v, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) updateParty(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var p concord.Party
	if err := decodeJSON(r, 65536, &p); err != nil {
		s.writeError(w, r, err)
		return
	}
	code := strings.ToUpper(r.PathValue("code"))
	if p.Code != "" && strings.ToUpper(p.Code) != code {
		s.writeError(w, r, concord.Errorf(concord.Invalid, "the body's code %s differs from the URL's %s", p.Code, code))
		return
	}
	p.Code = code
	if p.Version == 0 {
		s.writeError(w, r, concord.InvalidFields("invalid party: version is required to update", []concord.FieldError{{Field: "version", Reason: "is required"}}))
		return
	}
	out, err := s.svc.PutParty(r.Context(), v, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// groupView is a group with its member parties.
type groupView struct {
	concord.Group
	Members []string `json:"members"`
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	gs, err := s.svc.Groups(v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d := s.svc.Access().Directory()
	out := make([]groupView, 0, len(gs))
	for _, g := range gs {
		out = append(out, groupView{Group: g, Members: d.Members(g.Code)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": out, "caveats": concord.Caveats})
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var g concord.Group
	if err := decodeJSON(r, 16384, &g); err != nil {
		s.writeError(w, r, err)
		return
	}
	g.Version = 0
	out, err := s.svc.PutGroup(r.Context(), v, g)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
