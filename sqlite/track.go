package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/concord-mission/concord"
)

// PutTracks upserts the latest state of each track (an older report leaves
// it unchanged) and appends every report to the history, in one
// transaction.
func (db *DB) PutTracks(ctx context.Context, ts []concord.Track) error {
	if len(ts) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		up, err := tx.PrepareContext(ctx, `INSERT INTO tracks (uid, owner, rel, caveats, t, lat, lon, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (uid) DO UPDATE SET owner = excluded.owner, rel = excluded.rel, caveats = excluded.caveats,
				t = excluded.t, lat = excluded.lat, lon = excluded.lon, data = excluded.data
			WHERE excluded.t >= tracks.t`)
		if err != nil {
			return err
		}
		defer up.Close()
		hist, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO track_history (uid, t, lat, lon, hae, course, speed) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer hist.Close()
		for i := range ts {
			t := &ts[i]
			doc, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if _, err := up.ExecContext(ctx, t.UID, t.Marking.Owner, relColumn(t.Marking.Rel), relColumn(t.Marking.Caveats), ms(t.Time), t.Lat, t.Lon, doc); err != nil {
				return err
			}
			if _, err := hist.ExecContext(ctx, t.UID, ms(t.Time), t.Lat, t.Lon, t.HAE, nullFloat(t.Course), nullFloat(t.Speed)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Tracks returns the latest state of tracks matching q, ordered by uid.
func (db *DB) Tracks(ctx context.Context, q concord.TrackQuery) ([]concord.Track, error) {
	where := []string{"uid > ?"}
	args := []any{q.After}
	if !q.UpdatedSince.IsZero() {
		where = append(where, "t >= ?")
		args = append(args, ms(q.UpdatedSince))
	}
	limit := q.Limit
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, `SELECT data FROM tracks WHERE `+strings.Join(where, " AND ")+` ORDER BY uid LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []concord.Track{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		var t concord.Track
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Track returns the latest state of one track.
func (db *DB) Track(ctx context.Context, uid string) (concord.Track, error) {
	var b []byte
	var t concord.Track
	err := db.r.QueryRowContext(ctx, `SELECT data FROM tracks WHERE uid = ?`, uid).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return t, concord.Errorf(concord.NotFound, "track %s not found", uid)
	}
	if err != nil {
		return t, err
	}
	return t, json.Unmarshal(b, &t)
}

// TrackHistory returns up to limit reports of a track in [from, to).
func (db *DB) TrackHistory(ctx context.Context, uid string, from, to time.Time, limit int) ([]concord.TrackPoint, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := db.r.QueryContext(ctx, `SELECT t, lat, lon, hae, course, speed FROM track_history WHERE uid = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?`,
		uid, ms(from), ms(to), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []concord.TrackPoint{}
	for rows.Next() {
		var p concord.TrackPoint
		var t int64
		var c, s sql.NullFloat64
		if err := rows.Scan(&t, &p.Lat, &p.Lon, &p.HAE, &c, &s); err != nil {
			return nil, err
		}
		p.Time, p.Course, p.Speed = fromMS(t), floatPtr(c), floatPtr(s)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PruneTracks deletes history older than before and tracks last observed
// before it.
func (db *DB) PruneTracks(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM track_history WHERE t < ?`, ms(before))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM tracks WHERE t < ?`, ms(before))
		return err
	})
	return n, err
}

func nullFloat(v *float64) sql.NullFloat64 {
	if v == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *v, Valid: true}
}

func floatPtr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	return &v.Float64
}
