package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/concord-mission/concord"
	"github.com/concord-mission/concord/password"
)

// SessionCookie is the name of the login cookie.
const SessionCookie = "concord_session"

// TokenPrefix starts every API token so that leaked tokens are easy to find.
const TokenPrefix = "concord_"

func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashSecret returns the stored form of a session or token secret.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// LoginLimiter rate-limits login attempts per client address and per
// username, so that neither one address nor a spread of addresses can guess
// one account's password quickly. One limiter serves every surface that
// takes a password (the API's login and the TAK server's <auth>), so that
// attempts count together.
type LoginLimiter struct {
	mu      sync.Mutex
	perMin  int
	buckets map[string]*rate.Limiter
	swept   time.Time
}

// NewLoginLimiter allows perMin attempts a minute per key.
func NewLoginLimiter(perMin int) *LoginLimiter {
	return &LoginLimiter{perMin: perMin, buckets: map[string]*rate.Limiter{}}
}

// Allow reports whether another attempt for key ("ip:…", "user:…") may go
// ahead, and if not, how long to wait.
func (l *LoginLimiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.swept) > 10*time.Minute {
		for k, b := range l.buckets {
			if b.TokensAt(now) >= float64(l.perMin) {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = rate.NewLimiter(rate.Limit(float64(l.perMin)/60), l.perMin)
		l.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// meResponse describes the logged-in viewer.
type meResponse struct {
	User     concord.User  `json:"user"`
	Party    concord.Party `json:"party"`
	Exercise string        `json:"exercise,omitempty"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeJSON(r, 4096, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	name := strings.ToLower(strings.TrimSpace(req.Username))
	for _, key := range []string{"ip:" + clientIP(r), "user:" + name} {
		if ok, wait := s.limiter.Allow(key); !ok {
			s.metrics.logins.WithLabelValues("rate_limited").Inc()
			w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
			s.writeError(w, r, concord.Errorf(concord.RateLimited, "too many login attempts; try again in %d seconds", int(math.Ceil(wait.Seconds()))))
			return
		}
	}
	// One message for every failure, so that responses do not tell which
	// usernames exist; unknown users cost the same hashing time.
	fail := concord.Errorf(concord.Unauthorized, "invalid username or password")
	u, hash, err := s.svc.Store().UserByName(r.Context(), name)
	switch {
	case concord.ErrorCode(err) == concord.NotFound:
		password.CheckUnknown(req.Password)
		s.metrics.logins.WithLabelValues("failed").Inc()
		s.writeError(w, r, fail)
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	ok, err := password.Check(req.Password, hash)
	if err != nil || !ok || u.Disabled {
		s.metrics.logins.WithLabelValues("failed").Inc()
		s.writeError(w, r, fail)
		return
	}
	secret := randomSecret()
	now := time.Now().UTC()
	sess := concord.Session{TokenHash: HashSecret(secret), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.opts.SessionTTL)}
	if err := s.svc.Store().InsertSession(r.Context(), sess); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.opts.SecureCookies, MaxAge: int(s.opts.SessionTTL.Seconds()),
	})
	s.log.Info("login", "request_id", requestID(r.Context()), "user", u.Username, "party", u.Party)
	p, _ := s.svc.Access().Directory().Party(u.Party)
	writeJSON(w, http.StatusOK, meResponse{User: u, Party: p, Exercise: s.opts.Exercise})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.svc.Store().DeleteSession(r.Context(), HashSecret(c.Value)); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.opts.SecureCookies, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}

// authenticate finds the viewer of a request from its Bearer token or its
// session cookie.
func (s *Server) authenticate(r *http.Request) (concord.Viewer, error) {
	ctx := r.Context()
	store := s.svc.Store()
	unauth := concord.Errorf(concord.Unauthorized, "log in or send an API token (Authorization: Bearer …)")
	var userID string
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, secret, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(secret, TokenPrefix) {
			return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "the Authorization header must be \"Bearer %s…\"", TokenPrefix)
		}
		t, err := store.TokenByHash(ctx, HashSecret(secret))
		if concord.ErrorCode(err) == concord.NotFound {
			return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "the API token is unknown or revoked")
		} else if err != nil {
			return concord.Viewer{}, err
		}
		if t.ExpiresAt != nil && time.Now().After(*t.ExpiresAt) {
			return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "the API token expired")
		}
		if t.LastUsed == nil || time.Since(*t.LastUsed) > time.Minute {
			_ = store.TouchToken(ctx, t.ID, time.Now().UTC())
		}
		userID = t.UserID
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		sess, err := store.Session(ctx, HashSecret(c.Value))
		if concord.ErrorCode(err) == concord.NotFound {
			return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "your session ended; log in again")
		} else if err != nil {
			return concord.Viewer{}, err
		}
		if time.Now().After(sess.ExpiresAt) {
			return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "your session expired; log in again")
		}
		userID = sess.UserID
	} else {
		return concord.Viewer{}, unauth
	}
	u, err := store.User(ctx, userID)
	if err != nil {
		if concord.ErrorCode(err) == concord.NotFound {
			return concord.Viewer{}, unauth
		}
		return concord.Viewer{}, err
	}
	if u.Disabled {
		return concord.Viewer{}, concord.Errorf(concord.Unauthorized, "this account is disabled")
	}
	return concord.ViewerOf(u), nil
}

// authed wraps a handler that needs a viewer.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, concord.Viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), keyViewer, v)), v)
	}
}

// sessionResponse says whether the caller is logged in. It never fails, so
// that a page can ask before it shows a login form.
type sessionResponse struct {
	Authenticated bool           `json:"authenticated"`
	User          *concord.User  `json:"user,omitempty"`
	Party         *concord.Party `json:"party,omitempty"`
	Exercise      string         `json:"exercise,omitempty"`
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	out := sessionResponse{Exercise: s.opts.Exercise}
	if v, err := s.authenticate(r); err == nil {
		if u, err := s.svc.Store().User(r.Context(), v.UserID); err == nil {
			p, _ := s.svc.Access().Directory().Party(v.Party)
			out.Authenticated, out.User, out.Party = true, &u, &p
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	u, err := s.svc.Store().User(r.Context(), v.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := s.svc.Access().Directory().Party(v.Party)
	writeJSON(w, http.StatusOK, meResponse{User: u, Party: p, Exercise: s.opts.Exercise})
}

type tokenRequest struct {
	Name string `json:"name"`
	// ExpiresInDays, if set, makes the token expire.
	ExpiresInDays int `json:"expires_in_days"`
}

type tokenCreated struct {
	concord.Token
	// Secret is shown once, at creation.
	Secret string `json:"secret"`
}

// CreateToken makes an API token for a user and returns its secret. The
// CLI uses it too.
func CreateToken(ctx context.Context, store concord.Store, userID, name string, ttl time.Duration) (concord.Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return concord.Token{}, "", concord.InvalidFields("invalid token: name must be 1 to 100 characters", []concord.FieldError{{Field: "name", Reason: "must be 1 to 100 characters"}})
	}
	secret := TokenPrefix + randomSecret()
	now := time.Now().UTC().Truncate(time.Millisecond)
	t := concord.Token{ID: uuid.NewString(), UserID: userID, Name: name, Hash: HashSecret(secret), CreatedAt: now}
	if ttl > 0 {
		e := now.Add(ttl)
		t.ExpiresAt = &e
	}
	if err := store.InsertToken(ctx, t); err != nil {
		return concord.Token{}, "", err
	}
	return t, secret, nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	var req tokenRequest
	if err := decodeJSON(r, 4096, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.ExpiresInDays < 0 || req.ExpiresInDays > 3650 {
		s.writeError(w, r, concord.InvalidFields("invalid token: expires_in_days must be 0 to 3650", []concord.FieldError{{Field: "expires_in_days", Reason: "must be 0 (never) to 3650"}}))
		return
	}
	t, secret, err := CreateToken(r.Context(), s.svc.Store(), v.UserID, req.Name, time.Duration(req.ExpiresInDays)*24*time.Hour)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenCreated{Token: t, Secret: secret})
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	ts, err := s.svc.Store().Tokens(r.Context(), v.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	if err := s.svc.Store().DeleteToken(r.Context(), v.UserID, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
