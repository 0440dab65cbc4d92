package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/concord-mission/concord"
)

// OutboxChannel is the LISTEN/NOTIFY channel that announces new outbox rows.
const OutboxChannel = "concord_outbox"

// record writes ev to the history and the outbox inside tx, and wakes the
// relay (wherever it runs) when the transaction commits.
func record(ctx context.Context, tx pgx.Tx, ev concord.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	batch := &pgx.Batch{}
	batch.Queue(`INSERT INTO history (kind, record_id, version, event) VALUES ($1, $2, $3, $4)`, ev.Kind, ev.RecordID, ev.Version, b)
	batch.Queue(`INSERT INTO outbox (event) VALUES ($1)`, b)
	batch.Queue(`SELECT pg_notify($1, '')`, OutboxChannel)
	return tx.SendBatch(ctx, batch).Close()
}

func scanEvents(rows pgx.Rows, withSeq bool) ([]concord.Event, error) {
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
		if withSeq {
			ev.Seq = seq
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// PendingEvents returns unpublished events after sequence after, in
// sequence order.
func (db *DB) PendingEvents(ctx context.Context, after int64, limit int) ([]concord.Event, error) {
	rows, err := db.pool.Query(ctx, `SELECT seq, event FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	return scanEvents(rows, true)
}

// MarkPublished removes published events from the outbox.
func (db *DB) MarkPublished(ctx context.Context, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := db.pool.Exec(ctx, `DELETE FROM outbox WHERE seq = ANY($1)`, seqs)
	return mapErr(err)
}

// History returns every event of a record, oldest first.
func (db *DB) History(ctx context.Context, kind, id string) ([]concord.Event, error) {
	rows, err := db.pool.Query(ctx, `SELECT seq, event FROM history WHERE kind = $1 AND record_id = $2 ORDER BY version, seq`, kind, id)
	if err != nil {
		return nil, mapErr(err)
	}
	return scanEvents(rows, false)
}

// ListenOutbox calls wake whenever a transaction adds to the outbox, until
// ctx ends or the connection fails. The relay holder runs it so that events
// committed on any instance are published at once, not at the next poll.
func (db *DB) ListenOutbox(ctx context.Context, wake func()) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+OutboxChannel); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "UNLISTEN "+OutboxChannel)
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wake()
	}
}
