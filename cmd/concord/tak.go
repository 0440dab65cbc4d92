package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base32"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/httpapi"
	"github.com/concord-mission/concord/password"
	"github.com/concord-mission/concord/tak"
)

// openTAK starts the TAK server on the configured listeners.
func (m *Main) openTAK(ctx context.Context, reg prometheus.Registerer) error {
	opts := tak.Options{Service: m.Service, COP: m.COP, Hub: m.Hub, MaxEventBytes: m.Config.TAKMaxEventBytes, MaxFuture: m.Config.TrackMaxFuture,
		AnonymousParty: m.Config.TAKAnonymousParty, Login: m.takLogin, CertUser: m.takCertUser, Registry: reg, Log: m.Log.With("component", "tak")}
	if !m.Bus.Embedded() {
		opts.Broadcast = m.Bus
	}
	if m.Config.TAKAddr != "off" {
		opts.Addr = m.Config.TAKAddr
	}
	if m.Config.TAKTLSAddr != "off" {
		ca, err := tak.LoadOrCreateCA(m.Config.takCADir(), "Concord")
		if err != nil {
			return fmt.Errorf("TAK certificate authority: %w", err)
		}
		if opts.TLS, err = ca.ServerTLS(m.Config.takHosts()); err != nil {
			return fmt.Errorf("TAK server certificate: %w", err)
		}
		opts.TLSAddr, m.TAKCA = m.Config.TAKTLSAddr, ca
	}
	m.TAK = tak.New(opts)
	return m.TAK.Open(ctx)
}

// takLogin checks a plain-TCP device's <auth>: the account's password, or
// one of its API tokens (much cheaper to check, for trackers that
// reconnect often).
func (m *Main) takLogin(ctx context.Context, remote, username, secret string) (concord.Viewer, error) {
	fail := concord.Errorf(concord.Unauthorized, "invalid username or password")
	store := m.Store
	name := strings.ToLower(strings.TrimSpace(username))
	host, _, _ := net.SplitHostPort(remote)
	// Tokens are not guessable; passwords are, and attempts count together
	// with the API's logins.
	if !strings.HasPrefix(secret, httpapi.TokenPrefix) {
		for _, key := range []string{"ip:" + host, "user:" + name} {
			if ok, wait := m.limiter.Allow(key); !ok {
				return concord.Viewer{}, concord.Errorf(concord.RateLimited, "too many login attempts; try again in %s", wait.Round(time.Second))
			}
		}
	}
	var u concord.User
	if strings.HasPrefix(secret, httpapi.TokenPrefix) {
		t, err := store.TokenByHash(ctx, httpapi.HashSecret(secret))
		if concord.ErrorCode(err) == concord.NotFound {
			return concord.Viewer{}, fail
		} else if err != nil {
			return concord.Viewer{}, loginUnchecked(err)
		}
		if t.ExpiresAt != nil && time.Now().After(*t.ExpiresAt) {
			return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "the API token expired")
		}
		u, err = store.User(ctx, t.UserID)
		if err != nil && concord.ErrorCode(err) != concord.NotFound {
			return concord.Viewer{}, loginUnchecked(err)
		}
		if err != nil || u.Username != name {
			return concord.Viewer{}, fail
		}
	} else {
		var hash string
		var err error
		u, hash, err = store.UserByName(ctx, name)
		if concord.ErrorCode(err) == concord.NotFound {
			password.CheckUnknown(secret)
			return concord.Viewer{}, fail
		}
		if err != nil {
			return concord.Viewer{}, loginUnchecked(err)
		}
		if ok, err := password.Check(secret, hash); err != nil || !ok {
			return concord.Viewer{}, fail
		}
	}
	if u.Disabled {
		return concord.Viewer{}, fail
	}
	return concord.ViewerOf(u), nil
}

// loginUnchecked is the error of a login that could not be checked (the
// store did not answer in time, say): not a wrong password, so that the
// device's log and the server's say what happened.
func loginUnchecked(err error) error {
	return concord.WrapError(concord.Unavailable, err, "the login could not be checked now: "+err.Error())
}

// takCertUser maps a client certificate (already verified against the TAK
// CA) to its account: the common name is the username and the
// organizational unit the party it was issued for.
func (m *Main) takCertUser(ctx context.Context, cert *x509.Certificate) (concord.Viewer, error) {
	u, _, err := m.Store.UserByName(ctx, cert.Subject.CommonName)
	if err != nil {
		return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "certificate of unknown user %q", cert.Subject.CommonName)
	}
	if u.Disabled {
		return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "account %s is disabled", u.Username)
	}
	if !slices.Contains(cert.Subject.OrganizationalUnit, u.Party) {
		return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "certificate of %s was issued for party %v, the account is now in %s; issue a new one",
			u.Username, cert.Subject.OrganizationalUnit, u.Party)
	}
	return concord.ViewerOf(u), nil
}

// cmdTAKEnroll issues a client certificate for an account and writes a TAK
// data package that ATAK, WinTAK or iTAK imports to connect over TLS.
func cmdTAKEnroll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := defaultConfig()
	fs := flags("tak enroll", &c, stderr)
	username := fs.String("username", "", "account the device acts as (required)")
	out := fs.String("out", "", "data package to write (default <username>.zip)")
	host := fs.String("host", "", "address devices connect to (default the first of --tak-hosts)")
	days := fs.Int("days", 365, "validity of the certificate in days")
	pass := fs.String("password", "", "password of the PKCS#12 files inside (default: a new random one, printed)")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	if *username == "" {
		return fmt.Errorf("tak enroll: --username is required")
	}
	if *days < 1 || *days > 3650 {
		return fmt.Errorf("tak enroll: --days must be 1 to 3650")
	}
	store, _, err := openStore(ctx, c, false)
	if err != nil {
		return err
	}
	defer store.Close()
	u, _, err := store.UserByName(ctx, strings.ToLower(*username))
	if err != nil {
		return fmt.Errorf("tak enroll: no account %q: %w", *username, err)
	}
	ca, err := tak.LoadOrCreateCA(c.takCADir(), "Concord")
	if err != nil {
		return err
	}
	cert, err := ca.IssueClient(u.Username, u.Party, time.Duration(*days)*24*time.Hour)
	if err != nil {
		return err
	}
	if *host == "" {
		*host = c.takHosts()[0]
	}
	port := 8089
	if _, p, err := net.SplitHostPort(c.TAKTLSAddr); err == nil {
		if n, err := strconv.Atoi(p); err == nil && n > 0 {
			port = n
		}
	}
	if *pass == "" {
		var b [10]byte
		_, _ = rand.Read(b[:])
		*pass = strings.ToLower(base32.StdEncoding.EncodeToString(b[:]))
	}
	if *out == "" {
		*out = u.Username + ".zip"
	}
	f, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("tak enroll: %w", err)
	}
	if err := ca.WritePackage(f, cert, tak.PackageOptions{Host: *host, Port: port, Name: "Concord (" + u.Party + ")", Password: *pass}); err != nil {
		f.Close()
		os.Remove(*out)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s for %s (%s): connect to %s:%d over TLS; certificate valid until %s\n",
		*out, u.Username, u.Party, *host, port, cert.Cert.NotAfter.UTC().Format("2006-01-02"))
	fmt.Fprintf(stdout, "PKCS#12 password: %s\nCA fingerprint (SHA-256): %s\n", *pass, ca.Fingerprint())
	return nil
}
