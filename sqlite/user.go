package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/concord-mission/concord"
)

const userCols = `id, username, display_name, party, roles, disabled, version, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (concord.User, error) {
	var u concord.User
	var roles string
	var created, updated int64
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Party, &roles, &u.Disabled, &u.Version, &created, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return u, err
	}
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, concord.Role(r))
		}
	}
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return u, nil
}

func joinRoles(rs []concord.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// InsertUser adds an account.
func (db *DB) InsertUser(ctx context.Context, u concord.User, hash string, ev concord.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userCols+`, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Username, u.DisplayName, u.Party, joinRoles(u.Roles), u.Disabled, u.Version, ms(u.CreatedAt), ms(u.UpdatedAt), hash)
		if err != nil {
			return err
		}
		return record(ctx, tx, ev)
	})
}

// UpdateUser conditionally updates an account's profile.
func (db *DB) UpdateUser(ctx context.Context, u concord.User, prev int, ev concord.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET display_name = ?, party = ?, roles = ?, disabled = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
			u.DisplayName, u.Party, joinRoles(u.Roles), u.Disabled, u.Version, ms(u.UpdatedAt), u.ID, prev)
		if err != nil {
			return err
		}
		if err := oneRow(res, "user", u.Username); err != nil {
			return err
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
				return err
			}
		}
		return record(ctx, tx, ev)
	})
}

// SetPasswordHash replaces a password and ends the user's sessions.
func (db *DB) SetPasswordHash(ctx context.Context, userID, hash string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return concord.Errorf(concord.NotFound, "user not found")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		return err
	})
}

// User returns an account by id.
func (db *DB) User(ctx context.Context, id string) (concord.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, concord.Errorf(concord.NotFound, "user not found")
	}
	return u, err
}

// UserByName returns an account and its password hash.
func (db *DB) UserByName(ctx context.Context, name string) (concord.User, string, error) {
	var hash string
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE username = ?`, name), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", concord.Errorf(concord.NotFound, "user not found")
	}
	return u, hash, err
}

// Users lists every account by username.
func (db *DB) Users(ctx context.Context) ([]concord.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []concord.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// InsertSession stores a login session.
func (db *DB) InsertSession(ctx context.Context, s concord.Session) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			s.TokenHash, s.UserID, ms(s.CreatedAt), ms(s.ExpiresAt))
		return err
	})
}

// Session returns a session by token hash.
func (db *DB) Session(ctx context.Context, hash string) (concord.Session, error) {
	var s concord.Session
	var c, e int64
	err := db.r.QueryRowContext(ctx, `SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = ?`, hash).Scan(&s.TokenHash, &s.UserID, &c, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return s, concord.Errorf(concord.NotFound, "session not found")
	}
	s.CreatedAt, s.ExpiresAt = fromMS(c), fromMS(e)
	return s, err
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
		return err
	})
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, ms(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// InsertToken stores an API token.
func (db *DB) InsertToken(ctx context.Context, t concord.Token) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, t.Name, t.Hash, ms(t.CreatedAt), nullMS(t.ExpiresAt))
		return err
	})
}

const tokenCols = `id, user_id, name, hash, created_at, expires_at, last_used`

func scanToken(row interface{ Scan(...any) error }) (concord.Token, error) {
	var t concord.Token
	var c int64
	var e, l sql.NullInt64
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &c, &e, &l); err != nil {
		return t, err
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsed = fromMS(c), fromNullMS(e), fromNullMS(l)
	return t, nil
}

// TokenByHash returns the token with the given secret hash.
func (db *DB) TokenByHash(ctx context.Context, hash string) (concord.Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, concord.Errorf(concord.NotFound, "token not found")
	}
	return t, err
}

// Tokens lists a user's tokens.
func (db *DB) Tokens(ctx context.Context, userID string) ([]concord.Token, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = ? ORDER BY created_at`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []concord.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken revokes one of a user's tokens.
func (db *DB) DeleteToken(ctx context.Context, userID, id string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return concord.Errorf(concord.NotFound, "token %s not found", id)
		}
		return nil
	})
}

// TouchToken records a token's last use.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used = ? WHERE id = ?`, ms(at), id)
		return err
	})
}
