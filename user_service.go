package concord

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// userMarking is how account records are marked: visible to the user's own
// party and, as always, to the coordination center.
func userMarking(u User) Marking {
	return Marking{Owner: u.Party, Rel: []string{}, Caveats: []string{}}
}

// canAdminister reports whether v may manage accounts of party.
func (s *Service) canAdminister(v Viewer, party string) bool {
	if v.IsSystem() && v.Has(RoleAdmin) {
		return true
	}
	if !v.Has(RoleAdmin) {
		return false
	}
	p, ok := s.access.Directory().Party(v.Party)
	return ok && (p.Kind == KindCoordination || v.Party == party)
}

// CreateUser adds an account. Mission admins create accounts for any party;
// a party's admin only for its own party. passwordHash is already hashed by
// the caller (see package password). The system viewer may bootstrap.
func (s *Service) CreateUser(ctx context.Context, v Viewer, u User, passwordHash string) (User, error) {
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.Party = strings.ToUpper(strings.TrimSpace(u.Party))
	slices.Sort(u.Roles)
	u.Roles = slices.Compact(u.Roles)
	if err := u.Validate(); err != nil {
		return User{}, err
	}
	if _, ok := s.access.Directory().Party(u.Party); !ok {
		return User{}, InvalidFields("invalid user: unknown party "+u.Party, []FieldError{{Field: "party", Reason: "unknown party " + u.Party}})
	}
	if !s.canAdminister(v, u.Party) {
		return User{}, Errorf(Forbidden, "you may not create accounts for %s", u.Party)
	}
	if err := s.CheckWritable(); err != nil {
		return User{}, err
	}
	if _, _, err := s.store.UserByName(ctx, u.Username); err == nil {
		return User{}, Errorf(Conflict, "username %s is taken", u.Username)
	} else if ErrorCode(err) != NotFound {
		return User{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	u.ID = newID()
	u.Version, u.CreatedAt, u.UpdatedAt = 1, now, now
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
	ev := s.newEvent(v, "user", VerbCreated, u.ID, u.Version, userMarking(u), now)
	ev.Data, _ = json.Marshal(u)
	if err := s.store.InsertUser(ctx, u, passwordHash, ev); err != nil {
		return User{}, err
	}
	s.Committed()
	return u, nil
}

// Users lists the accounts v administers.
func (s *Service) Users(ctx context.Context, v Viewer) ([]User, error) {
	if !v.Has(RoleAdmin) {
		return nil, Errorf(Forbidden, "only admins may list accounts")
	}
	all, err := s.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := []User{}
	for _, u := range all {
		if s.canAdminister(v, u.Party) {
			out = append(out, u)
		}
	}
	return out, nil
}
