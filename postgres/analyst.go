package postgres

import (
	"context"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/concord-mission/concord"
)

// LayerViews are the per-kind views QGIS lists as layers.
var LayerViews = []string{
	"layer_areas_of_operations", "layer_admin_areas", "layer_sectors", "layer_restricted_areas",
	"layer_activity_areas", "layer_control_lines", "layer_routes", "layer_sites", "layer_tracks",
}

var roleName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// GrantAnalyst creates (or updates) a login role that reads the database
// as party: row-level security shows it exactly the features that party
// may see, through the features table and the layer views. An empty
// password leaves the role's password as it is (or none).
func (db *DB) GrantAnalyst(ctx context.Context, role, party, password string) error {
	if !roleName.MatchString(role) {
		return concord.Errorf(concord.Invalid, "role %q: use lower-case letters, digits and underscores, starting with a letter", role)
	}
	var known bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM parties WHERE code = $1)`, party).Scan(&known); err != nil {
		return mapErr(err)
	}
	if !known {
		return concord.Errorf(concord.Invalid, "unknown party %s", party)
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
			return err
		}
		id := pgx.Identifier{role}.Sanitize()
		if !exists {
			if _, err := tx.Exec(ctx, "CREATE ROLE "+id+" LOGIN NOINHERIT"); err != nil {
				return err
			}
		}
		if password != "" {
			// Passwords cannot be bound as parameters in DDL; quote it.
			if _, err := tx.Exec(ctx, "ALTER ROLE "+id+" PASSWORD "+quoteLiteral(password)); err != nil {
				return err
			}
		}
		stmts := []string{
			"GRANT CONNECT ON DATABASE " + pgx.Identifier{dbName(ctx, tx)}.Sanitize() + " TO " + id,
			"GRANT USAGE ON SCHEMA public TO " + id,
			"GRANT SELECT ON features, tracks, track_history, spatial_ref_sys, geometry_columns TO " + id,
		}
		for _, v := range LayerViews {
			stmts = append(stmts, "GRANT SELECT ON "+v+" TO "+id)
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO analyst_roles (role_name, party) VALUES ($1, $2) ON CONFLICT (role_name) DO UPDATE SET party = EXCLUDED.party`, role, party)
		return err
	})
}

// RevokeAnalyst removes an analyst role created by GrantAnalyst.
func (db *DB) RevokeAnalyst(ctx context.Context, role string) error {
	if !roleName.MatchString(role) {
		return concord.Errorf(concord.Invalid, "role %q is not a valid role name", role)
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		id := pgx.Identifier{role}.Sanitize()
		if _, err := tx.Exec(ctx, `DELETE FROM analyst_roles WHERE role_name = $1`, role); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "+id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "REVOKE ALL ON SCHEMA public FROM "+id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "REVOKE ALL ON DATABASE "+pgx.Identifier{dbName(ctx, tx)}.Sanitize()+" FROM "+id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DROP ROLE IF EXISTS "+id)
		return err
	})
}

func dbName(ctx context.Context, tx pgx.Tx) string {
	var n string
	_ = tx.QueryRow(ctx, `SELECT current_database()`).Scan(&n)
	return n
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
