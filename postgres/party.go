package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/concord-mission/concord"
)

// Parties returns every party ordered by code.
func (db *DB) Parties(ctx context.Context) ([]concord.Party, error) {
	rows, err := db.pool.Query(ctx, `SELECT code, name, kind, groups, policy, color, version, updated_at FROM parties ORDER BY code`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []concord.Party
	for rows.Next() {
		var p concord.Party
		var policy []byte
		if err := rows.Scan(&p.Code, &p.Name, &p.Kind, &p.Groups, &policy, &p.Color, &p.Version, &p.UpdatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(policy, &p.Policy); err != nil {
			return nil, err
		}
		p.UpdatedAt = p.UpdatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// Groups returns every group ordered by code.
func (db *DB) Groups(ctx context.Context) ([]concord.Group, error) {
	rows, err := db.pool.Query(ctx, `SELECT code, name, description, version, updated_at FROM community_groups ORDER BY code`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []concord.Group
	for rows.Next() {
		var g concord.Group
		if err := rows.Scan(&g.Code, &g.Name, &g.Description, &g.Version, &g.UpdatedAt); err != nil {
			return nil, err
		}
		g.UpdatedAt = g.UpdatedAt.UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

// PutParty inserts or conditionally updates a party.
func (db *DB) PutParty(ctx context.Context, p concord.Party, prev int, ev concord.Event) error {
	policy, _ := json.Marshal(p.Policy)
	groups := p.Groups
	if groups == nil {
		groups = []string{}
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if prev == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO parties (code, name, kind, groups, policy, color, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				p.Code, p.Name, p.Kind, groups, policy, p.Color, p.Version, p.UpdatedAt); err != nil {
				return err
			}
		} else {
			tag, err := tx.Exec(ctx, `UPDATE parties SET name = $1, kind = $2, groups = $3, policy = $4, color = $5, version = $6, updated_at = $7 WHERE code = $8 AND version = $9`,
				p.Name, p.Kind, groups, policy, p.Color, p.Version, p.UpdatedAt, p.Code, prev)
			if err != nil {
				return err
			}
			if err := oneRow(tag, "party", p.Code); err != nil {
				return err
			}
		}
		return record(ctx, tx, ev)
	})
}

// PutGroup inserts or conditionally updates a group.
func (db *DB) PutGroup(ctx context.Context, g concord.Group, prev int, ev concord.Event) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		if prev == 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO community_groups (code, name, description, version, updated_at) VALUES ($1, $2, $3, $4, $5)`,
				g.Code, g.Name, g.Description, g.Version, g.UpdatedAt); err != nil {
				return err
			}
		} else {
			tag, err := tx.Exec(ctx, `UPDATE community_groups SET name = $1, description = $2, version = $3, updated_at = $4 WHERE code = $5 AND version = $6`,
				g.Name, g.Description, g.Version, g.UpdatedAt, g.Code, prev)
			if err != nil {
				return err
			}
			if err := oneRow(tag, "group", g.Code); err != nil {
				return err
			}
		}
		return record(ctx, tx, ev)
	})
}

func oneRow(tag pgconn.CommandTag, what, id string) error {
	if tag.RowsAffected() != 1 {
		return concord.Errorf(concord.Conflict, "%s %s changed since it was read; reload and retry", what, id)
	}
	return nil
}
