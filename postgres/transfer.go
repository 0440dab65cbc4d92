package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/concord-mission/concord"
)

var _ concord.Transferable = (*DB)(nil)

// Export calls emit for every row of table in key order.
func (db *DB) Export(ctx context.Context, table string, emit func(json.RawMessage) error) error {
	each := func(q string, scan func(pgx.Rows) (any, error)) error {
		rows, err := db.pool.Query(ctx, q)
		if err != nil {
			return mapErr(err)
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			b, ok := v.([]byte)
			if !ok {
				if b, err = json.Marshal(v); err != nil {
					return err
				}
			}
			if err := emit(b); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	switch table {
	case "parties":
		return each(`SELECT code, name, kind, groups, policy, color, version, updated_at FROM parties ORDER BY code`, func(r pgx.Rows) (any, error) {
			var p concord.Party
			var policy []byte
			err := r.Scan(&p.Code, &p.Name, &p.Kind, &p.Groups, &policy, &p.Color, &p.Version, &p.UpdatedAt)
			if err == nil {
				err = json.Unmarshal(policy, &p.Policy)
			}
			p.UpdatedAt = p.UpdatedAt.UTC()
			return p, err
		})
	case "community_groups":
		return each(`SELECT code, name, description, version, updated_at FROM community_groups ORDER BY code`, func(r pgx.Rows) (any, error) {
			var g concord.Group
			err := r.Scan(&g.Code, &g.Name, &g.Description, &g.Version, &g.UpdatedAt)
			g.UpdatedAt = g.UpdatedAt.UTC()
			return g, err
		})
	case "users":
		return each(`SELECT `+userCols+`, password_hash FROM users ORDER BY id`, func(r pgx.Rows) (any, error) {
			var rec concord.UserRecord
			u, err := scanUser(r, &rec.PasswordHash)
			rec.User = u
			return rec, err
		})
	case "sessions":
		return each(`SELECT token_hash, user_id, created_at, expires_at FROM sessions ORDER BY token_hash`, func(r pgx.Rows) (any, error) {
			var s concord.SessionRecord
			err := r.Scan(&s.TokenHash, &s.UserID, &s.CreatedAt, &s.ExpiresAt)
			s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
			return s, err
		})
	case "api_tokens":
		return each(`SELECT `+tokenCols+` FROM api_tokens ORDER BY id`, func(r pgx.Rows) (any, error) {
			t, err := scanToken(r)
			return concord.TokenRecord(t), err
		})
	case "features":
		return each(`SELECT `+featureCols+` FROM features ORDER BY id`, func(r pgx.Rows) (any, error) {
			f, err := scanFeature(r)
			return concord.RecordOf(f), err
		})
	case "records":
		return each(`SELECT `+recordCols+` FROM records ORDER BY kind, id`, func(r pgx.Rows) (any, error) {
			rec, err := scanRecord(r)
			return concord.RecordRow(rec), err
		})
	case "disclosures":
		return each(`SELECT party, kind, record_id, version, at, via FROM disclosures ORDER BY kind, record_id, version, party`, func(r pgx.Rows) (any, error) {
			var d concord.Disclosure
			err := r.Scan(&d.Party, &d.Kind, &d.RecordID, &d.Version, &d.At, &d.Via)
			d.At = d.At.UTC()
			return d, err
		})
	case "tracks":
		return each(`SELECT data FROM tracks ORDER BY uid`, func(r pgx.Rows) (any, error) {
			var b []byte
			err := r.Scan(&b)
			return b, err
		})
	case "track_history":
		return each(`SELECT uid, t, ST_Y(geom), ST_X(geom), hae, course, speed FROM track_history ORDER BY uid, t`, func(r pgx.Rows) (any, error) {
			var h concord.TrackHistoryRow
			err := r.Scan(&h.UID, &h.Time, &h.Lat, &h.Lon, &h.HAE, &h.Course, &h.Speed)
			h.Time = h.Time.UTC()
			return h, err
		})
	case "history", "outbox":
		return each(`SELECT event FROM `+table+` ORDER BY seq`, func(r pgx.Rows) (any, error) {
			var b []byte
			err := r.Scan(&b)
			return b, err
		})
	}
	return fmt.Errorf("unknown table %q", table)
}

// Import inserts rows of table as they are, in one transaction.
func (db *DB) Import(ctx context.Context, table string, rows []json.RawMessage) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		for _, raw := range rows {
			if err := queueRow(batch, table, raw); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return tx.SendBatch(ctx, batch).Close()
	})
}

func queueRow(b *pgx.Batch, table string, raw json.RawMessage) error {
	switch table {
	case "parties":
		var p concord.Party
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		policy, _ := json.Marshal(p.Policy)
		b.Queue(`INSERT INTO parties (code, name, kind, groups, policy, color, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			p.Code, p.Name, p.Kind, nonNil(p.Groups), policy, p.Color, p.Version, p.UpdatedAt)
	case "community_groups":
		var g concord.Group
		if err := json.Unmarshal(raw, &g); err != nil {
			return err
		}
		b.Queue(`INSERT INTO community_groups (code, name, description, version, updated_at) VALUES ($1, $2, $3, $4, $5)`, g.Code, g.Name, g.Description, g.Version, g.UpdatedAt)
	case "users":
		var u concord.UserRecord
		if err := json.Unmarshal(raw, &u); err != nil {
			return err
		}
		b.Queue(`INSERT INTO users (`+userCols+`, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			u.ID, u.Username, u.DisplayName, u.Party, roleStrings(u.Roles), u.Disabled, u.Version, u.CreatedAt, u.UpdatedAt, u.PasswordHash)
	case "sessions":
		var s concord.SessionRecord
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		b.Queue(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, s.TokenHash, s.UserID, s.CreatedAt, s.ExpiresAt)
	case "api_tokens":
		var t concord.TokenRecord
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		b.Queue(`INSERT INTO api_tokens (id, user_id, name, hash, created_at, expires_at, last_used) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			t.ID, t.UserID, t.Name, t.Hash, t.CreatedAt, t.ExpiresAt, t.LastUsed)
	case "features":
		var r concord.FeatureRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		args, err := featureArgs(r.Feature())
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO features (id, kind, name, description, geom, attrs, owner, rel, caveats,
			valid_from, valid_to, version, created_at, updated_at, updated_by, updated_by_party, deleted, doc)
			VALUES ($1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`, args...)
	case "records":
		var r concord.RecordRow
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		b.Queue(`INSERT INTO records (`+recordCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, recordArgs(concord.Record(r))...)
	case "disclosures":
		var d concord.Disclosure
		if err := json.Unmarshal(raw, &d); err != nil {
			return err
		}
		b.Queue(`INSERT INTO disclosures (party, kind, record_id, version, at, via) VALUES ($1, $2, $3, $4, $5, $6)`, d.Party, d.Kind, d.RecordID, d.Version, d.At, d.Via)
	case "history":
		var ev concord.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return err
		}
		b.Queue(`INSERT INTO history (kind, record_id, version, event) VALUES ($1, $2, $3, $4)`, ev.Kind, ev.RecordID, ev.Version, []byte(raw))
	case "outbox":
		b.Queue(`INSERT INTO outbox (event) VALUES ($1)`, []byte(raw))
	case "tracks":
		var t concord.Track
		if err := json.Unmarshal(raw, &t); err != nil {
			return err
		}
		queueTrack(b, &t, raw)
	case "track_history":
		var h concord.TrackHistoryRow
		if err := json.Unmarshal(raw, &h); err != nil {
			return err
		}
		b.Queue(`INSERT INTO track_history (uid, t, geom, hae, course, speed) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7)`,
			h.UID, h.Time, h.Lon, h.Lat, h.HAE, h.Course, h.Speed)
	default:
		return fmt.Errorf("unknown table %q", table)
	}
	return nil
}
