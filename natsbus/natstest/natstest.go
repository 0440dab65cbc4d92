// Package natstest runs NATS for tests: a JetStream cluster of in-process
// nats-server nodes on loopback ports, and the machine's server named by
// CONCORD_TEST_NATS_URL.
package natstest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EnvVar names an external NATS server (with JetStream) tests may use.
const EnvVar = "CONCORD_TEST_NATS_URL"

// ExternalURL returns the configured server, skipping t when unset.
func ExternalURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		t.Skipf("%s is not set; tests against an external NATS server skipped", EnvVar)
	}
	return u
}

// Cluster is a JetStream cluster of in-process nodes.
type Cluster struct {
	t     testing.TB
	Nodes []*server.Server
	opts  []*server.Options
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// NewCluster starts n nodes that route to each other and waits until
// JetStream has a leader. The nodes stop when t ends.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	routes := make([]*url.URL, n)
	cports := make([]int, n)
	for i := range n {
		cports[i] = freePort(t)
		routes[i], _ = url.Parse(fmt.Sprintf("nats://127.0.0.1:%d", cports[i]))
	}
	for i := range n {
		o := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: freePort(t),
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
			JetStreamMaxMemory: 64 << 20, JetStreamMaxStore: 1 << 30,
			Cluster: server.ClusterOpts{Name: "concord-test", Host: "127.0.0.1", Port: cports[i]},
			Routes:  routes,
		}
		c.opts = append(c.opts, o)
		c.Nodes = append(c.Nodes, nil)
		c.start(i)
	}
	t.Cleanup(c.Shutdown)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ready := true
		for _, s := range c.Nodes {
			if !s.JetStreamIsCurrent() && !s.JetStreamIsLeader() {
				ready = false
			}
		}
		if ready && c.leader() != nil {
			return c
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("NATS cluster has no JetStream leader after 30s")
	return nil
}

func (c *Cluster) start(i int) {
	s, err := server.NewServer(c.opts[i])
	if err != nil {
		c.t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		c.t.Fatalf("node %d not ready", i+1)
	}
	c.Nodes[i] = s
}

func (c *Cluster) leader() *server.Server {
	for _, s := range c.Nodes {
		if s != nil && s.Running() && s.JetStreamIsLeader() {
			return s
		}
	}
	return nil
}

// URL returns a client URL listing every node.
func (c *Cluster) URL() string {
	var us []string
	for _, o := range c.opts {
		us = append(us, fmt.Sprintf("nats://127.0.0.1:%d", o.Port))
	}
	return strings.Join(us, ",")
}

// Kill stops node i abruptly (no lame-duck mode).
func (c *Cluster) Kill(i int) { c.Nodes[i].Shutdown() }

// Restart starts node i again with its old store and ports.
func (c *Cluster) Restart(i int) { c.start(i) }

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for _, s := range c.Nodes {
		if s != nil {
			s.Shutdown()
		}
	}
}
