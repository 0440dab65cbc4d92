package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/concord-mission/concord"
)

var _ concord.Transferable = (*DB)(nil)

// Export calls emit for every row of table in key order.
func (db *DB) Export(ctx context.Context, table string, emit func(json.RawMessage) error) error {
	each := func(q string, scan func(*sql.Rows) (any, error)) error {
		rows, err := db.r.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if err := emit(b); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	switch table {
	case "parties":
		ps, err := db.Parties(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			b, _ := json.Marshal(p)
			if err := emit(b); err != nil {
				return err
			}
		}
		return nil
	case "community_groups":
		gs, err := db.Groups(ctx)
		if err != nil {
			return err
		}
		for _, g := range gs {
			b, _ := json.Marshal(g)
			if err := emit(b); err != nil {
				return err
			}
		}
		return nil
	case "users":
		return each(`SELECT `+userCols+`, password_hash FROM users ORDER BY id`, func(r *sql.Rows) (any, error) {
			var rec concord.UserRecord
			u, err := scanUser(r, &rec.PasswordHash)
			rec.User = u
			return rec, err
		})
	case "sessions":
		return each(`SELECT token_hash, user_id, created_at, expires_at FROM sessions ORDER BY token_hash`, func(r *sql.Rows) (any, error) {
			var s concord.SessionRecord
			var c, e int64
			err := r.Scan(&s.TokenHash, &s.UserID, &c, &e)
			s.CreatedAt, s.ExpiresAt = fromMS(c), fromMS(e)
			return s, err
		})
	case "api_tokens":
		return each(`SELECT `+tokenCols+` FROM api_tokens ORDER BY id`, func(r *sql.Rows) (any, error) {
			t, err := scanToken(r)
			return concord.TokenRecord(t), err
		})
	case "features":
		return each(`SELECT `+featureCols+` FROM features f ORDER BY f.id`, func(r *sql.Rows) (any, error) {
			f, err := scanFeature(r)
			return concord.RecordOf(f), err
		})
	case "records":
		return each(`SELECT `+recordCols+` FROM records ORDER BY kind, id`, func(r *sql.Rows) (any, error) {
			rec, err := scanRecord(r)
			return concord.RecordRow(rec), err
		})
	case "disclosures":
		return each(`SELECT party, kind, record_id, version, at, via FROM disclosures ORDER BY kind, record_id, version, party`, func(r *sql.Rows) (any, error) {
			var d concord.Disclosure
			var at int64
			err := r.Scan(&d.Party, &d.Kind, &d.RecordID, &d.Version, &at, &d.Via)
			d.At = fromMS(at)
			return d, err
		})
	case "tracks":
		return each(`SELECT data FROM tracks ORDER BY uid`, func(r *sql.Rows) (any, error) {
			var b []byte
			err := r.Scan(&b)
			return json.RawMessage(b), err
		})
	case "track_history":
		return each(`SELECT uid, t, lat, lon, hae, course, speed FROM track_history ORDER BY uid, t`, func(r *sql.Rows) (any, error) {
			var h concord.TrackHistoryRow
			var t int64
			var c, s sql.NullFloat64
			err := r.Scan(&h.UID, &t, &h.Lat, &h.Lon, &h.HAE, &c, &s)
			h.Time, h.Course, h.Speed = fromMS(t), floatPtr(c), floatPtr(s)
			return h, err
		})
	case "history", "outbox":
		q := `SELECT event FROM history ORDER BY seq`
		if table == "outbox" {
			q = `SELECT ` + outboxEvent + outboxFrom + ` ORDER BY o.seq`
		}
		rows, err := db.r.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return err
			}
			if err := emit(b); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	return fmt.Errorf("unknown table %q", table)
}

// Import inserts rows of table as they are, in one transaction.
func (db *DB) Import(ctx context.Context, table string, rows []json.RawMessage) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, raw := range rows {
			if err := importRow(ctx, tx, table, raw); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return nil
	})
}

func importRow(ctx context.Context, tx *sql.Tx, table string, raw json.RawMessage) error {
	switch table {
	case "parties":
		var p concord.Party
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		groups, _ := json.Marshal(p.Groups)
		policy, _ := json.Marshal(p.Policy)
		_, err := tx.ExecContext(ctx, `INSERT INTO parties (code, name, kind, groups, policy, color, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Code, p.Name, p.Kind, groups, policy, p.Color, p.Version, ms(p.UpdatedAt))
		return err
	case "community_groups":
		var g concord.Group
		if err := json.Unmarshal(raw, &g); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO community_groups (code, name, description, version, updated_at) VALUES (?, ?, ?, ?, ?)`,
			g.Code, g.Name, g.Description, g.Version, ms(g.UpdatedAt))
		return err
	case "users":
		var u concord.UserRecord
		if err := json.Unmarshal(raw, &u); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userCols+`, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Username, u.DisplayName, u.Party, joinRoles(u.Roles), u.Disabled, u.Version, ms(u.CreatedAt), ms(u.UpdatedAt), u.PasswordHash)
		return err
	case "sessions":
		var s concord.SessionRecord
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, s.TokenHash, s.UserID, ms(s.CreatedAt), ms(s.ExpiresAt))
		return err
	case "api_tokens":
		var t concord.TokenRecord
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, hash, created_at, expires_at, last_used) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.UserID, t.Name, t.Hash, ms(t.CreatedAt), nullMS(t.ExpiresAt), nullMS(t.LastUsed))
		return err
	case "features":
		var r concord.FeatureRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		f := r.Feature()
		args, err := featureArgs(f)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO features (id, kind, name, description, geometry, attrs, owner, rel, caveats,
			valid_from, valid_to, version, created_at, updated_at, updated_by, updated_by_party, deleted, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{f.ID}, args...)...)
		if err != nil {
			return err
		}
		rid, err := res.LastInsertId()
		if err != nil {
			return err
		}
		return setBBox(ctx, tx, rid, f)
	case "records":
		var r concord.RecordRow
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO records (`+recordCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, recordArgs(concord.Record(r))...)
		return err
	case "disclosures":
		var d concord.Disclosure
		if err := json.Unmarshal(raw, &d); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO disclosures (party, kind, record_id, version, at, via) VALUES (?, ?, ?, ?, ?, ?)`, d.Party, d.Kind, d.RecordID, d.Version, ms(d.At), d.Via)
		return err
	case "history":
		var ev concord.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO history (kind, record_id, version, event) VALUES (?, ?, ?, ?)`, ev.Kind, ev.RecordID, ev.Version, []byte(raw))
		return err
	case "outbox":
		_, err := tx.ExecContext(ctx, `INSERT INTO outbox (event) VALUES (?)`, []byte(raw))
		return err
	case "tracks":
		var t concord.Track
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tracks (uid, owner, rel, caveats, t, lat, lon, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.UID, t.Marking.Owner, relColumn(t.Marking.Rel), relColumn(t.Marking.Caveats), ms(t.Time), t.Lat, t.Lon, []byte(raw))
		return err
	case "track_history":
		var h concord.TrackHistoryRow
		if err := json.Unmarshal(raw, &h); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO track_history (uid, t, lat, lon, hae, course, speed) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			h.UID, ms(h.Time), h.Lat, h.Lon, h.HAE, nullFloat(h.Course), nullFloat(h.Speed))
		return err
	}
	return fmt.Errorf("unknown table %q", table)
}
