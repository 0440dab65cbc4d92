package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/postgres"
	"github.com/concord-mission/concord/sqlite"
)

// transferStore is a store that can be copied wholesale.
type transferStore interface {
	Store
	concord.Transferable
}

// openTransfer opens "sqlite:PATH" or a postgres:// URL.
func openTransfer(ctx context.Context, spec string) (transferStore, error) {
	switch {
	case strings.HasPrefix(spec, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(spec, "sqlite:"), sqlite.Options{Migrate: true})
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return postgres.Open(ctx, spec, postgres.Options{Migrate: true})
	}
	return nil, fmt.Errorf("%q: give sqlite:PATH or a postgres:// URL", spec)
}

// tableDigest is a table's row count and SHA-256 over its exported rows.
type tableDigest struct {
	rows int64
	sum  string
}

func digest(ctx context.Context, s concord.Transferable, table string) (tableDigest, error) {
	h := sha256.New()
	var n int64
	err := s.Export(ctx, table, func(b json.RawMessage) error {
		n++
		h.Write(b)
		h.Write([]byte{'\n'})
		return nil
	})
	return tableDigest{rows: n, sum: hex.EncodeToString(h.Sum(nil))}, err
}

// migrateStore copies every table of from into the empty store to, then
// verifies each table's row count and checksum on both sides.
func migrateStore(ctx context.Context, from, to transferStore, stdout, stderr io.Writer) error {
	tc, err := to.TableCounts(ctx)
	if err != nil {
		return err
	}
	for t, n := range tc {
		if n > 0 {
			return fmt.Errorf("the target store is not empty (%s has %d rows); migrate into a new database", t, n)
		}
	}
	counts, err := from.TableCounts(ctx)
	if err != nil {
		return err
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	bar := newProgress(stderr, "copying", int(total))
	for _, table := range concord.TransferTables {
		var batch []json.RawMessage
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			if err := to.Import(ctx, table, batch); err != nil {
				return err
			}
			_ = bar.Add(len(batch))
			batch = batch[:0]
			return nil
		}
		err := from.Export(ctx, table, func(b json.RawMessage) error {
			batch = append(batch, append(json.RawMessage(nil), b...))
			if len(batch) == 500 {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return fmt.Errorf("copy %s: %w", table, err)
		}
	}
	_ = bar.Finish()
	fmt.Fprintln(stdout, "verifying every table (rows and SHA-256 of the exported rows):")
	var bad []string
	for _, table := range concord.TransferTables {
		a, err := digest(ctx, from, table)
		if err != nil {
			return err
		}
		b, err := digest(ctx, to, table)
		if err != nil {
			return err
		}
		status := "ok"
		if a != b {
			status = "MISMATCH"
			bad = append(bad, table)
		}
		fmt.Fprintf(stdout, "  %-17s %8d rows  %s…  %s\n", table, a.rows, a.sum[:16], status)
		if a.rows != b.rows || a.sum != b.sum {
			fmt.Fprintf(stdout, "  %-17s %8d rows  %s…  (target)\n", "", b.rows, b.sum[:16])
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("verification failed for %s", strings.Join(bad, ", "))
	}
	fmt.Fprintf(stdout, "migrated and verified %d rows in %d tables\n", total, len(concord.TransferTables))
	return nil
}

func cmdMigrateStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	fs := flags("migrate-store", &cfg, stderr)
	var fromSpec, toSpec string
	fs.StringVar(&fromSpec, "from", "", "source store: sqlite:PATH (e.g. sqlite:concord-data/concord.db) or a postgres:// URL")
	fs.StringVar(&toSpec, "to", "", "target store, empty: a postgres:// URL or sqlite:PATH")
	if err := parse(fs, &cfg, args); err != nil {
		return err
	}
	if fromSpec == "" || toSpec == "" {
		return errors.New("--from and --to are required; stop Concord first")
	}
	from, err := openTransfer(ctx, fromSpec)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer from.Close()
	to, err := openTransfer(ctx, toSpec)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer to.Close()
	return migrateStore(ctx, from, to, stdout, stderr)
}
