package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/concord-mission/concord"
)

// record writes ev to the history and the outbox inside tx.
// eventWriter writes events to the history and the outbox with prepared
// statements (for batches).
type eventWriter struct{ hist, out *sql.Stmt }

func prepareEvents(ctx context.Context, tx *sql.Tx) (*eventWriter, error) {
	hist, err := tx.PrepareContext(ctx, `INSERT INTO history (kind, record_id, version, event) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	out, err := tx.PrepareContext(ctx, `INSERT INTO outbox (event) VALUES (?)`)
	if err != nil {
		hist.Close()
		return nil, err
	}
	return &eventWriter{hist, out}, nil
}

func (w *eventWriter) close() { w.hist.Close(); w.out.Close() }

func (w *eventWriter) record(ctx context.Context, ev concord.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := w.hist.ExecContext(ctx, ev.Kind, ev.RecordID, ev.Version, b); err != nil {
		return err
	}
	_, err = w.out.ExecContext(ctx, b)
	return err
}

func record(ctx context.Context, tx *sql.Tx, ev concord.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO history (kind, record_id, version, event) VALUES (?, ?, ?, ?)`, ev.Kind, ev.RecordID, ev.Version, b); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (event) VALUES (?)`, b)
	return err
}

// PendingEvents returns unpublished events in commit order.
func (db *DB) PendingEvents(ctx context.Context, limit int) ([]concord.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, event FROM outbox ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []concord.Event
	for rows.Next() {
		var seq int64
		var b []byte
		if err := rows.Scan(&seq, &b); err != nil {
			return nil, err
		}
		var ev concord.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, err
		}
		ev.Seq = seq
		out = append(out, ev)
	}
	return out, rows.Err()
}

// MarkPublished removes published events from the outbox.
func (db *DB) MarkPublished(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	args := make([]any, len(seqs))
	for i, s := range seqs {
		args[i] = s
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE seq IN (`+placeholders(len(seqs))+`)`, args...)
		return err
	})
}

// History returns every event of a record, oldest first.
func (db *DB) History(ctx context.Context, kind, id string) ([]concord.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, event FROM history WHERE kind = ? AND record_id = ? ORDER BY version, seq`, kind, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []concord.Event
	for rows.Next() {
		var seq int64
		var b []byte
		if err := rows.Scan(&seq, &b); err != nil {
			return nil, err
		}
		var ev concord.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
