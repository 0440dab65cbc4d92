package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/concord-mission/concord"
)

const featureCols = `id, kind, name, description, ST_AsBinary(geom), attrs, owner, rel, caveats,
	valid_from, valid_to, version, created_at, updated_at, updated_by, updated_by_party, deleted, doc`

const docCols = `id, kind, owner, rel, caveats, version, doc`

func scanFeature(row pgx.Row) (concord.Feature, error) {
	var f concord.Feature
	var geom, attrs []byte
	err := row.Scan(&f.ID, &f.Kind, &f.Name, &f.Description, &geom, &attrs, &f.Marking.Owner, &f.Marking.Rel, &f.Marking.Caveats,
		&f.ValidFrom, &f.ValidTo, &f.Version, &f.CreatedAt, &f.UpdatedAt, &f.UpdatedBy, &f.UpdatedByParty, &f.Deleted, &f.Doc)
	if err != nil {
		return f, err
	}
	if f.Geometry, err = wkb.Unmarshal(geom); err != nil {
		return f, err
	}
	if err := json.Unmarshal(attrs, &f.Attrs); err != nil {
		return f, err
	}
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	if f.ValidFrom != nil {
		t := f.ValidFrom.UTC()
		f.ValidFrom = &t
	}
	if f.ValidTo != nil {
		t := f.ValidTo.UTC()
		f.ValidTo = &t
	}
	return f, nil
}

func scanDoc(row pgx.Row) (concord.Feature, error) {
	var f concord.Feature
	err := row.Scan(&f.ID, &f.Kind, &f.Marking.Owner, &f.Marking.Rel, &f.Marking.Caveats, &f.Version, &f.Doc)
	return f, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func featureArgs(f concord.Feature) ([]any, error) {
	geom, err := wkb.Marshal(f.Geometry)
	if err != nil {
		return nil, err
	}
	attrs, err := json.Marshal(f.Attrs)
	if err != nil {
		return nil, err
	}
	return []any{f.ID, f.Kind, f.Name, f.Description, geom, attrs, f.Marking.Owner, nonNil(f.Marking.Rel), nonNil(f.Marking.Caveats),
		f.ValidFrom, f.ValidTo, f.Version, f.CreatedAt, f.UpdatedAt, f.UpdatedBy, f.UpdatedByParty, f.Deleted, []byte(f.Doc)}, nil
}

// InsertFeature stores a new feature with its history and event.
func (db *DB) InsertFeature(ctx context.Context, f concord.Feature, ev concord.Event) error {
	args, err := featureArgs(f)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO features (id, kind, name, description, geom, attrs, owner, rel, caveats,
			valid_from, valid_to, version, created_at, updated_at, updated_by, updated_by_party, deleted, doc)
			VALUES ($1, $2, $3, $4, ST_GeomFromWKB($5, 4326), $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`, args...); err != nil {
			return err
		}
		return record(ctx, tx, ev)
	})
}

// UpdateFeature replaces a feature if it is still at prevVersion.
func (db *DB) UpdateFeature(ctx context.Context, f concord.Feature, prev int, ev concord.Event) error {
	args, err := featureArgs(f)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		var cur int
		err := tx.QueryRow(ctx, `SELECT version FROM features WHERE id = $1 FOR UPDATE`, f.ID).Scan(&cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return concord.Errorf(concord.NotFound, "feature %s not found", f.ID)
		}
		if err != nil {
			return err
		}
		if cur != prev {
			return concord.Errorf(concord.Conflict, "feature %s is at version %d, not %d: someone changed it; reload and retry", f.ID, cur, prev)
		}
		if _, err := tx.Exec(ctx, `UPDATE features SET kind = $2, name = $3, description = $4, geom = ST_GeomFromWKB($5, 4326), attrs = $6,
			owner = $7, rel = $8, caveats = $9, valid_from = $10, valid_to = $11, version = $12, created_at = $13, updated_at = $14,
			updated_by = $15, updated_by_party = $16, deleted = $17, doc = $18 WHERE id = $1`, args...); err != nil {
			return err
		}
		return record(ctx, tx, ev)
	})
}

// Feature returns a feature by id, deleted or not.
func (db *DB) Feature(ctx context.Context, id string) (concord.Feature, error) {
	f, err := scanFeature(db.pool.QueryRow(ctx, `SELECT `+featureCols+` FROM features WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, concord.Errorf(concord.NotFound, "feature %s not found", id)
	}
	return f, mapErr(err)
}

const maxPage = 10000

// Features returns live features matching q, ordered by id.
func (db *DB) Features(ctx context.Context, q concord.FeatureQuery) ([]concord.Feature, error) {
	where := []string{"NOT deleted"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(q.Kinds) > 0 {
		kinds := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			kinds[i] = string(k)
		}
		where = append(where, "kind = ANY("+arg(kinds)+")")
	}
	if len(q.IDs) > 0 {
		where = append(where, "id = ANY("+arg(q.IDs)+")")
	}
	if q.BBox != nil {
		where = append(where, fmt.Sprintf("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", arg(q.BBox.Min[0]), arg(q.BBox.Min[1]), arg(q.BBox.Max[0]), arg(q.BBox.Max[1])))
	}
	if q.ActiveAt != nil {
		t := arg(*q.ActiveAt)
		where = append(where, fmt.Sprintf("(valid_from IS NULL OR valid_from <= %s) AND (valid_to IS NULL OR valid_to > %s)", t, t))
	}
	if q.After != "" {
		where = append(where, "id > "+arg(q.After))
	}
	limit := q.Limit
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	cols, scan := featureCols, scanFeature
	if q.DocOnly {
		cols, scan = docCols, scanDoc
	}
	rows, err := db.pool.Query(ctx, `SELECT `+cols+` FROM features WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT `+arg(limit), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := make([]concord.Feature, 0, min(limit, 256))
	for rows.Next() {
		f, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}

// CountFeatures counts live features.
func (db *DB) CountFeatures(ctx context.Context) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM features WHERE NOT deleted`).Scan(&n)
	return n, mapErr(err)
}
