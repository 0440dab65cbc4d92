package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/concord-mission/concord/cot"
	"github.com/concord-mission/concord/demo"
)

// benchTAK loads a TAK server with N devices over TCP on loopback, each
// sending position reports at an open-loop paced rate (XML, protobuf or a
// mix) and reading everything the server sends. Every report carries its
// scheduled send time, so receivers measure one-way latency; reports sent
// during the measured window are counted at every other device, giving
// expected against delivered deliveries. Without --addr it spawns a fresh
// Concord (a separate process, so that its CPU and memory are its own);
// with --addr it loads any TAK-compatible server where every device sees
// every other (e.g. one group).
func benchTAK(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := benchFlags("tak", stderr)
	addr := fs.String("addr", "", "TAK server host:port to load; empty spawns a fresh Concord")
	auth := fs.String("auth", "", "username:secret sent as <auth> by every device (with --addr)")
	pid := fs.Int("server-pid", 0, "process id of the server at --addr, to report its CPU and memory")
	clients := fs.Int("clients", 50, "connected devices that send and receive")
	rate := fs.Float64("rate", 20, "position reports per second per device")
	ramp := fs.String("ramp", "", "comma-separated per-device rates to step through, e.g. 20,100,500,1000 (finds the knee)")
	proto := fs.Float64("proto", 0, "share of devices on TAK protobuf: 0 XML only, 1 protobuf only, 0.3 a 70/30 mix")
	warm := fs.Duration("warmup", 3*time.Second, "warm-up before the measured window")
	window := fs.Duration("measure", 10*time.Second, "measured window")
	drain := fs.Duration("drain", 3*time.Second, "time after the window for deliveries to arrive")
	idle := fs.Int("idle", 0, "extra connected devices that only listen (memory of idle clients)")
	tracks := fs.Int("tracks", 0, "live tracks to report over HTTP before the run (memory of live tracks; spawned server only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *clients < 2 || *clients > 5000 || *idle < 0 || *idle > 20000 || *rate <= 0 || *proto < 0 || *proto > 1 {
		return errors.New("bench tak: --clients must be 2 to 5000, --idle 0 to 20000, --rate positive, --proto 0 to 1")
	}
	rates := []float64{*rate}
	if *ramp != "" {
		rates = nil
		for _, f := range strings.Split(*ramp, ",") {
			r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || r <= 0 {
				return fmt.Errorf("bench tak: --ramp %q: %q is not a positive rate", *ramp, f)
			}
			rates = append(rates, r)
		}
	}
	user, secret, _ := strings.Cut(*auth, ":")
	serverPID := *pid
	target := *addr
	if target == "" {
		srv, err := spawnConcord(ctx, stderr)
		if err != nil {
			return err
		}
		defer srv.stop()
		target, serverPID = srv.tak, srv.pid
		if user, secret, err = srv.token("cmcc.watch"); err != nil {
			return err
		}
		if *tracks > 0 {
			if err := srv.reportTracks(ctx, *tracks, stderr); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stderr, "connecting %d devices (%.0f%% protobuf) and %d idle ones to %s\n", *clients, *proto*100, *idle, target)
	devs := make([]*loadDevice, *clients+*idle)
	defer func() {
		for _, d := range devs {
			if d != nil {
				d.dev.close()
			}
		}
	}()
	errs := make(chan error, len(devs))
	sem := make(chan struct{}, 32)
	for i := range devs {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			wantProto := i < *clients && float64(i%10) < *proto*10
			d, err := dialDevice(takDialOptions{Addr: target, Username: user, Secret: secret, Proto: wantProto})
			if err != nil {
				errs <- fmt.Errorf("device %d: %w", i, err)
				return
			}
			devs[i] = &loadDevice{dev: d, id: i, proto: wantProto}
			if wantProto && d.format.String() != "protobuf" {
				errs <- fmt.Errorf("bench tak: the server at %s did not accept TAK protobuf", target)
				return
			}
			// Read from the start, as a real device does: the picture
			// so far (every live track) is sent on connecting, and a
			// device that left it in the socket would hold the server's
			// writer back while the others connect.
			go devs[i].receive()
			errs <- nil
		}()
	}
	var connErr error
	for range devs {
		if err := <-errs; err != nil && connErr == nil {
			connErr = err
		}
	}
	if connErr != nil {
		return connErr
	}
	// Let the connections settle (catch-up messages, overlays).
	time.Sleep(time.Second)
	fmt.Fprintf(stdout, "machine: %s; server and load generator on the same machine\n", machine())
	fmt.Fprintf(stdout, "target: %s, %d sending devices (%s), %d idle, warm-up %s, window %s, drain %s\n",
		target, *clients, formatMix(*proto), *idle, *warm, *window, *drain)
	fmt.Fprintf(stdout, "%-9s %-9s %-12s %-12s %-9s %-8s %-8s %-8s %-8s %-8s %-9s\n", "rate/dev", "in/s", "expected/s", "delivered/s", "ratio", "p50", "p90", "p99", "max", "srv CPU", "srv RSS")
	var last takStep
	for _, r := range rates {
		st, err := runTAKStep(ctx, devs[:*clients], devs[*clients:], r, *warm, *window, *drain, serverPID)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, st.row())
		last = st
	}
	fmt.Fprintf(stdout, "bench tak: %s\n", last)
	return nil
}

func formatMix(p float64) string {
	switch p {
	case 0:
		return "XML"
	case 1:
		return "protobuf"
	}
	return fmt.Sprintf("%.0f%% XML / %.0f%% protobuf", (1-p)*100, p*100)
}

// loadDevice is one device of the load: what it sent in the window and
// the latencies of what it received.
type loadDevice struct {
	dev   *takDevice
	id    int
	proto bool

	mu       sync.Mutex
	from, to int64 // the measured window, unix ns
	lat      []int64
	sent     atomic.Int64
}

func (d *loadDevice) receive() {
	_ = d.dev.read(func(b []byte) {
		at, ok := benchSentAt(b)
		if !ok {
			return
		}
		now := time.Now().UnixNano()
		d.mu.Lock()
		if at >= d.from && at < d.to {
			d.lat = append(d.lat, now-at)
		}
		d.mu.Unlock()
	})
}

// takStep is what one rate step measured.
type takStep struct {
	rate                      float64
	devices                   int
	in, expected, delivered   float64 // per second
	ratio                     float64
	p50, p90, p99, max        time.Duration
	serverCPU, serverRSS, gen string
}

func (s takStep) row() string {
	return fmt.Sprintf("%-9.0f %-9.0f %-12.0f %-12.0f %-9.5f %-8s %-8s %-8s %-8s %-8s %-9s",
		s.rate, s.in, s.expected, s.delivered, s.ratio, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), s.serverCPU, s.serverRSS)
}

func (s takStep) String() string {
	return fmt.Sprintf("%d devices × %.0f/s: %.0f in/s, %.0f expected deliveries/s, %.0f delivered/s (ratio %.5f); latency p50 %s p90 %s p99 %s max %s; server CPU %s, RSS %s; generator CPU %s",
		s.devices, s.rate, s.in, s.expected, s.delivered, s.ratio, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), s.serverCPU, s.serverRSS, s.gen)
}

// runTAKStep runs one rate: every sending device sends for warm-up plus
// window; reports scheduled in the window are counted.
func runTAKStep(ctx context.Context, devs, idle []*loadDevice, rate float64, warm, window, drain time.Duration, serverPID int) (takStep, error) {
	start := time.Now().Add(100 * time.Millisecond)
	from, to := start.Add(warm), start.Add(warm+window)
	for _, d := range append(slices.Clone(devs), idle...) {
		d.mu.Lock()
		d.from, d.to, d.lat = from.UnixNano(), to.UnixNano(), d.lat[:0]
		d.mu.Unlock()
		d.sent.Store(0)
	}
	var wg sync.WaitGroup
	var sendErr atomic.Value
	for _, d := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Devices are spread evenly over the interval, as real ones
			// are, not all due at the same instant.
			phase := time.Duration(float64(time.Second) / rate * float64(d.id) / float64(len(devs)))
			if err := d.pace(ctx, start.Add(phase), to, from, rate); err != nil {
				sendErr.Store(err)
			}
		}()
	}
	// CPU is measured over the window only, not the warm-up.
	time.Sleep(time.Until(from))
	cpu0, _ := procCPU(serverPID)
	gen0, _ := procCPU(os.Getpid())
	t0 := time.Now()
	wg.Wait()
	cpu1, _ := procCPU(serverPID)
	gen1, _ := procCPU(os.Getpid())
	elapsed := time.Since(t0).Seconds()
	time.Sleep(drain)
	if err, ok := sendErr.Load().(error); ok && err != nil {
		return takStep{}, fmt.Errorf("bench tak: sending: %w", err)
	}
	var sent int64
	var all []int64
	for _, d := range devs {
		sent += d.sent.Load()
	}
	for _, d := range append(slices.Clone(devs), idle...) {
		d.mu.Lock()
		all = append(all, d.lat...)
		d.mu.Unlock()
	}
	slices.Sort(all)
	// Every device receives every other sending device's reports.
	expected := float64(sent) * float64(len(devs)-1+len(idle))
	w := window.Seconds()
	st := takStep{rate: rate, devices: len(devs), in: float64(sent) / w, expected: expected / w, delivered: float64(len(all)) / w,
		serverCPU: "n/a", serverRSS: "n/a", gen: fmt.Sprintf("%.0f%%", 100*(gen1-gen0)/elapsed)}
	if expected > 0 {
		st.ratio = float64(len(all)) / expected
	}
	q := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return time.Duration(all[min(len(all)-1, int(math.Ceil(p*float64(len(all))))-1)])
	}
	st.p50, st.p90, st.p99 = q(0.50), q(0.90), q(0.99)
	if len(all) > 0 {
		st.max = time.Duration(all[len(all)-1])
	}
	if serverPID > 0 {
		st.serverCPU = fmt.Sprintf("%.0f%%", 100*(cpu1-cpu0)/elapsed)
		if rss, err := procRSS(serverPID); err == nil {
			st.serverRSS = fmt.Sprintf("%.0fMiB", float64(rss)/(1<<20))
		}
	}
	return st, nil
}

// pace sends reports at rate from start until end, open loop: each report
// is stamped with the time it was due, so a late generator shows as
// latency instead of hiding it.
func (d *loadDevice) pace(ctx context.Context, start, end, from time.Time, rate float64) error {
	uid := fmt.Sprintf("bench-%d", d.id)
	callsign := fmt.Sprintf("Bench %d", d.id)
	lat, lon := 31.3+float64(d.id%50)*0.005, 34.3+float64(d.id/50)*0.005
	interval := time.Duration(float64(time.Second) / rate)
	sent := 0
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		now := time.Now()
		if !now.Before(end) {
			return nil
		}
		due := int(now.Sub(start)/interval) + 1
		if due > sent {
			n := min(due-sent, 256)
			evs := make([]*cot.Event, 0, n)
			for k := 0; k < n; k++ {
				at := start.Add(time.Duration(sent+k) * interval)
				evs = append(evs, benchEvent(uid, callsign, lat, lon, at))
				if !at.Before(from) && at.Before(end) {
					d.sent.Add(1)
				}
			}
			if err := d.dev.send(evs...); err != nil {
				return err
			}
			sent += n
			continue
		}
		next := start.Add(time.Duration(sent) * interval)
		time.Sleep(time.Until(next))
	}
}

// procCPU returns a process's user+system CPU seconds (Linux /proc).
func procCPU(pid int) (float64, error) {
	if pid <= 0 {
		return 0, errors.New("no pid")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start at ") ".
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / 100, nil // USER_HZ is 100 on Linux
}

// procRSS returns a process's resident memory in bytes.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// spawned is a Concord started in its own process for a benchmark.
type spawned struct {
	url, tak string
	pid      int
	stop     func()
}

// spawnConcord starts this program as `concord demo` (no simulators, no
// aid history) on free loopback ports in a temporary directory and waits
// until it serves.
func spawnConcord(ctx context.Context, stderr io.Writer, extra ...string) (*spawned, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return spawnBinary(ctx, exe, stderr, extra...)
}

// spawnBinary is spawnConcord with the binary to run.
func spawnBinary(ctx context.Context, exe string, stderr io.Writer, extra ...string) (*spawned, error) {
	dir, err := os.MkdirTemp("", "concord-bench-tak")
	if err != nil {
		return nil, err
	}
	args := append([]string{"demo", "--no-sim", "--aid-days", "0", "--data-dir", dir, "--http-addr", "127.0.0.1:0", "--tak-addr", "127.0.0.1:0",
		"--tak-tls-addr", "off", "--log-format", "json", "--log-level", "info"}, extra...)
	cmd := exec.CommandContext(ctx, exe, args...)
	out, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &spawned{pid: cmd.Process.Pid}
	s.stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		os.RemoveAll(dir)
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			if lvl, _ := line["level"].(string); lvl == "ERROR" || lvl == "WARN" {
				fmt.Fprintf(stderr, "server: %s\n", sc.Bytes())
			}
			if !sent && line["msg"] == "concord_started" {
				s.url, _ = line["url"].(string)
				s.tak, _ = line["tak"].(string)
				sent = true
				ready <- nil
			}
		}
		if !sent {
			ready <- errors.New("the spawned concord exited before serving")
		}
	}()
	select {
	case err := <-ready:
		if err != nil {
			s.stop()
			return nil, err
		}
	case <-time.After(3 * time.Minute):
		s.stop()
		return nil, errors.New("the spawned concord did not start within 3 minutes")
	}
	return s, nil
}

// token logs in as a demo account and returns its username and a new API
// token, which devices send as their <auth> secret (cheap to check, unlike
// a password).
func (s *spawned) token(username string) (string, string, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username, demo.Password)
	res, err := hc.Post(s.url+"/api/login", "application/json", strings.NewReader(body))
	if err != nil {
		return "", "", err
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		return "", "", fmt.Errorf("log in as %s: %s", username, res.Status)
	}
	res, err = hc.Post(s.url+"/api/tokens", "application/json", strings.NewReader(`{"name":"bench"}`))
	if err != nil {
		return "", "", err
	}
	defer res.Body.Close()
	var tok struct {
		Secret string `json:"secret"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.Secret == "" {
		return "", "", fmt.Errorf("create a token for %s: %s %v", username, res.Status, err)
	}
	return username, tok.Secret, nil
}

// reportTracks reports n tracks over HTTP in batches.
func (s *spawned) reportTracks(ctx context.Context, n int, stderr io.Writer) error {
	_, secret, err := s.token("cmcc.watch")
	if err != nil {
		return err
	}
	bar := newProgress(stderr, "live tracks", n)
	now := time.Now().UTC()
	for i := 0; i < n; i += 1000 {
		var b strings.Builder
		for j := i; j < min(n, i+1000); j++ {
			fmt.Fprintf(&b, `{"uid":"track-%d","type":"a-f-G-U-C","lat":%f,"lon":%f,"time":%q}`+"\n", j, 31.25+float64(j%300)*0.001, 34.25+float64(j/300)*0.008, now.Format(time.RFC3339Nano))
		}
		req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/api/tracks", strings.NewReader(b.String()))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			return fmt.Errorf("report tracks: %s %s", res.Status, msg)
		}
		_ = bar.Add(min(1000, n-i))
	}
	return nil
}
