package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cop"
	"github.com/concord-mission/concord/deconflict"
	"github.com/concord-mission/concord/demo"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/natsbus"
	"github.com/concord-mission/concord/pipeline"
	"github.com/concord-mission/concord/tak"
	"github.com/concord-mission/concord/web"
)

// Main is a whole Concord process: store, bus, service, relay, hub and HTTP
// server. Tests boot it on port 0 with a temporary data directory.
type Main struct {
	Config Config
	Log    *slog.Logger
	// Demo loads the demo scenario and runs its simulators.
	Demo bool
	// DemoSeed makes the demo scenario reproducible.
	DemoSeed int64
	// DemoAidDays is how many days of aid pipeline history the demo
	// generates (60; tests use fewer).
	DemoAidDays int
	// Simulate runs the demo simulators (with Demo), one change every
	// SimEvery.
	Simulate bool
	SimEvery time.Duration
	// TrackSimEvery, TrackSimSpeed and TrackSimLead, when set, change how
	// often the track simulator reports, how much faster than the clock its
	// units move and how far into the scenario it starts (see
	// demo.TrackSimulator): tests see the intrusion within seconds.
	TrackSimEvery time.Duration
	TrackSimSpeed float64
	TrackSimLead  time.Duration

	Store   Store
	Leaser  concord.Leaser
	Bus     *natsbus.Bus
	Service *concord.Service
	// Pipeline is the aid pipeline (consignments, crossings, KPIs).
	Pipeline *pipeline.Service
	// COP is the live picture: tracks, geofencing and alerts.
	COP   *cop.Service
	Hub   *concord.Hub
	Relay *concord.Relay
	API   *httpapi.Server
	// TAK is the TAK server; TAKCA its certificate authority (nil when the
	// TLS listener is off).
	TAK    *tak.Server
	TAKCA  *tak.CA
	Logins []demo.Login

	httpSrv  *http.Server
	debugSrv *http.Server
	// limiter counts password attempts of the API and the TAK server together.
	limiter   *httpapi.LoginLimiter
	httpLn    net.Listener
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// NewMain returns a Main with default configuration.
func NewMain() *Main {
	return &Main{Config: defaultConfig(), Log: slog.New(slog.DiscardHandler), DemoSeed: demo.DefaultSeed, DemoAidDays: 60, Simulate: true}
}

// Open starts everything in order (store, bus, service, relay, hub,
// listeners, HTTP) and returns once Concord serves.
func (m *Main) Open(ctx context.Context) (err error) {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	runCtx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel

	if m.Store, m.Leaser, err = openStore(ctx, m.Config, true); err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	copts, err := m.Config.natsOptions()
	if err != nil {
		return err
	}
	if m.Bus, err = natsbus.Open(ctx, natsbus.Options{
		URL: m.Config.NATSURL, DataDir: m.Config.DataDir, Replicas: m.Config.NATSReplicas, Stream: m.Config.NATSStream,
		Name: "concord " + hostname(), ConnectOptions: copts, Log: m.Log,
	}); err != nil {
		return fmt.Errorf("open bus: %w", err)
	}
	m.Relay = concord.NewRelay(m.Store, m.Bus, m.Log, time.Second)
	checker := deconflict.NewChecker(deconflict.Config{BufferM: m.Config.BufferM, CorridorCapacity: m.Config.CorridorCapacity,
		LeadTime: m.Config.LeadTime, EmergencyLeadTime: m.Config.EmergencyLeadTime})
	if m.Service, err = concord.NewService(ctx, m.Store, concord.ServiceOptions{Committed: m.Relay.Wake, Writable: m.writable, Deconflicter: checker,
		MovementLimits: concord.MovementLimits{MaxRouteKm: m.Config.MaxRouteKm, MaxWindow: 7 * 24 * time.Hour}}); err != nil {
		return fmt.Errorf("start service: %w", err)
	}
	if m.Demo {
		// Instances starting together load the scenario once.
		lctx, release, err := m.Leaser.Acquire(ctx, "demo-load")
		if err != nil {
			return err
		}
		m.Logins, err = demo.LoadWith(lctx, m.Service, demo.Options{Seed: m.DemoSeed, AidDays: m.DemoAidDays}, m.Log)
		release()
		if err != nil {
			return fmt.Errorf("load demo scenario: %w", err)
		}
		if err := m.Service.Reload(ctx); err != nil {
			return err
		}
	}
	m.Pipeline = pipeline.New(m.Service, pipeline.Options{TargetTrucks: m.Config.TargetTrucks})
	if err := m.Pipeline.Load(ctx); err != nil {
		return fmt.Errorf("load consignments: %w", err)
	}
	var broadcast concord.Broadcast
	if !m.Bus.Embedded() {
		// Other instances may share the bus: positions travel between them.
		broadcast = m.Bus
	}
	m.COP = cop.New(m.Service, cop.Options{Retention: m.Config.TrackRetention, MaxFuture: m.Config.TrackMaxFuture, DefaultStale: m.Config.StaleAfter,
		Broadcast: broadcast, Log: m.Log,
		Geofence: cop.GeofenceOptions{OffRouteM: m.Config.OffRouteM, StaleAfter: m.Config.StaleAfter, EscalateAfter: m.Config.AlertEscalateAfter}})
	if err := m.COP.Load(ctx); err != nil {
		return fmt.Errorf("load live picture: %w", err)
	}
	m.Hub = concord.NewHub(m.Service.Access())
	m.Hub.OnEvent = func(ev concord.Event) {
		rctx, cancel := context.WithTimeout(runCtx, 5*time.Second)
		defer cancel()
		if err := m.Service.Apply(rctx, ev); err != nil {
			m.Log.Error("apply_event_failed", "subject", ev.Subject(), "id", ev.ID, "err", err)
		}
		if err := m.Pipeline.Apply(rctx, ev); err != nil {
			m.Log.Error("apply_event_failed", "subject", ev.Subject(), "id", ev.ID, "err", err)
		}
		if err := m.COP.Apply(rctx, ev); err != nil {
			m.Log.Error("apply_event_failed", "subject", ev.Subject(), "id", ev.ID, "err", err)
		}
	}
	// Singleton work runs on one instance at a time, under a lease.
	m.singleton(runCtx, "outbox-relay", func(ctx context.Context) {
		if l, ok := m.Store.(interface {
			ListenOutbox(context.Context, func()) error
		}); ok {
			go func() {
				if err := l.ListenOutbox(ctx, m.Relay.Wake); err != nil && ctx.Err() == nil {
					m.Log.Warn("outbox_listen_failed", "err", err)
				}
			}()
		}
		m.Relay.Run(ctx)
	})
	from, err := m.Bus.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("read event stream position: %w", err)
	}
	m.goRun(func() { m.runHub(runCtx, from+1) })
	m.singleton(runCtx, "session-sweep", m.sweepSessions)
	m.singleton(runCtx, "notification-expiry", m.expireNotifications)
	m.goRun(func() { m.Service.RunDisclosures(runCtx) })
	m.goRun(func() { m.COP.RunWriter(runCtx) })
	m.goRun(func() {
		if err := m.COP.Listen(runCtx); err != nil && runCtx.Err() == nil {
			m.Log.Error("track_broadcast_listen_failed", "err", err)
		}
	})
	m.singleton(runCtx, "geofence", m.COP.RunGeofence)
	m.singleton(runCtx, "alert-escalation", func(ctx context.Context) {
		m.COP.RunEscalation(ctx, min(5*time.Second, max(m.Config.AlertEscalateAfter/4, 100*time.Millisecond)))
	})
	m.singleton(runCtx, "track-prune", func(ctx context.Context) { m.COP.RunPrune(ctx, time.Hour) })
	if m.Demo && m.Simulate {
		sim := demo.NewSimulator(m.Service, m.DemoSeed, m.Log)
		if m.SimEvery > 0 {
			sim.Every = m.SimEvery
		}
		m.singleton(runCtx, "demo-simulator", sim.Run)
		asim := demo.NewAidSimulator(m.Pipeline, m.DemoSeed, m.Log)
		if m.SimEvery > 0 {
			asim.Every = m.SimEvery
		}
		m.singleton(runCtx, "demo-aid-simulator", asim.Run)
		tsim := demo.NewTrackSimulator(m.Service, m.COP, m.DemoSeed, m.Log)
		if m.TrackSimEvery > 0 {
			tsim.Every = m.TrackSimEvery
		}
		tsim.Speed, tsim.Lead = m.TrackSimSpeed, m.TrackSimLead
		m.singleton(runCtx, "demo-track-simulator", tsim.Run)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_events_published_total", Help: "Events moved from the outbox to the bus by this instance."},
			func() float64 { return float64(m.Relay.Published()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_event_publish_failures_total", Help: "Failed attempts to publish an outbox event."},
			func() float64 { return float64(m.Relay.Failures()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concord_outbox_pending", Help: "Events in the last outbox batch (publish lag)."},
			func() float64 { return float64(m.Relay.Pending()) }),
	)
	copStat := func(f func(cop.Stats) int64) func() float64 {
		return func() float64 { return float64(f(m.COP.Stats())) }
	}
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_track_reports_accepted_total", Help: "Position reports accepted (all sources)."},
			copStat(func(s cop.Stats) int64 { return s.Accepted })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_track_reports_rejected_total", Help: "Position reports refused as invalid or unauthorised, or dropped from the history while the store was unavailable."},
			copStat(func(s cop.Stats) int64 { return s.Rejected })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_track_reports_written_total", Help: "Position reports written to the store's history."},
			copStat(func(s cop.Stats) int64 { return s.Written })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concord_track_reports_pending", Help: "Position reports waiting to be written to the store."},
			copStat(func(s cop.Stats) int64 { return s.Pending })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_alerts_raised_total", Help: "Alerts the geofencer stored on this instance."},
			copStat(func(s cop.Stats) int64 { return s.Alerts })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_alert_write_failures_total", Help: "Failed attempts to store alerts."},
			copStat(func(s cop.Stats) int64 { return s.AlertWriteFailures })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concord_geofence_backlog", Help: "Batches of reports waiting for the geofencer."},
			copStat(func(s cop.Stats) int64 { return s.GeofenceBacklog })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_broadcast_dropped_total", Help: "Broadcasts (positions, TAK traffic) from other instances dropped because this instance fell behind."},
			func() float64 { return float64(m.Bus.BroadcastDropped()) }),
	)
	m.limiter = httpapi.NewLoginLimiter(m.Config.LoginRate)
	if err := m.openTAK(ctx, reg); err != nil {
		return err
	}
	m.API = httpapi.New(httpapi.Options{
		Service: m.Service, Pipeline: m.Pipeline, COP: m.COP, Hub: m.Hub, Bus: m.Bus, Log: m.Log, Registry: reg, Web: web.FS(),
		MaxBodyBytes: m.Config.MaxBodyBytes, SessionTTL: m.Config.SessionTTL, SecureCookies: m.Config.SecureCookies,
		Exercise: m.Config.Exercise, BasemapURL: m.Config.BasemapURL, BasemapAttribution: m.Config.BasemapAttrib, Ready: m.ready, Limiter: m.limiter,
	})
	if m.httpLn, err = net.Listen("tcp", m.Config.HTTPAddr); err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.HTTPAddr, err)
	}
	m.httpSrv = &http.Server{
		Handler: m.API.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	m.httpSrv.RegisterOnShutdown(m.API.Shutdown)
	ln := m.httpLn
	m.goRun(func() {
		if err := m.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("http_serve_failed", "err", err)
		}
	})
	if m.Config.DebugAddr != "" {
		if err := m.openDebug(); err != nil {
			return err
		}
	}
	m.Log.Info("concord_started", "url", m.URL(), "tak", addrString(m.TAK.Addr()), "tak_tls", addrString(m.TAK.TLSAddr()), "data_dir", m.Config.DataDir, "bus", busName(m.Bus))
	return nil
}

func (m *Main) goRun(fn func()) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn()
	}()
}

// singleton runs fn while this instance holds the named lease, and waits
// for the lease again whenever it is lost, until ctx ends.
func (m *Main) singleton(ctx context.Context, name string, fn func(context.Context)) {
	m.goRun(func() {
		for ctx.Err() == nil {
			lctx, release, err := m.Leaser.Acquire(ctx, name)
			if err != nil {
				if ctx.Err() == nil {
					m.Log.Warn("lease_failed", "lease", name, "err", err)
					time.Sleep(time.Second)
				}
				continue
			}
			m.Log.Debug("lease_acquired", "lease", name)
			fn(lctx)
			release()
		}
	})
}

// writable refuses writes while an external event bus is unreachable: a
// change committed then could not reach other instances' live views and
// indexes, so the client is told to retry rather than led to believe
// everyone sees it.
func (m *Main) writable() error {
	if !m.Bus.Connected() {
		return concord.Errorf(concord.Unavailable, "the event bus (NATS) is unreachable, so the change was not saved; retry when it is back")
	}
	return nil
}

// runHub feeds the hub from the bus starting at from, and resumes after a
// failure right after the last event it dispatched, so no event is skipped.
func (m *Main) runHub(ctx context.Context, from uint64) {
	for ctx.Err() == nil {
		if last := m.Hub.LastSeq(); last >= from {
			from = last + 1
		}
		if err := m.Hub.Run(ctx, m.Bus, from); err != nil && ctx.Err() == nil {
			m.Log.Warn("stream_subscription_failed", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (m *Main) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := m.Store.DeleteExpiredSessions(ctx, time.Now()); err != nil {
				m.Log.Warn("session_sweep_failed", "err", err)
			} else if n > 0 {
				m.Log.Debug("sessions_expired", "count", n)
			}
		}
	}
}

// expireNotifications lapses notified sites their owners did not
// reconfirm, every minute.
func (m *Main) expireNotifications(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := m.Service.ExpireNotifications(ctx); err != nil && ctx.Err() == nil {
			m.Log.Warn("notification_expiry_failed", "err", err)
		} else if n > 0 {
			m.Log.Info("notifications_expired", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Main) ready(ctx context.Context) error {
	if err := m.Store.Ping(ctx); err != nil {
		return concord.WrapError(concord.Unavailable, err, "the store does not answer")
	}
	if !m.Bus.Connected() {
		return concord.Errorf(concord.Unavailable, "the event bus is disconnected")
	}
	return nil
}

// URL returns the base URL Concord serves on.
func (m *Main) URL() string {
	if m.httpLn == nil {
		return ""
	}
	addr := m.httpLn.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

// Close stops everything in reverse order: HTTP (ending live streams and
// draining requests), background work, a last outbox drain, the bus, and
// the store last. Calling it again returns the first result.
func (m *Main) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
	var errs []error
	if m.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := m.httpSrv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		cancel()
	} else if m.httpLn != nil {
		m.httpLn.Close()
	}
	if m.TAK != nil {
		m.TAK.Close()
	}
	if m.debugSrv != nil {
		m.debugSrv.Close()
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
	if m.Relay != nil && m.Bus != nil && m.Bus.Connected() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := m.Relay.Drain(ctx); err != nil {
			m.Log.Warn("final_outbox_drain_failed", "err", err, "note", "pending events stay in the outbox and are published at next start")
		}
		cancel()
	}
	if m.Bus != nil {
		if err := m.Bus.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close bus: %w", err))
		}
	}
	if m.Store != nil {
		if err := m.Store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
	}
	return errors.Join(errs...)
}

func busName(b *natsbus.Bus) string {
	if b.Embedded() {
		return "embedded nats"
	}
	return "external nats"
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// newLogger builds the process logger.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func addrString(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}

// openDebug serves Go's profiler on its own listener, never on the API's.
func (m *Main) openDebug() error {
	ln, err := net.Listen("tcp", m.Config.DebugAddr)
	if err != nil {
		return fmt.Errorf("listen on --debug-addr %s: %w", m.Config.DebugAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	m.debugSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srv := m.debugSrv
	m.goRun(func() { _ = srv.Serve(ln) })
	m.Log.Info("debug_listening", "addr", ln.Addr().String())
	return nil
}
