package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/concord-mission/concord"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite store. It implements concord.Store.
type DB struct {
	path string
	w    *sql.DB // the single writer connection
	r    *sql.DB // readers

	stmts sync.Map // query -> *sql.Stmt prepared on w

	// pageSize is this file's page size: databases created before new
	// ones got 16 KiB pages keep 4 KiB ones.
	pageSize int

	stopCheckpoints context.CancelFunc
	checkpoints     sync.WaitGroup
}

var _ concord.Store = (*DB)(nil)

// Options tune Open.
type Options struct {
	// Migrate applies pending migrations; without it Open fails if any are
	// pending.
	Migrate bool
}

// Open opens (creating if needed) the database file at path, checks the
// schema version, and applies pending migrations if asked.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// SQLite's page cache is 2 MiB per connection by default: far too
	// small for the indexes a busy writer touches (track history, records,
	// outbox), so that most inserts read their pages back from the file.
	// The writer may cache 256 MiB, each reader 32 MiB; a cache grows only
	// as pages are used.
	//
	// The writer does not checkpoint the WAL itself (a checkpoint syncs
	// the database file, which stalls the commit that triggers it for a
	// tenth of a second or more): a background loop on a reader connection
	// checkpoints instead, while writes go on.
	dsn := func(cacheKiB int) string {
		q := url.Values{}
		for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", fmt.Sprintf("cache_size(-%d)", cacheKiB), "wal_autocheckpoint(0)", "journal_size_limit(67108864)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	if err := create(ctx, path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", dsn(256<<10))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn(32<<10))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	db := &DB{path: path, w: w, r: r}
	if err := w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.migrate(ctx, opts.Migrate); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.r.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&db.pageSize); err != nil {
		db.Close()
		return nil, fmt.Errorf("read page size of %s: %w", path, err)
	}
	cctx, stop := context.WithCancel(context.Background())
	db.stopCheckpoints = stop
	db.checkpoints.Go(func() { db.runCheckpoints(cctx) })
	return db, nil
}

// DB returns the writer connection pool, for operations and tests that
// need raw SQL.
func (db *DB) DB() *sql.DB { return db.w }

// Path returns the database file path.
func (db *DB) Path() string { return db.path }

// pageSize is the page size of new databases. Writes reach the WAL a page
// per system call, and most rows here are JSON documents of a kilobyte or
// more: 16 KiB pages write a bulk import in a quarter of the calls that
// SQLite's default 4 KiB takes.
const pageSize = 16384

// create makes a new database file with pageSize pages in WAL mode; an
// existing file is left as it is. (The driver runs the pragmas of a DSN in
// alphabetical order, so journal_mode would come before page_size and fix
// the page size first.)
func create(ctx context.Context, path string) error {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, p := range []string{fmt.Sprintf("PRAGMA page_size = %d", pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("create %s: %s: %w", path, p, err)
		}
	}
	return nil
}

// prepared returns the statement for query on the writer, prepared the
// first time it is asked for.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.w.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// checkpointEvery is how often the WAL is copied back into the database.
const checkpointEvery = time.Second

// runCheckpoints checkpoints the WAL in the background (PASSIVE: it never
// waits for readers or the writer) until ctx ends.
func (db *DB) runCheckpoints(ctx context.Context) {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := db.checkpoint(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("sqlite_checkpoint_failed", "path", db.path, "err", err)
			}
		}
	}
}

// walRestartBytes is how long the WAL may grow before a checkpoint is
// finished on the writer connection itself.
const walRestartBytes = 64 << 20

// checkpoint copies the WAL back into the database on a reader connection,
// which syncs the file without holding up the writer. The log starts again
// from its beginning (and is cut to journal_size_limit) only when a write
// finds it wholly copied, which a steady stream of writes rarely leaves
// time for; so past walRestartBytes the frames written meanwhile are
// copied on the writer connection, between two writes. That holds the
// writer while the database file is synced (60–300 ms, measured under
// 20,000 track reports/s), so it happens only once per 64 MiB of log.
func (db *DB) checkpoint(ctx context.Context) error {
	var busy, log, done int
	if err := db.r.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done); err != nil {
		return err
	}
	if log*db.pageSize < walRestartBytes {
		return nil
	}
	return db.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done)
}

// Close stops the checkpoints and closes both pools; the last close
// checkpoints the WAL into the database and removes it.
func (db *DB) Close() error {
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
		db.checkpoints.Wait()
	}
	db.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	return errors.Join(db.r.Close(), db.w.Close())
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// Backup writes a consistent copy of the live database to dest with VACUUM
// INTO, without stopping writers.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return concord.Errorf(concord.Conflict, "backup destination %s already exists", dest)
	}
	_, err := db.r.ExecContext(ctx, "VACUUM INTO ?", dest)
	return err
}

type migration struct {
	version int
	name    string
	sql     string
}

func knownMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		n, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		b, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: n, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// SchemaVersion returns the version the database is at and the newest this
// binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, known int, err error) {
	ms, err := knownMigrations()
	if err != nil {
		return 0, 0, err
	}
	known = ms[len(ms)-1].version
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return 0, 0, err
	}
	err = db.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current)
	return current, known, err
}

func (db *DB) migrate(ctx context.Context, apply bool) error {
	current, known, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > known {
		return concord.Errorf(concord.Unavailable, "database %s is at schema version %d, newer than this binary supports (%d); run a newer concord", db.path, current, known)
	}
	if current == known {
		return nil
	}
	if !apply {
		return concord.Errorf(concord.Unavailable, "database %s is at schema version %d and needs migrations up to %d; run `concord migrate`", db.path, current, known)
	}
	ms, _ := knownMigrations()
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		err := db.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// tx runs fn in a write transaction.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return mapErr(err)
	}
	return mapErr(tx.Commit())
}

// mapErr turns constraint violations into domain errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return concord.WrapError(concord.Conflict, err, "a record with that key already exists")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return concord.WrapError(concord.Invalid, err, "a referenced record does not exist")
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return concord.WrapError(concord.Unavailable, err, "the database is busy; retry")
		}
	}
	return err
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// Tables lists the tables that hold Concord's data, in dependency order.
var Tables = []string{"parties", "community_groups", "users", "sessions", "api_tokens", "features", "records", "disclosures", "history", "outbox", "tracks", "track_history"}

// TableCounts returns the row count of every data table, for operations
// (verifying a copy) and for tests that prove a refused request wrote
// nothing.
func (db *DB) TableCounts(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(Tables))
	for _, t := range Tables {
		var n int64
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}
