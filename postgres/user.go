package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/concord-mission/concord"
)

const userCols = `id, username, display_name, party, roles, disabled, version, created_at, updated_at`

func scanUser(row pgx.Row, extra ...any) (concord.User, error) {
	var u concord.User
	var roles []string
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Party, &roles, &u.Disabled, &u.Version, &u.CreatedAt, &u.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return u, err
	}
	for _, r := range roles {
		u.Roles = append(u.Roles, concord.Role(r))
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

func roleStrings(rs []concord.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// InsertUser adds an account.
func (db *DB) InsertUser(ctx context.Context, u concord.User, hash string, ev concord.Event) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (`+userCols+`, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			u.ID, u.Username, u.DisplayName, u.Party, roleStrings(u.Roles), u.Disabled, u.Version, u.CreatedAt, u.UpdatedAt, hash); err != nil {
			return err
		}
		return record(ctx, tx, ev)
	})
}

// UpdateUser conditionally updates an account's profile.
func (db *DB) UpdateUser(ctx context.Context, u concord.User, prev int, ev concord.Event) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET display_name = $1, party = $2, roles = $3, disabled = $4, version = $5, updated_at = $6 WHERE id = $7 AND version = $8`,
			u.DisplayName, u.Party, roleStrings(u.Roles), u.Disabled, u.Version, u.UpdatedAt, u.ID, prev)
		if err != nil {
			return err
		}
		if err := oneRow(tag, "user", u.Username); err != nil {
			return err
		}
		if u.Disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return err
			}
		}
		return record(ctx, tx, ev)
	})
}

// SetPasswordHash replaces a password and ends the user's sessions.
func (db *DB) SetPasswordHash(ctx context.Context, userID, hash string) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return concord.Errorf(concord.NotFound, "user not found")
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	})
}

// User returns an account by id.
func (db *DB) User(ctx context.Context, id string) (concord.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return u, concord.Errorf(concord.NotFound, "user not found")
	}
	return u, mapErr(err)
}

// UserByName returns an account and its password hash.
func (db *DB) UserByName(ctx context.Context, name string) (concord.User, string, error) {
	var hash string
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE username = $1`, name), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, "", concord.Errorf(concord.NotFound, "user not found")
	}
	return u, hash, mapErr(err)
}

// Users lists every account by username.
func (db *DB) Users(ctx context.Context) ([]concord.User, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+userCols+` FROM users ORDER BY username`)
	if err != nil {
		return nil, mapErr(err)
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
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, s.TokenHash, s.UserID, s.CreatedAt, s.ExpiresAt)
	return mapErr(err)
}

// Session returns a session by token hash.
func (db *DB) Session(ctx context.Context, hash string) (concord.Session, error) {
	var s concord.Session
	err := db.pool.QueryRow(ctx, `SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = $1`, hash).Scan(&s.TokenHash, &s.UserID, &s.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, concord.Errorf(concord.NotFound, "session not found")
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return s, mapErr(err)
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hash)
	return mapErr(err)
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now)
	return tag.RowsAffected(), mapErr(err)
}

// InsertToken stores an API token.
func (db *DB) InsertToken(ctx context.Context, t concord.Token) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO api_tokens (id, user_id, name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.UserID, t.Name, t.Hash, t.CreatedAt, t.ExpiresAt)
	return mapErr(err)
}

const tokenCols = `id, user_id, name, hash, created_at, expires_at, last_used`

func scanToken(row pgx.Row) (concord.Token, error) {
	var t concord.Token
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &t.CreatedAt, &t.ExpiresAt, &t.LastUsed); err != nil {
		return t, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	for _, p := range []**time.Time{&t.ExpiresAt, &t.LastUsed} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	return t, nil
}

// TokenByHash returns the token with the given secret hash.
func (db *DB) TokenByHash(ctx context.Context, hash string) (concord.Token, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, concord.Errorf(concord.NotFound, "token not found")
	}
	return t, mapErr(err)
}

// Tokens lists a user's tokens.
func (db *DB) Tokens(ctx context.Context, userID string) ([]concord.Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at`, userID)
	if err != nil {
		return nil, mapErr(err)
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
	tag, err := db.pool.Exec(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return concord.Errorf(concord.NotFound, "token %s not found", id)
	}
	return nil
}

// TouchToken records a token's last use.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE api_tokens SET last_used = $1 WHERE id = $2`, at, id)
	return mapErr(err)
}
