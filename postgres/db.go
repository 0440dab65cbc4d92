package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/concord-mission/concord"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the PostgreSQL store. It implements concord.Store.
type DB struct {
	pool *pgxpool.Pool
	url  string
}

var _ concord.Store = (*DB)(nil)

// Options tune Open.
type Options struct {
	// Migrate applies pending migrations (under an advisory lock, so that
	// several instances starting together migrate once).
	Migrate bool
	// StatementTimeout bounds every statement; default 15 s.
	StatementTimeout time.Duration
	// MaxConns bounds the pool; default 16.
	MaxConns int32
}

// Open connects, checks PostGIS and the schema version, and migrates if
// asked.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	if opts.StatementTimeout == 0 {
		opts.StatementTimeout = 15 * time.Second
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = 16
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, concord.Errorf(concord.Invalid, "--postgres-url is not a valid PostgreSQL URL: %v", redactErr(err, rawURL))
	}
	cfg.MaxConns = opts.MaxConns
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["application_name"] = "concord"
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, concord.Errorf(concord.Unavailable, "cannot use PostgreSQL at %s: %s", Redact(rawURL), reason(err, rawURL))
	}
	db := &DB{pool: pool, url: rawURL}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, concord.Errorf(concord.Unavailable, "cannot connect to PostgreSQL at %s: %s", Redact(rawURL), reason(err, rawURL))
	}
	if err := db.migrate(ctx, opts.Migrate); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Redact hides the password of a PostgreSQL URL.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// reason is the short cause of a connection failure: the server's own
// message when it sent one, else the last line of the error.
func reason(err error, raw string) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message + " (SQLSTATE " + pe.Code + ")"
	}
	s := strings.TrimSpace(redactErr(err, raw))
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	return s
}

func redactErr(err error, raw string) string {
	s := err.Error()
	if u, perr := url.Parse(raw); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			s = strings.ReplaceAll(s, pw, "xxxxx")
		}
	}
	return s
}

// Pool returns the connection pool, for operations and tests.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

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

// migrationLock is the advisory lock key that serializes migrations.
const migrationLock = 0x636f6e636f7264 // "concord"

// SchemaVersion returns the version the database is at and the newest this
// binary knows.
func (db *DB) SchemaVersion(ctx context.Context) (current, known int, err error) {
	ms, err := knownMigrations()
	if err != nil {
		return 0, 0, err
	}
	known = ms[len(ms)-1].version
	var exists bool
	if err := db.pool.QueryRow(ctx, `SELECT to_regclass('public.schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, 0, err
	}
	if !exists {
		return 0, known, nil
	}
	err = db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current)
	return current, known, err
}

func (db *DB) migrate(ctx context.Context, apply bool) error {
	current, known, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > known {
		return concord.Errorf(concord.Unavailable, "the PostgreSQL database is at schema version %d, newer than this binary supports (%d); run a newer concord", current, known)
	}
	if current == known {
		return nil
	}
	if !apply {
		return concord.Errorf(concord.Unavailable, "the PostgreSQL database is at schema version %d and needs migrations up to %d; run `concord migrate`", current, known)
	}
	var postgis bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis')`).Scan(&postgis); err != nil {
		return err
	}
	if !postgis {
		return concord.Errorf(concord.Unavailable, "PostGIS is not installed on the PostgreSQL server: install it (Debian: apt-get install postgresql-15-postgis-3) and start concord again")
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return err
	}
	// Another instance may have migrated while this one waited for the lock.
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return err
	}
	ms, _ := knownMigrations()
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			tx.Rollback(ctx)
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "42501" {
				return concord.WrapError(concord.Unavailable, err, fmt.Sprintf("migration %s needs more privileges (%s): run `concord migrate` once as the database owner or a superuser", m.name, pe.Message))
			}
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			tx.Rollback(ctx)
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// tx runs fn in a transaction, retrying it when PostgreSQL aborted it for a
// serialization failure or deadlock (then nothing was written, so a retry
// is safe). Other errors are returned at once.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := pgx.BeginFunc(ctx, db.pool, fn)
		if err == nil {
			return nil
		}
		var pe *pgconn.PgError
		if attempt < 3 && errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01") {
			time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
			continue
		}
		return mapErr(err)
	}
}

// mapErr turns PostgreSQL errors into domain errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ce *concord.Error
	if errors.As(err, &ce) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return concord.WrapError(concord.Conflict, err, "a record with that key already exists")
		case "23503":
			return concord.WrapError(concord.Invalid, err, "a referenced record does not exist")
		case "57014":
			return concord.WrapError(concord.Unavailable, err, "the database took too long to answer; retry")
		case "40001", "40P01":
			return concord.WrapError(concord.Unavailable, err, "the database is busy; retry")
		}
	}
	if pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded) {
		return concord.WrapError(concord.Unavailable, err, "the database is unreachable; retry")
	}
	return err
}

// Tables lists the tables that hold Concord's data, in dependency order.
var Tables = []string{"parties", "community_groups", "users", "sessions", "api_tokens", "features", "records", "disclosures", "history", "outbox", "tracks", "track_history"}

// TableCounts returns the row count of every data table.
func (db *DB) TableCounts(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(Tables))
	for _, t := range Tables {
		var n int64
		if err := db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}
