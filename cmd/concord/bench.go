package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
)

func randomString() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// benchmarks are the `concord bench` subcommands. Each boots a fresh
// Concord in a temporary directory on loopback, loads its own data, runs a
// bounded workload and prints a one-line summary last.
var benchmarks = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"features":   benchFeatures,
	"stream":     benchStream,
	"stores":     benchStores,
	"cluster":    benchCluster,
	"deconflict": benchDeconflict,
	"tak":        benchTAK,
	"geofence":   benchGeofence,
	"aid":        benchAid,
}

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var names []string
	for n := range benchmarks {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 || benchmarks[args[0]] == nil {
		return fmt.Errorf("usage: concord bench <%s> [flags]", strings.Join(names, "|"))
	}
	return benchmarks[args[0]](ctx, args[1:], stdout, stderr)
}

// benchSystem boots a throwaway Concord for a benchmark; opts adjust it
// before it opens.
func benchSystem(ctx context.Context, stderr io.Writer, keep bool, opts ...func(*Main)) (*Main, func(), error) {
	dir, err := os.MkdirTemp("", "concord-bench")
	if err != nil {
		return nil, nil, err
	}
	m := NewMain()
	m.Config.DataDir = dir
	m.Config.HTTPAddr, m.Config.TAKAddr, m.Config.TAKTLSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	m.Config.MaxBodyBytes = 8 << 20
	m.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m.Demo, m.Simulate = true, false
	for _, o := range opts {
		o(m)
	}
	if err := m.Open(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return m, func() {
		m.Close()
		if !keep {
			os.RemoveAll(dir)
		} else {
			fmt.Fprintf(stderr, "kept data in %s\n", dir)
		}
	}, nil
}

// percentiles returns the p50, p90, p95, p99 and max of ds.
func percentiles(ds []time.Duration) (p50, p90, p95, p99, mx time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return at(0.50), at(0.90), at(0.95), at(0.99), s[len(s)-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func machine() string {
	return fmt.Sprintf("%d CPU %s/%s %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// newProgress returns a progress bar on w for long set-up work.
func newProgress(w io.Writer, what string, total int) *progressbar.ProgressBar {
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
}

func benchFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("concord bench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
