package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/concord-mission/concord"
)

// Statements that record an event: in the history and in the outbox. The
// outbox row names the history row just inserted rather than copying the
// event.
const (
	insertHistory = `INSERT INTO history (kind, record_id, version, event) VALUES (?, ?, ?, ?)`
	insertOutbox  = `INSERT INTO outbox (hist) VALUES (last_insert_rowid())`
	// outboxEvents reads the outbox with each event's text.
	outboxEvents = `SELECT o.seq, ` + outboxEvent + outboxFrom
	outboxEvent  = `COALESCE(o.event, h.event)`
	outboxFrom   = ` FROM outbox o LEFT JOIN history h ON h.seq = o.hist`
)

// eventWriter writes events to the history and the outbox of one
// transaction with statements prepared once on the writer.
type eventWriter struct{ hist, out *sql.Stmt }

func (db *DB) eventWriter(ctx context.Context) (eventWriter, error) {
	hist, err := db.prepared(ctx, insertHistory)
	if err != nil {
		return eventWriter{}, err
	}
	out, err := db.prepared(ctx, insertOutbox)
	return eventWriter{hist, out}, err
}

// in returns the writer's statements bound to tx.
func (w eventWriter) in(ctx context.Context, tx *sql.Tx) eventWriter {
	return eventWriter{tx.StmtContext(ctx, w.hist), tx.StmtContext(ctx, w.out)}
}

func (w eventWriter) record(ctx context.Context, ev concord.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := w.hist.ExecContext(ctx, ev.Kind, ev.RecordID, ev.Version, b); err != nil {
		return err
	}
	_, err = w.out.ExecContext(ctx)
	return err
}

// record writes ev to the history and the outbox inside tx.
func record(ctx context.Context, tx *sql.Tx, ev concord.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, insertHistory, ev.Kind, ev.RecordID, ev.Version, b); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, insertOutbox)
	return err
}

// PendingEvents returns unpublished events after sequence after, in commit
// order.
func (db *DB) PendingEvents(ctx context.Context, after int64, limit int) ([]concord.Event, error) {
	rows, err := db.r.QueryContext(ctx, outboxEvents+` WHERE o.seq > ? ORDER BY o.seq LIMIT ?`, after, limit)
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
	// SQLite binds at most 32,766 parameters to a statement.
	const per = 8192
	return db.tx(ctx, func(tx *sql.Tx) error {
		for len(seqs) > 0 {
			part := seqs[:min(per, len(seqs))]
			seqs = seqs[len(part):]
			args := make([]any, len(part))
			for i, s := range part {
				args[i] = s
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE seq IN (`+placeholders(len(part))+`)`, args...); err != nil {
				return err
			}
		}
		return nil
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
