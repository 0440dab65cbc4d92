package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/peterbourgon/ff/v3"
)

// Config is the one configuration of a Concord process. Precedence: flags,
// then CONCORD_* environment variables, then the optional config file, then
// these defaults, which run with zero configuration.
type Config struct {
	HTTPAddr string
	// TAK server.
	TAKAddr           string
	TAKTLSAddr        string
	TAKCADir          string
	TAKHosts          string
	TAKMaxEventBytes  int
	TAKAnonymousParty string
	DataDir           string
	NATSURL           string
	NATSCreds         string
	NATSTLSCA         string
	NATSTLSCert       string
	NATSTLSKey        string
	NATSReplicas      int
	NATSStream        string
	PostgresURL       string
	LogFormat         string
	LogLevel          string
	MaxBodyBytes      int64
	SessionTTL        time.Duration
	LoginRate         int
	SecureCookies     bool
	BasemapURL        string
	BasemapAttrib     string
	Exercise          string
	ConfigFile        string
	// DebugAddr serves Go's profiler (/debug/pprof/) when set.
	DebugAddr string

	// Deconfliction rules.
	BufferM           float64
	CorridorCapacity  int
	TargetTrucks      float64
	LeadTime          time.Duration
	EmergencyLeadTime time.Duration
	MaxRouteKm        float64

	// Live picture.
	TrackRetention     time.Duration
	TrackMaxFuture     time.Duration
	StaleAfter         time.Duration
	OffRouteM          float64
	AlertEscalateAfter time.Duration
}

// defaultConfig returns the zero-configuration defaults.
func defaultConfig() Config {
	return Config{
		HTTPAddr:         "127.0.0.1:8080",
		TAKAddr:          "127.0.0.1:8087",
		TAKTLSAddr:       "127.0.0.1:8089",
		TAKHosts:         "localhost,127.0.0.1",
		TAKMaxEventBytes: 2 << 20,
		DataDir:          "concord-data",
		NATSReplicas:     1,
		NATSStream:       "CONCORD",
		LogFormat:        "text",
		LogLevel:         "info",
		MaxBodyBytes:     1 << 20,
		SessionTTL:       12 * time.Hour,
		LoginRate:        10,

		BufferM:           250,
		CorridorCapacity:  3,
		TargetTrucks:      600,
		LeadTime:          48 * time.Hour,
		EmergencyLeadTime: 24 * time.Hour,
		MaxRouteKm:        300,

		TrackRetention:     7 * 24 * time.Hour,
		TrackMaxFuture:     10 * time.Minute,
		StaleAfter:         5 * time.Minute,
		OffRouteM:          500,
		AlertEscalateAfter: 10 * time.Minute,
	}
}

// register binds the common flags to c.
func (c *Config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "HTTP listen address (host:port; port 0 picks a free port)")
	fs.StringVar(&c.TAKAddr, "tak-addr", c.TAKAddr, "TAK (Cursor-on-Target) plain TCP listen address; \"off\" disables it")
	fs.StringVar(&c.TAKTLSAddr, "tak-tls-addr", c.TAKTLSAddr, "TAK listen address over TLS with client certificates; \"off\" disables it")
	fs.StringVar(&c.TAKCADir, "tak-ca-dir", c.TAKCADir, "directory of the TAK certificate authority (default: tak/ in the data directory; share it between instances)")
	fs.StringVar(&c.TAKHosts, "tak-hosts", c.TAKHosts, "comma-separated host names and addresses devices use to reach the TAK server (server certificate, data packages)")
	fs.IntVar(&c.TAKMaxEventBytes, "tak-max-event-bytes", c.TAKMaxEventBytes, "largest CoT event accepted; a larger one closes the connection")
	fs.StringVar(&c.TAKAnonymousParty, "tak-anonymous-party", c.TAKAnonymousParty, "let plain-TCP devices without <auth> in, receive-only, as this party (empty: refuse them)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the embedded database and event stream")
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "external NATS server or cluster URL(s); empty runs NATS in-process")
	fs.StringVar(&c.NATSCreds, "nats-creds", c.NATSCreds, "NATS credentials file for --nats-url")
	fs.StringVar(&c.NATSTLSCA, "nats-tls-ca", c.NATSTLSCA, "CA certificate file to verify the NATS server")
	fs.StringVar(&c.NATSTLSCert, "nats-tls-cert", c.NATSTLSCert, "client certificate file for NATS (with --nats-tls-key)")
	fs.StringVar(&c.NATSTLSKey, "nats-tls-key", c.NATSTLSKey, "client key file for NATS")
	fs.StringVar(&c.NATSStream, "nats-stream", c.NATSStream, "JetStream stream name (deployments sharing one NATS need different names)")
	fs.IntVar(&c.NATSReplicas, "nats-replicas", c.NATSReplicas, "JetStream replication factor (1 embedded, 3 in a cluster)")
	fs.StringVar(&c.PostgresURL, "postgres-url", c.PostgresURL, "PostgreSQL URL; empty uses the embedded SQLite store")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest accepted request body")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "how long a browser login lasts")
	fs.IntVar(&c.LoginRate, "login-rate", c.LoginRate, "password attempts a minute per client address and per account (API and TAK together)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark session cookies Secure (set when served over HTTPS)")
	fs.StringVar(&c.BasemapURL, "basemap-url", c.BasemapURL, "optional raster tile URL template ({z}/{x}/{y}) for the web map; none by default")
	fs.StringVar(&c.BasemapAttrib, "basemap-attribution", c.BasemapAttrib, "credit line the basemap's provider requires")
	fs.StringVar(&c.Exercise, "exercise", c.Exercise, "label shown on every screen, e.g. an exercise name")
	fs.StringVar(&c.ConfigFile, "config", "", "optional config file: one \"flag-name value\" per line")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "serve Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; keep it private")
	fs.Float64Var(&c.BufferM, "deconflict-buffer-m", c.BufferM, "how close (metres) a movement may pass an area or site before it is reported")
	fs.IntVar(&c.CorridorCapacity, "corridor-capacity", c.CorridorCapacity, "movements that may use the same stretch of road at once")
	fs.Float64Var(&c.TargetTrucks, "target-trucks", c.TargetTrucks, "daily target of aid trucks entered, for the pipeline KPIs")
	fs.DurationVar(&c.LeadTime, "lead-time", c.LeadTime, "notice a movement needs before departure")
	fs.DurationVar(&c.EmergencyLeadTime, "emergency-lead-time", c.EmergencyLeadTime, "notice an emergency movement needs")
	fs.Float64Var(&c.MaxRouteKm, "max-route-km", c.MaxRouteKm, "longest movement route accepted")
	fs.DurationVar(&c.TrackRetention, "track-retention", c.TrackRetention, "how long track history is kept")
	fs.DurationVar(&c.TrackMaxFuture, "track-max-future", c.TrackMaxFuture, "how far ahead of the clock a position report may be dated")
	fs.DurationVar(&c.StaleAfter, "stale-after", c.StaleAfter, "how long a track may stay silent before it is stale")
	fs.Float64Var(&c.OffRouteM, "off-route-m", c.OffRouteM, "how far (metres) a convoy may stray from its approved route before an alert")
	fs.DurationVar(&c.AlertEscalateAfter, "alert-escalate-after", c.AlertEscalateAfter, "how long an urgent alert may stay unacknowledged before it is escalated")
}

// parse applies flags > env > file to c.
func (c *Config) parse(fs *flag.FlagSet, args []string) error {
	return ff.Parse(fs, args,
		ff.WithEnvVarPrefix("CONCORD"),
		ff.WithConfigFileFlag("config"),
		ff.WithConfigFileParser(ff.PlainParser),
	)
}

var streamName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	for name, addr := range map[string]string{"--http-addr": c.HTTPAddr, "--tak-addr": c.TAKAddr, "--tak-tls-addr": c.TAKTLSAddr} {
		if name != "--http-addr" && addr == "off" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: must be host:port", name, addr))
		}
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: must be text or json", c.LogFormat))
	}
	if !map[string]bool{"debug": true, "info": true, "warn": true, "error": true}[c.LogLevel] {
		errs = append(errs, fmt.Errorf("--log-level %q: must be debug, info, warn or error", c.LogLevel))
	}
	if !streamName.MatchString(c.NATSStream) {
		errs = append(errs, fmt.Errorf("--nats-stream %q: letters, digits, '-' and '_' only", c.NATSStream))
	}
	if c.NATSReplicas < 1 || c.NATSReplicas > 5 {
		errs = append(errs, fmt.Errorf("--nats-replicas %d: must be 1 to 5", c.NATSReplicas))
	}
	if c.NATSURL == "" && c.NATSReplicas != 1 {
		errs = append(errs, errors.New("--nats-replicas above 1 needs an external cluster (--nats-url)"))
	}
	if (c.NATSTLSCert == "") != (c.NATSTLSKey == "") {
		errs = append(errs, errors.New("--nats-tls-cert and --nats-tls-key go together"))
	}
	if c.NATSURL == "" && (c.NATSCreds != "" || c.NATSTLSCA != "" || c.NATSTLSCert != "") {
		errs = append(errs, errors.New("NATS credentials and TLS options need --nats-url"))
	}
	if c.PostgresURL != "" {
		if u, err := url.Parse(c.PostgresURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("--postgres-url must be a postgres:// URL"))
		}
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 256<<20 {
		errs = append(errs, fmt.Errorf("--max-body-bytes %d: must be 1 KiB to 256 MiB", c.MaxBodyBytes))
	}
	if c.BufferM < 0 || c.BufferM > 5000 {
		errs = append(errs, fmt.Errorf("--deconflict-buffer-m %g: must be 0 to 5000", c.BufferM))
	}
	if c.TargetTrucks < 1 || c.TargetTrucks > 100000 {
		errs = append(errs, fmt.Errorf("--target-trucks %g: must be 1 to 100000", c.TargetTrucks))
	}
	if c.CorridorCapacity < 1 || c.CorridorCapacity > 1000 {
		errs = append(errs, fmt.Errorf("--corridor-capacity %d: must be 1 to 1000", c.CorridorCapacity))
	}
	if c.LeadTime < 0 || c.EmergencyLeadTime < 0 || c.EmergencyLeadTime > c.LeadTime {
		errs = append(errs, errors.New("--lead-time and --emergency-lead-time must not be negative, and the emergency one not longer"))
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			errs = append(errs, fmt.Errorf("--debug-addr %q: must be host:port", c.DebugAddr))
		}
	}
	if c.TAKMaxEventBytes < 1<<20 || c.TAKMaxEventBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("--tak-max-event-bytes %d: must be 1 MiB to 64 MiB", c.TAKMaxEventBytes))
	}
	if len(c.takHosts()) == 0 {
		errs = append(errs, errors.New("--tak-hosts must name at least one host"))
	}
	if c.TrackRetention < time.Hour {
		errs = append(errs, fmt.Errorf("--track-retention %s: must be at least 1h", c.TrackRetention))
	}
	if c.TrackMaxFuture < 0 || c.TrackMaxFuture > 24*time.Hour {
		errs = append(errs, fmt.Errorf("--track-max-future %s: must be 0 to 24h", c.TrackMaxFuture))
	}
	if c.StaleAfter < 10*time.Second {
		errs = append(errs, fmt.Errorf("--stale-after %s: must be at least 10s", c.StaleAfter))
	}
	if c.OffRouteM < 10 || c.OffRouteM > 50000 {
		errs = append(errs, fmt.Errorf("--off-route-m %g: must be 10 to 50000", c.OffRouteM))
	}
	if c.AlertEscalateAfter < time.Second {
		errs = append(errs, fmt.Errorf("--alert-escalate-after %s: must be at least 1s", c.AlertEscalateAfter))
	}
	if c.LoginRate < 1 || c.LoginRate > 100000 {
		errs = append(errs, fmt.Errorf("--login-rate %d: must be 1 to 100000", c.LoginRate))
	}
	if c.SessionTTL < time.Minute {
		errs = append(errs, fmt.Errorf("--session-ttl %s: must be at least 1m", c.SessionTTL))
	}
	if c.BasemapURL != "" && !(strings.HasPrefix(c.BasemapURL, "http://") || strings.HasPrefix(c.BasemapURL, "https://") || strings.HasPrefix(c.BasemapURL, "/")) {
		errs = append(errs, errors.New("--basemap-url must be an http(s) URL template or a path on this server"))
	}
	return errors.Join(errs...)
}

// natsOptions turns the NATS credential and TLS settings into client
// options.
func (c Config) natsOptions() ([]nats.Option, error) {
	var opts []nats.Option
	if c.NATSCreds != "" {
		if _, err := os.Stat(c.NATSCreds); err != nil {
			return nil, fmt.Errorf("--nats-creds: %w", err)
		}
		opts = append(opts, nats.UserCredentials(c.NATSCreds))
	}
	if c.NATSTLSCA != "" {
		opts = append(opts, nats.RootCAs(c.NATSTLSCA))
	}
	if c.NATSTLSCert != "" {
		opts = append(opts, nats.ClientCert(c.NATSTLSCert, c.NATSTLSKey))
	}
	return opts, nil
}

// Dump returns the effective configuration with secrets masked, for
// `concord config` and the start-up log.
func (c Config) Dump() []string {
	return []string{
		"http-addr " + c.HTTPAddr,
		"tak-addr " + c.TAKAddr,
		"tak-tls-addr " + c.TAKTLSAddr,
		"tak-ca-dir " + c.TAKCADir,
		"tak-hosts " + c.TAKHosts,
		fmt.Sprintf("tak-max-event-bytes %d", c.TAKMaxEventBytes),
		"tak-anonymous-party " + c.TAKAnonymousParty,
		"data-dir " + c.DataDir,
		"nats-url " + maskURL(c.NATSURL),
		"nats-creds " + c.NATSCreds,
		"nats-tls-ca " + c.NATSTLSCA,
		"nats-tls-cert " + c.NATSTLSCert,
		"nats-tls-key " + c.NATSTLSKey,
		fmt.Sprintf("nats-replicas %d", c.NATSReplicas),
		"nats-stream " + c.NATSStream,
		"postgres-url " + maskURL(c.PostgresURL),
		"log-format " + c.LogFormat,
		"log-level " + c.LogLevel,
		fmt.Sprintf("max-body-bytes %d", c.MaxBodyBytes),
		"session-ttl " + c.SessionTTL.String(),
		fmt.Sprintf("login-rate %d", c.LoginRate),
		fmt.Sprintf("secure-cookies %v", c.SecureCookies),
		"basemap-url " + c.BasemapURL,
		"basemap-attribution " + c.BasemapAttrib,
		"exercise " + c.Exercise,
		"debug-addr " + c.DebugAddr,
		fmt.Sprintf("deconflict-buffer-m %g", c.BufferM),
		fmt.Sprintf("corridor-capacity %d", c.CorridorCapacity),
		"lead-time " + c.LeadTime.String(),
		"emergency-lead-time " + c.EmergencyLeadTime.String(),
		fmt.Sprintf("max-route-km %g", c.MaxRouteKm),
		"track-retention " + c.TrackRetention.String(),
		"track-max-future " + c.TrackMaxFuture.String(),
		"stale-after " + c.StaleAfter.String(),
		fmt.Sprintf("off-route-m %g", c.OffRouteM),
		"alert-escalate-after " + c.AlertEscalateAfter.String(),
	}
}

// maskURL hides the password of a URL.
func maskURL(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(unparsable)"
			continue
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		q := u.Query()
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}

// takHosts returns the TAK host names.
func (c Config) takHosts() []string {
	var out []string
	for _, h := range strings.Split(c.TAKHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// takCADir returns the directory of the TAK certificate authority.
func (c Config) takCADir() string {
	if c.TAKCADir != "" {
		return c.TAKCADir
	}
	return filepath.Join(c.DataDir, "tak")
}
