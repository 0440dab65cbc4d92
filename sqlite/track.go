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

// Track writes go in multi-row statements of up to trackRowsPer rows:
// per-statement overhead, not SQLite, is the cost of many small rows.
const (
	trackRowsPer = 100
	trackUpHead  = `INSERT INTO tracks (uid, owner, rel, caveats, t, lat, lon, data) VALUES `
	trackUpRow   = `(?, ?, ?, ?, ?, ?, ?, ?)`
	trackUpTail  = ` ON CONFLICT (uid) DO UPDATE SET owner = excluded.owner, rel = excluded.rel, caveats = excluded.caveats,
				t = excluded.t, lat = excluded.lat, lon = excluded.lon, data = excluded.data
			WHERE excluded.t >= tracks.t`
	trackHistHead = `INSERT OR REPLACE INTO track_history (uid, t, lat, lon, hae, course, speed) VALUES `
	trackHistRow  = `(?, ?, ?, ?, ?, ?, ?)`
)

// multiRow returns head, n copies of row separated by commas, and tail.
func multiRow(head, row, tail string, n int) string {
	var sb strings.Builder
	sb.Grow(len(head) + n*(len(row)+1) + len(tail))
	sb.WriteString(head)
	for k := 0; k < n; k++ {
		if k > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(row)
	}
	sb.WriteString(tail)
	return sb.String()
}

// PutTracks appends history to the history and upserts latest as the
// latest state of each track (an older report leaves it unchanged), in one
// transaction.
func (db *DB) PutTracks(ctx context.Context, history, latest []concord.Track) error {
	if len(history) == 0 && len(latest) == 0 {
		return nil
	}
	// Only the newest report of a uid can become its latest state.
	newest := make(map[string]int, len(latest))
	for i := range latest {
		if j, ok := newest[latest[i].UID]; !ok || !latest[i].Time.Before(latest[j].Time) {
			newest[latest[i].UID] = i
		}
	}
	// Full batches reuse statements prepared once (before the transaction,
	// which holds the only writer connection): parsing an 800-parameter
	// statement costs more than running it.
	upFull, err := db.prepared(ctx, multiRow(trackUpHead, trackUpRow, trackUpTail, trackRowsPer))
	if err != nil {
		return err
	}
	histFull, err := db.prepared(ctx, multiRow(trackHistHead, trackHistRow, "", trackRowsPer))
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		var args []any
		flush := func(full *sql.Stmt, head, row, tail string, n int) error {
			var err error
			switch n {
			case 0:
			case trackRowsPer:
				_, err = tx.StmtContext(ctx, full).ExecContext(ctx, args...)
			default:
				_, err = tx.ExecContext(ctx, multiRow(head, row, tail, n), args...)
			}
			args = args[:0]
			return err
		}
		n := 0
		for i := range latest {
			if newest[latest[i].UID] != i {
				continue
			}
			t := &latest[i]
			doc, err := json.Marshal(t)
			if err != nil {
				return err
			}
			args = append(args, t.UID, t.Marking.Owner, relColumn(t.Marking.Rel), relColumn(t.Marking.Caveats), ms(t.Time), t.Lat, t.Lon, doc)
			if n++; n == trackRowsPer {
				if err := flush(upFull, trackUpHead, trackUpRow, trackUpTail, n); err != nil {
					return err
				}
				n = 0
			}
		}
		if err := flush(upFull, trackUpHead, trackUpRow, trackUpTail, n); err != nil {
			return err
		}
		n = 0
		for i := range history {
			t := &history[i]
			args = append(args, t.UID, ms(t.Time), t.Lat, t.Lon, t.HAE, nullFloat(t.Course), nullFloat(t.Speed))
			if n++; n == trackRowsPer {
				if err := flush(histFull, trackHistHead, trackHistRow, "", n); err != nil {
					return err
				}
				n = 0
			}
		}
		return flush(histFull, trackHistHead, trackHistRow, "", n)
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
