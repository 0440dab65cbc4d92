package concord

import (
	"regexp"
	"slices"
	"time"
)

// Role is what a user may do within its party.
type Role string

// The roles. Rights are cumulative from viewer upwards, except that admin
// manages accounts and parties rather than mission data.
const (
	RoleAdmin       Role = "admin"
	RoleCoordinator Role = "coordinator"
	RoleLiaison     Role = "liaison"
	RoleReporter    Role = "reporter"
	RoleViewer      Role = "viewer"
)

// Roles lists every valid role.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleLiaison, RoleReporter, RoleViewer}

// User is a person or machine account. It always belongs to one party.
type User struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Party       string    `json:"party"`
	Roles       []Role    `json:"roles"`
	Disabled    bool      `json:"disabled"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// Validate reports every problem with the user's own fields.
func (u User) Validate() error {
	var fe fieldErrors
	if !usernamePattern.MatchString(u.Username) {
		fe.add("username", "must be 2 to 64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit")
	}
	if len(u.DisplayName) > 200 {
		fe.add("display_name", "at most 200 characters")
	}
	if u.Party == "" {
		fe.add("party", "is required")
	}
	if len(u.Roles) == 0 {
		fe.add("roles", "at least one role is required")
	}
	for _, r := range u.Roles {
		if !slices.Contains(Roles, r) {
			fe.add("roles", "unknown role %q; valid roles are %v", r, Roles)
		}
	}
	return fe.err("invalid user")
}

// ValidatePassword checks a new password against the account policy.
func ValidatePassword(pw string) error {
	if len(pw) < 8 {
		return InvalidFields("invalid password: at least 8 characters", []FieldError{{Field: "password", Reason: "at least 8 characters"}})
	}
	if len(pw) > 256 {
		return InvalidFields("invalid password: at most 256 characters", []FieldError{{Field: "password", Reason: "at most 256 characters"}})
	}
	return nil
}

// Viewer is the identity a request acts as: a user of a party with roles.
// Every read and write of Service takes one.
type Viewer struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
	Party    string `json:"party"`
	Roles    []Role `json:"roles"`
}

// ViewerOf returns the viewer for a user.
func ViewerOf(u User) Viewer {
	return Viewer{UserID: u.ID, Username: u.Username, Party: u.Party, Roles: slices.Clone(u.Roles)}
}

// SystemViewer returns a viewer that acts for the coordination party code
// given, used by simulators and the demo loader.
func SystemViewer(coordParty, name string) Viewer {
	return Viewer{UserID: "system:" + name, Username: name, Party: coordParty, Roles: []Role{RoleAdmin, RoleCoordinator}}
}

// Has reports whether the viewer holds role r.
func (v Viewer) Has(r Role) bool { return slices.Contains(v.Roles, r) }

// CanWrite reports whether the viewer may create or change mission data at all.
func (v Viewer) CanWrite() bool {
	return v.Has(RoleAdmin) || v.Has(RoleCoordinator) || v.Has(RoleLiaison) || v.Has(RoleReporter)
}

// Session is a browser login. Only the hash of its token is stored.
type Session struct {
	TokenHash string    `json:"-"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Token is an API token for machines (Authorization: Bearer). Only the hash
// of its secret is stored.
type Token struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	Hash      string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	LastUsed  *time.Time `json:"last_used,omitempty"`
}
