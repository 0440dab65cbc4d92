package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/concord-mission/concord/postgres"
)

// benchCluster runs the fan-out benchmark with 1, 2 and 3 instances
// sharing one PostgreSQL database and one NATS server, all on this
// machine: a check of correctness under load across instances, not a
// scaling figure (the instances share the same cores).
func benchCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("cluster", stderr)
	pgURL := fs.String("postgres-url", "", "PostgreSQL server to create a scratch database on (required)")
	natsURL := fs.String("nats-url", "nats://127.0.0.1:4222", "NATS server with JetStream (a scratch stream is created)")
	counts := fs.String("instances", "1,2,3", "instance counts to run")
	viewers := fs.Int("viewers", 150, "SSE clients, spread over the instances")
	events := fs.Int("events", 1000, "changes, committed round-robin on the instances")
	rate := fs.Int("rate", 200, "changes per second")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pgURL == "" {
		return fmt.Errorf("--postgres-url is required")
	}
	fmt.Fprintf(stdout, "machine: %s (all instances, NATS, PostgreSQL and clients share it)\n", machine())
	for _, c := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 || n > 8 {
			return fmt.Errorf("--instances: %q", c)
		}
		u, drop, err := postgres.CreateScratchDatabase(ctx, *pgURL, "concord_bench")
		if err != nil {
			return err
		}
		stream := fmt.Sprintf("CONCORD_BENCH_%d", time.Now().UnixNano())
		var ms []*Main
		var dones []func()
		for i := 0; i < n && err == nil; i++ {
			var m *Main
			var done func()
			m, done, err = bootBench(ctx, stderr, func(m *Main) {
				m.Config.PostgresURL, m.Config.NATSURL, m.Config.NATSStream = u, *natsURL, stream
			})
			if err == nil {
				ms, dones = append(ms, m), append(dones, done)
			}
		}
		var r fanoutResult
		if err == nil {
			r, err = fanout(ctx, ms, *viewers, *events, *rate, 1)
		}
		if len(ms) > 0 {
			_ = ms[0].Bus.DeleteStream(ctx)
		}
		for _, d := range dones {
			d()
		}
		drop()
		if err != nil {
			return fmt.Errorf("%d instances: %w", n, err)
		}
		fmt.Fprintf(stdout, "bench cluster: %d instance(s), %d clients, %d events at %d/s: %s\n", n, *viewers, *events, *rate, r)
		if err := r.check(); err != nil {
			return err
		}
	}
	return nil
}
