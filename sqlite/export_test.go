package sqlite

import "context"

// ExecForTest runs raw SQL, for tests that fake states a real binary would make.
func (db *DB) ExecForTest(ctx context.Context, q string) error {
	_, err := db.w.ExecContext(ctx, q)
	return err
}
