package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/cop"
	"github.com/concord-mission/concord/forcegen"
	"github.com/concord-mission/concord/pipeline"
)

// Options configure a Server.
type Options struct {
	Service *concord.Service
	Hub     *concord.Hub
	// Pipeline is the aid pipeline service (loaded); nil creates an empty
	// one.
	Pipeline *pipeline.Service
	// COP is the live picture (tracks and alerts); nil serves none.
	COP *cop.Service
	Bus concord.Bus
	Log *slog.Logger
	// Registry receives the server's metrics; /metrics serves it.
	Registry *prometheus.Registry
	// Web is the built web UI (index.html at its root); nil serves none.
	Web fs.FS
	// MaxBodyBytes bounds request bodies; default 1 MiB.
	MaxBodyBytes int64
	// SessionTTL is how long a login lasts; default 12 h.
	SessionTTL time.Duration
	// SecureCookies sets the Secure flag (behind TLS).
	SecureCookies bool
	// Ready reports whether dependencies answer, for /readyz.
	Ready func(ctx context.Context) error
	// Exercise labels every screen and response of a demo deployment.
	Exercise string
	// BasemapURL is an optional tile URL template for the web map, and
	// BasemapAttribution the credit its provider requires.
	BasemapURL         string
	BasemapAttribution string
	// LoginRate is login attempts per minute per client address and per
	// username; default 10. Limiter, when set, is shared with other
	// surfaces that take passwords (and LoginRate is its business).
	LoginRate int
	Limiter   *LoginLimiter
}

// Server serves the API, the stream and the UI.
type Server struct {
	opts    Options
	svc     *concord.Service
	fg      *forcegen.Service
	aid     *pipeline.Service
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	limiter *LoginLimiter
	metrics *metrics

	// closing is closed on shutdown so that live streams end and the HTTP
	// server can drain.
	closing   chan struct{}
	closeOnce sync.Once
}

// New builds a Server.
func New(opts Options) *Server {
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.LoginRate == 0 {
		opts.LoginRate = 10
	}
	if opts.Limiter == nil {
		opts.Limiter = NewLoginLimiter(opts.LoginRate)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Pipeline == nil {
		opts.Pipeline = pipeline.New(opts.Service, pipeline.Options{})
	}
	s := &Server{
		opts: opts, svc: opts.Service, fg: forcegen.New(opts.Service), aid: opts.Pipeline, log: opts.Log, mux: http.NewServeMux(),
		limiter: opts.Limiter, closing: make(chan struct{}),
	}
	s.metrics = newMetrics(opts.Registry, opts.Hub)
	s.routes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, concord.Errorf(concord.Forbidden, "cross-origin request refused: state-changing requests must come from Concord's own pages"))
	}))
	s.handler = s.recoverer(s.observe(cop.Handler(s.mux)))
	return s
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Shutdown ends live streams so that http.Server.Shutdown can drain.
func (s *Server) Shutdown() { s.closeOnce.Do(func() { close(s.closing) }) }

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /healthz", s.healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.Handle("GET /metrics", promhttp.HandlerFor(s.opts.Registry, promhttp.HandlerOpts{}))
	m.HandleFunc("GET /api/openapi.json", s.openapi)

	m.HandleFunc("POST /api/login", s.login)
	m.HandleFunc("POST /api/logout", s.logout)
	m.HandleFunc("GET /api/session", s.session)
	m.HandleFunc("GET /api/me", s.authed(s.me))
	m.HandleFunc("GET /api/config", s.authed(s.clientConfig))

	m.HandleFunc("GET /api/parties", s.authed(s.listParties))
	m.HandleFunc("POST /api/parties", s.authed(s.createParty))
	m.HandleFunc("PUT /api/parties/{code}", s.authed(s.updateParty))
	m.HandleFunc("GET /api/groups", s.authed(s.listGroups))
	m.HandleFunc("POST /api/groups", s.authed(s.createGroup))
	m.HandleFunc("POST /api/markings/check", s.authed(s.checkMarking))

	m.HandleFunc("GET /api/users", s.authed(s.listUsers))
	m.HandleFunc("POST /api/users", s.authed(s.createUser))
	m.HandleFunc("GET /api/tokens", s.authed(s.listTokens))
	m.HandleFunc("POST /api/tokens", s.authed(s.createToken))
	m.HandleFunc("DELETE /api/tokens/{id}", s.authed(s.deleteToken))

	m.HandleFunc("GET /api/features", s.authed(s.listFeatures))
	m.HandleFunc("POST /api/features", s.authed(s.createFeature))
	m.HandleFunc("GET /api/features/{id}", s.authed(s.getFeature))
	m.HandleFunc("PUT /api/features/{id}", s.authed(s.updateFeature))
	m.HandleFunc("DELETE /api/features/{id}", s.authed(s.deleteFeature))
	m.HandleFunc("GET /api/features/{id}/history", s.authed(s.featureHistory))

	m.HandleFunc("GET /api/deconfliction", s.authed(s.deconflictRules))
	m.HandleFunc("POST /api/movements/check", s.authed(s.checkMovement))
	m.HandleFunc("GET /api/movements", s.authed(s.listMovements))
	m.HandleFunc("POST /api/movements", s.authed(s.createMovement))
	m.HandleFunc("GET /api/movements/{id}", s.authed(s.getMovement))
	m.HandleFunc("PUT /api/movements/{id}", s.authed(s.updateMovement))
	m.HandleFunc("GET /api/movements/{id}/history", s.authed(s.movementHistory))
	m.HandleFunc("POST /api/movements/{id}/{step}", s.authed(s.movementStep))
	m.HandleFunc("GET /api/acks", s.authed(s.ackInbox))
	m.HandleFunc("GET /api/site-notifications", s.authed(s.listNotifications))
	m.HandleFunc("POST /api/site-notifications", s.authed(s.createNotification))
	m.HandleFunc("GET /api/site-notifications/{id}", s.authed(s.getNotification))
	m.HandleFunc("GET /api/site-notifications/{id}/disclosures", s.authed(s.notificationDisclosures))
	m.HandleFunc("POST /api/site-notifications/{id}/{step}", s.authed(s.notificationStep))

	m.HandleFunc("GET /api/forcegen", s.authed(s.forceBoard))
	m.HandleFunc("POST /api/forcegen/requirements", s.authed(s.putRequirement))
	m.HandleFunc("PUT /api/forcegen/requirements/{id}", s.authed(s.putRequirement))
	m.HandleFunc("POST /api/forcegen/pledges", s.authed(s.putPledge))
	m.HandleFunc("PUT /api/forcegen/pledges/{id}", s.authed(s.putPledge))
	m.HandleFunc("PUT /api/forcegen/conditions", s.authed(s.putConditions))
	m.HandleFunc("POST /api/forcegen/check", s.authed(s.checkAssignment))
	m.HandleFunc("PUT /api/forcegen/assignment", s.authed(s.saveAssignment))
	m.HandleFunc("POST /api/forcegen/propose", s.authed(s.proposeAssignment))
	m.HandleFunc("GET /api/forcegen/requirements/{id}/history", s.authed(s.forceHistory("requirement")))
	m.HandleFunc("GET /api/forcegen/pledges/{id}/history", s.authed(s.forceHistory("pledge")))
	m.HandleFunc("GET /api/forcegen/assignment/history", s.authed(s.forceHistory("assignment")))

	m.HandleFunc("GET /api/consignments", s.authed(s.listConsignments))
	m.HandleFunc("POST /api/consignments", s.authed(s.createConsignment))
	m.HandleFunc("POST /api/consignments/import", s.authed(s.importConsignments))
	m.HandleFunc("GET /api/consignments/{id}", s.authed(s.getConsignment))
	m.HandleFunc("POST /api/consignments/{id}/events", s.authed(s.appendStage))
	m.HandleFunc("GET /api/aid", s.authed(s.aidVocabulary))
	m.HandleFunc("GET /api/aid/kpis", s.authed(s.aidKPIs))
	m.HandleFunc("GET /api/aid/crossings", s.authed(s.listCrossings))
	m.HandleFunc("PUT /api/aid/crossings/{id}", s.authed(s.setCrossing))
	m.HandleFunc("GET /api/aid/export/consignments.csv", s.authed(s.exportCSV("consignments")))
	m.HandleFunc("GET /api/aid/export/events.csv", s.authed(s.exportCSV("events")))
	m.HandleFunc("GET /api/aid/export/kpis.csv", s.authed(s.exportCSV("kpis")))

	m.HandleFunc("POST /api/tracks", s.authed(s.reportTracks))
	m.HandleFunc("GET /api/tracks", s.authed(s.listTracks))
	m.HandleFunc("GET /api/tracks/live", s.authed(s.trackStream))
	m.HandleFunc("GET /api/tracks/{uid}", s.authed(s.getTrack))
	m.HandleFunc("GET /api/tracks/{uid}/history", s.authed(s.trackHistory))
	m.HandleFunc("GET /api/alerts", s.authed(s.listAlerts))
	m.HandleFunc("GET /api/alerts/{id}", s.authed(s.getAlert))
	m.HandleFunc("POST /api/alerts/{id}/ack", s.authed(s.ackAlert))

	m.HandleFunc("GET /api/stream", s.authed(s.stream))

	m.HandleFunc("/api/", s.noEndpoint)
	s.webRoutes()
}

// noEndpoint answers API paths no route serves: 405 with Allow when the
// path exists for other methods, 404 otherwise, both as problem+json.
func (s *Server) noEndpoint(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, concord.Errorf(codeMethod, "%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	s.writeError(w, r, concord.Errorf(concord.NotFound, "no API endpoint %s %s; see /api/openapi.json", r.Method, r.URL.Path))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if s.opts.Ready != nil {
		if err := s.opts.Ready(ctx); err != nil {
			s.writeError(w, r, concord.WrapError(concord.Unavailable, err, "not ready: "+concord.ErrorMessage(err)))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyViewer
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter records the status for logs and metrics, and passes Flush
// through for the live stream.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe adds a request id, security headers, a log line and metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-ID")
		if rid == "" || len(rid) > 64 {
			rid = newRequestID()
		}
		w.Header().Set("X-Request-ID", rid)
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:"+s.basemapOrigin()+"; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'")
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), keyRequestID, rid))
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		s.metrics.duration.WithLabelValues(route).Observe(d.Seconds())
		if route != "GET /api/stream" && route != "GET /api/tracks/live" {
			s.log.Debug("http_request", "request_id", rid, "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", d.Milliseconds())
		}
	})
}

func (s *Server) basemapOrigin() string {
	if s.opts.BasemapURL == "" {
		return ""
	}
	return " " + originOf(s.opts.BasemapURL)
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler_panic", "request_id", requestID(r.Context()), "panic", v)
				s.writeError(w, r, concord.Errorf(concord.Internal, "internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
