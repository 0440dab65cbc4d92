package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/concord-mission/concord"
)

// Parties returns every party ordered by code.
func (db *DB) Parties(ctx context.Context) ([]concord.Party, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT code, name, kind, groups, policy, color, version, updated_at FROM parties ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []concord.Party
	for rows.Next() {
		var p concord.Party
		var groups, policy []byte
		var at int64
		if err := rows.Scan(&p.Code, &p.Name, &p.Kind, &groups, &policy, &p.Color, &p.Version, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(groups, &p.Groups); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(policy, &p.Policy); err != nil {
			return nil, err
		}
		p.UpdatedAt = fromMS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Groups returns every group ordered by code.
func (db *DB) Groups(ctx context.Context) ([]concord.Group, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT code, name, description, version, updated_at FROM community_groups ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []concord.Group
	for rows.Next() {
		var g concord.Group
		var at int64
		if err := rows.Scan(&g.Code, &g.Name, &g.Description, &g.Version, &at); err != nil {
			return nil, err
		}
		g.UpdatedAt = fromMS(at)
		out = append(out, g)
	}
	return out, rows.Err()
}

// PutParty inserts or conditionally updates a party.
func (db *DB) PutParty(ctx context.Context, p concord.Party, prev int, ev concord.Event) error {
	groups, _ := json.Marshal(p.Groups)
	policy, _ := json.Marshal(p.Policy)
	return db.tx(ctx, func(tx *sql.Tx) error {
		if prev == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO parties (code, name, kind, groups, policy, color, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				p.Code, p.Name, p.Kind, groups, policy, p.Color, p.Version, ms(p.UpdatedAt)); err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE parties SET name = ?, kind = ?, groups = ?, policy = ?, color = ?, version = ?, updated_at = ? WHERE code = ? AND version = ?`,
				p.Name, p.Kind, groups, policy, p.Color, p.Version, ms(p.UpdatedAt), p.Code, prev)
			if err != nil {
				return err
			}
			if err := oneRow(res, "party", p.Code); err != nil {
				return err
			}
		}
		return record(ctx, tx, ev)
	})
}

// PutGroup inserts or conditionally updates a group.
func (db *DB) PutGroup(ctx context.Context, g concord.Group, prev int, ev concord.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if prev == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO community_groups (code, name, description, version, updated_at) VALUES (?, ?, ?, ?, ?)`,
				g.Code, g.Name, g.Description, g.Version, ms(g.UpdatedAt)); err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE community_groups SET name = ?, description = ?, version = ?, updated_at = ? WHERE code = ? AND version = ?`,
				g.Name, g.Description, g.Version, ms(g.UpdatedAt), g.Code, prev)
			if err != nil {
				return err
			}
			if err := oneRow(res, "group", g.Code); err != nil {
				return err
			}
		}
		return record(ctx, tx, ev)
	})
}

// oneRow turns "no row updated" into a Conflict: the record changed or
// vanished since the caller read it.
func oneRow(res sql.Result, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return concord.Errorf(concord.Conflict, "%s %s changed since it was read; reload and retry", what, id)
	}
	return nil
}
