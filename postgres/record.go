package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/concord-mission/concord"
)

const recordCols = `kind, id, owner, rel, caveats, version, status, t_from, t_to, data, created_at, updated_at`

func scanRecord(row pgx.Row) (concord.Record, error) {
	var r concord.Record
	if err := row.Scan(&r.Kind, &r.ID, &r.Marking.Owner, &r.Marking.Rel, &r.Marking.Caveats, &r.Version, &r.Status, &r.From, &r.To, &r.Data, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.From, r.To = utcPtr(r.From), utcPtr(r.To)
	return r, nil
}

func recordArgs(r concord.Record) []any {
	return []any{r.Kind, r.ID, r.Marking.Owner, nonNil(r.Marking.Rel), nonNil(r.Marking.Caveats), r.Version, r.Status, r.From, r.To, []byte(r.Data), r.CreatedAt, r.UpdatedAt}
}

// InsertRecord stores a new record with its history and event.
func (db *DB) InsertRecord(ctx context.Context, r concord.Record, ev concord.Event, extra ...concord.Event) error {
	return db.WriteRecords(ctx, []concord.RecordWrite{{Record: r, Events: append([]concord.Event{ev}, extra...)}})
}

// UpdateRecord replaces a record if it is still at version prev.
func (db *DB) UpdateRecord(ctx context.Context, r concord.Record, prev int, ev concord.Event, extra ...concord.Event) error {
	return db.WriteRecords(ctx, []concord.RecordWrite{{Record: r, Prev: prev, Events: append([]concord.Event{ev}, extra...)}})
}

// WriteRecords commits inserts and updates with their events, all or none,
// sending them in pipelined batches.
func (db *DB) WriteRecords(ctx context.Context, ws []concord.RecordWrite) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		const chunk = 500
		for start := 0; start < len(ws); start += chunk {
			part := ws[start:min(start+chunk, len(ws))]
			batch := &pgx.Batch{}
			for _, w := range part {
				r := w.Record
				if w.Prev == 0 {
					batch.Queue(`INSERT INTO records (`+recordCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, recordArgs(r)...)
				} else {
					batch.Queue(`UPDATE records SET owner = $3, rel = $4, caveats = $5, version = $6, status = $7, t_from = $8, t_to = $9, data = $10, created_at = $11, updated_at = $12
						WHERE kind = $1 AND id = $2 AND version = $13`, append(recordArgs(r), w.Prev)...)
				}
				for _, e := range w.Events {
					b, err := json.Marshal(e)
					if err != nil {
						return err
					}
					batch.Queue(`INSERT INTO history (kind, record_id, version, event) VALUES ($1, $2, $3, $4)`, e.Kind, e.RecordID, e.Version, b)
					batch.Queue(`INSERT INTO outbox (event) VALUES ($1)`, b)
				}
			}
			res := tx.SendBatch(ctx, batch)
			for _, w := range part {
				tag, err := res.Exec()
				if err != nil {
					res.Close()
					return err
				}
				if w.Prev != 0 && tag.RowsAffected() != 1 {
					res.Close()
					return db.versionError(ctx, w.Record, w.Prev)
				}
				for range 2 * len(w.Events) {
					if _, err := res.Exec(); err != nil {
						res.Close()
						return err
					}
				}
			}
			if err := res.Close(); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, OutboxChannel)
		return err
	})
}

// versionError explains why an update matched no row, outside the failed
// transaction.
func (db *DB) versionError(ctx context.Context, r concord.Record, prev int) error {
	var cur int
	err := db.pool.QueryRow(ctx, `SELECT version FROM records WHERE kind = $1 AND id = $2`, r.Kind, r.ID).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return concord.Errorf(concord.NotFound, "%s %s not found", r.Kind, r.ID)
	}
	return concord.Errorf(concord.Conflict, "%s %s is at version %d, not %d: someone changed it; reload and retry", r.Kind, r.ID, cur, prev)
}

// Record returns one record.
func (db *DB) Record(ctx context.Context, kind, id string) (concord.Record, error) {
	r, err := scanRecord(db.pool.QueryRow(ctx, `SELECT `+recordCols+` FROM records WHERE kind = $1 AND id = $2`, kind, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, concord.Errorf(concord.NotFound, "%s %s not found", kind, id)
	}
	return r, mapErr(err)
}

// Records returns records matching q, ordered by id.
func (db *DB) Records(ctx context.Context, q concord.RecordQuery) ([]concord.Record, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := []string{"kind = " + arg(q.Kind)}
	if len(q.Statuses) > 0 {
		where = append(where, "status = ANY("+arg(q.Statuses)+")")
	}
	if len(q.IDs) > 0 {
		where = append(where, "id = ANY("+arg(q.IDs)+")")
	}
	if q.Overlaps != nil {
		where = append(where, fmt.Sprintf("(t_to IS NULL OR t_to > %s) AND (t_from IS NULL OR t_from < %s)", arg(q.Overlaps[0]), arg(q.Overlaps[1])))
	}
	if q.After != "" {
		where = append(where, "id > "+arg(q.After))
	}
	limit := q.Limit
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	rows, err := db.pool.Query(ctx, `SELECT `+recordCols+` FROM records WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []concord.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// RecordDisclosures logs disclosures, keeping the first of duplicates.
func (db *DB) RecordDisclosures(ctx context.Context, ds []concord.Disclosure) error {
	if len(ds) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, d := range ds {
		b.Queue(`INSERT INTO disclosures (party, kind, record_id, version, at, via) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, d.Party, d.Kind, d.RecordID, d.Version, d.At, d.Via)
	}
	return mapErr(db.pool.SendBatch(ctx, b).Close())
}

// Disclosures lists who received a record, oldest first.
func (db *DB) Disclosures(ctx context.Context, kind, id string) ([]concord.Disclosure, error) {
	rows, err := db.pool.Query(ctx, `SELECT party, kind, record_id, version, at, via FROM disclosures WHERE kind = $1 AND record_id = $2 ORDER BY at, party, version`, kind, id)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := []concord.Disclosure{}
	for rows.Next() {
		var d concord.Disclosure
		if err := rows.Scan(&d.Party, &d.Kind, &d.RecordID, &d.Version, &d.At, &d.Via); err != nil {
			return nil, err
		}
		d.At = d.At.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
