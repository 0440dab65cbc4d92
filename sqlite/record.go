package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/concord-mission/concord"
)

const recordCols = `kind, id, owner, rel, caveats, version, status, t_from, t_to, data, created_at, updated_at`

func scanRecord(row interface{ Scan(...any) error }) (concord.Record, error) {
	var r concord.Record
	var rel, cav string
	var f, t sql.NullInt64
	var c, u int64
	if err := row.Scan(&r.Kind, &r.ID, &r.Marking.Owner, &rel, &cav, &r.Version, &r.Status, &f, &t, &r.Data, &c, &u); err != nil {
		return r, err
	}
	r.Marking.Rel, r.Marking.Caveats = relTokens(rel), relTokens(cav)
	r.From, r.To = fromNullMS(f), fromNullMS(t)
	r.CreatedAt, r.UpdatedAt = fromMS(c), fromMS(u)
	return r, nil
}

func recordArgs(r concord.Record) []any {
	return []any{r.Kind, r.ID, r.Marking.Owner, relColumn(r.Marking.Rel), relColumn(r.Marking.Caveats), r.Version, r.Status,
		nullMS(r.From), nullMS(r.To), []byte(r.Data), ms(r.CreatedAt), ms(r.UpdatedAt)}
}

// InsertRecord stores a new record with its history and event.
func (db *DB) InsertRecord(ctx context.Context, r concord.Record, ev concord.Event, extra ...concord.Event) error {
	return db.WriteRecords(ctx, []concord.RecordWrite{{Record: r, Events: append([]concord.Event{ev}, extra...)}})
}

// UpdateRecord replaces a record if it is still at version prev.
func (db *DB) UpdateRecord(ctx context.Context, r concord.Record, prev int, ev concord.Event, extra ...concord.Event) error {
	return db.WriteRecords(ctx, []concord.RecordWrite{{Record: r, Prev: prev, Events: append([]concord.Event{ev}, extra...)}})
}

// Statements that write records.
const (
	insertRecord = `INSERT INTO records (` + recordCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateRecord = `UPDATE records SET owner = ?, rel = ?, caveats = ?, version = ?, status = ?, t_from = ?, t_to = ?, data = ?, created_at = ?, updated_at = ?
			WHERE kind = ? AND id = ? AND version = ?`
)

// WriteRecords commits inserts and updates with their events, all or none.
func (db *DB) WriteRecords(ctx context.Context, ws []concord.RecordWrite) error {
	insStmt, err := db.prepared(ctx, insertRecord)
	if err != nil {
		return err
	}
	updStmt, err := db.prepared(ctx, updateRecord)
	if err != nil {
		return err
	}
	evw, err := db.eventWriter(ctx)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		ins, upd, ev := tx.StmtContext(ctx, insStmt), tx.StmtContext(ctx, updStmt), evw.in(ctx, tx)
		for _, w := range ws {
			r := w.Record
			a := recordArgs(r)
			if w.Prev == 0 {
				if _, err := ins.ExecContext(ctx, a...); err != nil {
					return err
				}
			} else {
				res, err := upd.ExecContext(ctx, append(a[2:], r.Kind, r.ID, w.Prev)...)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					var cur int
					if err := tx.QueryRowContext(ctx, `SELECT version FROM records WHERE kind = ? AND id = ?`, r.Kind, r.ID).Scan(&cur); errors.Is(err, sql.ErrNoRows) {
						return concord.Errorf(concord.NotFound, "%s %s not found", r.Kind, r.ID)
					}
					return concord.Errorf(concord.Conflict, "%s %s is at version %d, not %d: someone changed it; reload and retry", r.Kind, r.ID, cur, w.Prev)
				}
			}
			for _, e := range w.Events {
				if err := ev.record(ctx, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Record returns one record.
func (db *DB) Record(ctx context.Context, kind, id string) (concord.Record, error) {
	r, err := scanRecord(db.r.QueryRowContext(ctx, `SELECT `+recordCols+` FROM records WHERE kind = ? AND id = ?`, kind, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, concord.Errorf(concord.NotFound, "%s %s not found", kind, id)
	}
	return r, err
}

// Records returns records matching q, ordered by id.
func (db *DB) Records(ctx context.Context, q concord.RecordQuery) ([]concord.Record, error) {
	where := []string{"kind = ?"}
	args := []any{q.Kind}
	if len(q.Statuses) > 0 {
		where = append(where, "status IN ("+placeholders(len(q.Statuses))+")")
		for _, s := range q.Statuses {
			args = append(args, s)
		}
	}
	if len(q.IDs) > 0 {
		where = append(where, "id IN ("+placeholders(len(q.IDs))+")")
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	if q.Overlaps != nil {
		where = append(where, "(t_to IS NULL OR t_to > ?) AND (t_from IS NULL OR t_from < ?)")
		args = append(args, ms(q.Overlaps[0]), ms(q.Overlaps[1]))
	}
	if q.After != "" {
		where = append(where, "id > ?")
		args = append(args, q.After)
	}
	limit := q.Limit
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, `SELECT `+recordCols+` FROM records WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, err
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
	return out, rows.Err()
}

// RecordDisclosures logs disclosures, keeping the first of duplicates.
func (db *DB) RecordDisclosures(ctx context.Context, ds []concord.Disclosure) error {
	if len(ds) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO disclosures (party, kind, record_id, version, at, via) VALUES (?, ?, ?, ?, ?, ?)`,
				d.Party, d.Kind, d.RecordID, d.Version, ms(d.At), d.Via); err != nil {
				return err
			}
		}
		return nil
	})
}

// Disclosures lists who received a record, oldest first.
func (db *DB) Disclosures(ctx context.Context, kind, id string) ([]concord.Disclosure, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT party, kind, record_id, version, at, via FROM disclosures WHERE kind = ? AND record_id = ? ORDER BY at, party, version`, kind, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []concord.Disclosure{}
	for rows.Next() {
		var d concord.Disclosure
		var at int64
		if err := rows.Scan(&d.Party, &d.Kind, &d.RecordID, &d.Version, &at, &d.Via); err != nil {
			return nil, err
		}
		d.At = fromMS(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
