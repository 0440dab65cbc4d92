package httpapi

import (
	"net/http"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/password"
)

type userRequest struct {
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name"`
	Party       string         `json:"party"`
	Roles       []concord.Role `json:"roles"`
	Password    string         `json:"password"`
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	us, err := s.svc.Users(r.Context(), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var req userRequest
	if err := decodeJSON(r, 16384, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := concord.ValidatePassword(req.Password); err != nil {
		s.writeError(w, r, err)
		return
	}
	hash, err := password.Hash(req.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.svc.CreateUser(r.Context(), v, concord.User{Username: req.Username, DisplayName: req.DisplayName, Party: req.Party, Roles: req.Roles}, hash)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}
