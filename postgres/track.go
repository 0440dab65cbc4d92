package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/concord-mission/concord"
)

const upsertTrack = `INSERT INTO tracks (uid, owner, rel, caveats, t, geom, data) VALUES ($1, $2, $3, $4, $5, ST_SetSRID(ST_MakePoint($6, $7), 4326), $8)
	ON CONFLICT (uid) DO UPDATE SET owner = excluded.owner, rel = excluded.rel, caveats = excluded.caveats, t = excluded.t, geom = excluded.geom, data = excluded.data
	WHERE excluded.t >= tracks.t`

func queueTrack(b *pgx.Batch, t *concord.Track, doc []byte) {
	b.Queue(upsertTrack, t.UID, t.Marking.Owner, nonNil(t.Marking.Rel), nonNil(t.Marking.Caveats), t.Time, t.Lon, t.Lat, doc)
}

// PutTracks appends history to the history and upserts latest as the
// latest state of each track (an older report leaves it unchanged), in one
// transaction.
func (db *DB) PutTracks(ctx context.Context, history, latest []concord.Track) error {
	if len(history) == 0 && len(latest) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for i := range latest {
			t := &latest[i]
			doc, err := json.Marshal(t)
			if err != nil {
				return err
			}
			queueTrack(b, t, doc)
		}
		for i := range history {
			t := &history[i]
			b.Queue(`INSERT INTO track_history (uid, t, geom, hae, course, speed) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 4326), $5, $6, $7)
				ON CONFLICT (uid, t) DO UPDATE SET geom = excluded.geom, hae = excluded.hae, course = excluded.course, speed = excluded.speed`,
				t.UID, t.Time, t.Lon, t.Lat, t.HAE, t.Course, t.Speed)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// Tracks returns the latest state of tracks matching q, ordered by uid.
func (db *DB) Tracks(ctx context.Context, q concord.TrackQuery) ([]concord.Track, error) {
	limit := q.Limit
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	since := q.UpdatedSince
	if since.IsZero() {
		since = time.UnixMilli(0)
	}
	rows, err := db.pool.Query(ctx, `SELECT data FROM tracks WHERE uid > $1 AND t >= $2 ORDER BY uid LIMIT $3`, q.After, since, limit)
	if err != nil {
		return nil, mapErr(err)
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
	err := db.pool.QueryRow(ctx, `SELECT data FROM tracks WHERE uid = $1`, uid).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, concord.Errorf(concord.NotFound, "track %s not found", uid)
	}
	if err != nil {
		return t, mapErr(err)
	}
	return t, json.Unmarshal(b, &t)
}

// TrackHistory returns up to limit reports of a track in [from, to).
func (db *DB) TrackHistory(ctx context.Context, uid string, from, to time.Time, limit int) ([]concord.TrackPoint, error) {
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := db.pool.Query(ctx, `SELECT t, ST_Y(geom), ST_X(geom), hae, course, speed FROM track_history
		WHERE uid = $1 AND t >= $2 AND t < $3 ORDER BY t LIMIT $4`, uid, from, to, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []concord.TrackPoint{}
	for rows.Next() {
		var p concord.TrackPoint
		if err := rows.Scan(&p.Time, &p.Lat, &p.Lon, &p.HAE, &p.Course, &p.Speed); err != nil {
			return nil, err
		}
		p.Time = p.Time.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// PruneTracks deletes history older than before and tracks last observed
// before it.
func (db *DB) PruneTracks(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM track_history WHERE t < $1`, before)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM tracks WHERE t < $1`, before)
		return err
	})
	return n, err
}
