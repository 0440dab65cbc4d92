package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/concord-mission/concord"
)

const featureCols = `f.id, f.kind, f.name, f.description, f.geometry, f.attrs, f.owner, f.rel, f.caveats,
	f.valid_from, f.valid_to, f.version, f.created_at, f.updated_at, f.updated_by, f.updated_by_party, f.deleted, f.doc`

// docCols are the columns a DocOnly query reads.
const docCols = `f.id, f.kind, f.owner, f.rel, f.caveats, f.version, f.doc`

func scanDoc(row interface{ Scan(...any) error }) (concord.Feature, error) {
	var f concord.Feature
	var rel, cav string
	err := row.Scan(&f.ID, &f.Kind, &f.Marking.Owner, &rel, &cav, &f.Version, &f.Doc)
	f.Marking.Rel, f.Marking.Caveats = relTokens(rel), relTokens(cav)
	return f, err
}

// relColumn stores tokens as " A B C " for whole-token LIKE matching.
func relColumn(tokens []string) string {
	if len(tokens) == 0 {
		return " "
	}
	return " " + strings.Join(tokens, " ") + " "
}

func relTokens(col string) []string {
	f := strings.Fields(col)
	if f == nil {
		f = []string{}
	}
	return f
}

func scanFeature(row interface{ Scan(...any) error }) (concord.Feature, error) {
	var f concord.Feature
	var geom, attrs []byte
	var rel, cav string
	var vf, vt sql.NullInt64
	var created, updated int64
	err := row.Scan(&f.ID, &f.Kind, &f.Name, &f.Description, &geom, &attrs, &f.Marking.Owner, &rel, &cav,
		&vf, &vt, &f.Version, &created, &updated, &f.UpdatedBy, &f.UpdatedByParty, &f.Deleted, &f.Doc)
	if err != nil {
		return f, err
	}
	g, err := wkb.Unmarshal(geom)
	if err != nil {
		return f, err
	}
	f.Geometry = g
	if err := json.Unmarshal(attrs, &f.Attrs); err != nil {
		return f, err
	}
	f.Marking.Rel, f.Marking.Caveats = relTokens(rel), relTokens(cav)
	f.ValidFrom, f.ValidTo = fromNullMS(vf), fromNullMS(vt)
	f.CreatedAt, f.UpdatedAt = fromMS(created), fromMS(updated)
	return f, nil
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
	return []any{f.Kind, f.Name, f.Description, geom, attrs, f.Marking.Owner, relColumn(f.Marking.Rel), relColumn(f.Marking.Caveats),
		nullMS(f.ValidFrom), nullMS(f.ValidTo), f.Version, ms(f.CreatedAt), ms(f.UpdatedAt), f.UpdatedBy, f.UpdatedByParty, f.Deleted, []byte(f.Doc)}, nil
}

func setBBox(ctx context.Context, tx *sql.Tx, rid int64, f concord.Feature) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM feature_bbox WHERE rid = ?`, rid); err != nil {
		return err
	}
	if f.Deleted {
		return nil
	}
	b := f.Bound()
	_, err := tx.ExecContext(ctx, `INSERT INTO feature_bbox (rid, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)`, rid, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
	return err
}

// InsertFeature stores a new feature with its bbox, history and event.
func (db *DB) InsertFeature(ctx context.Context, f concord.Feature, ev concord.Event) error {
	args, err := featureArgs(f)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO features (id, kind, name, description, geometry, attrs, owner, rel, caveats,
			valid_from, valid_to, version, created_at, updated_at, updated_by, updated_by_party, deleted, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{f.ID}, args...)...)
		if err != nil {
			return err
		}
		rid, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := setBBox(ctx, tx, rid, f); err != nil {
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
	return db.tx(ctx, func(tx *sql.Tx) error {
		var rid int64
		var cur int
		err := tx.QueryRowContext(ctx, `SELECT rid, version FROM features WHERE id = ?`, f.ID).Scan(&rid, &cur)
		if errors.Is(err, sql.ErrNoRows) {
			return concord.Errorf(concord.NotFound, "feature %s not found", f.ID)
		}
		if err != nil {
			return err
		}
		if cur != prev {
			return concord.Errorf(concord.Conflict, "feature %s is at version %d, not %d: someone changed it; reload and retry", f.ID, cur, prev)
		}
		_, err = tx.ExecContext(ctx, `UPDATE features SET kind = ?, name = ?, description = ?, geometry = ?, attrs = ?, owner = ?, rel = ?, caveats = ?,
			valid_from = ?, valid_to = ?, version = ?, created_at = ?, updated_at = ?, updated_by = ?, updated_by_party = ?, deleted = ?, doc = ? WHERE rid = ?`,
			append(args, rid)...)
		if err != nil {
			return err
		}
		if err := setBBox(ctx, tx, rid, f); err != nil {
			return err
		}
		return record(ctx, tx, ev)
	})
}

// Feature returns a feature by id, deleted or not.
func (db *DB) Feature(ctx context.Context, id string) (concord.Feature, error) {
	f, err := scanFeature(db.r.QueryRowContext(ctx, `SELECT `+featureCols+` FROM features f WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, concord.Errorf(concord.NotFound, "feature %s not found", id)
	}
	return f, err
}

// maxPage caps one query's rows.
const maxPage = 10000

// Features returns live features matching q, ordered by id.
func (db *DB) Features(ctx context.Context, q concord.FeatureQuery) ([]concord.Feature, error) {
	var where []string
	var args []any
	where = append(where, "f.deleted = 0")
	if len(q.Kinds) > 0 {
		where = append(where, "f.kind IN ("+placeholders(len(q.Kinds))+")")
		for _, k := range q.Kinds {
			args = append(args, string(k))
		}
	}
	if len(q.IDs) > 0 {
		where = append(where, "f.id IN ("+placeholders(len(q.IDs))+")")
		for _, id := range q.IDs {
			args = append(args, id)
		}
	}
	if q.BBox != nil {
		where = append(where, "f.rid IN (SELECT rid FROM feature_bbox WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)")
		args = append(args, q.BBox.Max[0], q.BBox.Min[0], q.BBox.Max[1], q.BBox.Min[1])
	}
	if q.ActiveAt != nil {
		t := ms(*q.ActiveAt)
		where = append(where, "(f.valid_from IS NULL OR f.valid_from <= ?) AND (f.valid_to IS NULL OR f.valid_to > ?)")
		args = append(args, t, t)
	}
	if q.After != "" {
		where = append(where, "f.id > ?")
		args = append(args, q.After)
	}
	limit := q.Limit
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	args = append(args, limit)
	cols, scan := featureCols, scanFeature
	if q.DocOnly {
		cols, scan = docCols, scanDoc
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+cols+` FROM features f WHERE `+strings.Join(where, " AND ")+` ORDER BY f.id LIMIT ?`, args...)
	if err != nil {
		return nil, err
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
	return out, rows.Err()
}

// CountFeatures counts live features.
func (db *DB) CountFeatures(ctx context.Context) (int64, error) {
	var n int64
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM features WHERE deleted = 0`).Scan(&n)
	return n, err
}
