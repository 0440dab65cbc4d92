package cot

import (
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// Limits of Validate.
const (
	MaxUIDLen  = 256
	MaxTypeLen = 128
	MaxHowLen  = 32
	// MaxAge is how far in the past an event's time may be: older ones are
	// replays or a device with a broken clock.
	MaxAge = 365 * 24 * time.Hour
)

// ValidationError is why Validate refused an event: the field (uid, type,
// how, time, start, stale, point.lat, point.lon, point.hae, point.ce,
// point.le, track.speed, track.course) and the reason, safe to show a user.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	return "cot: invalid event: " + e.Field + ": " + e.Reason
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Validate checks an event from an untrusted client: uid, type and how
// present, within MaxUIDLen, MaxTypeLen and MaxHowLen and free of control
// characters; type of the form \w+(-\w+)*(;[^;]*)?; lat in [-90, 90] and lon
// in [-180, 180]; every number finite; time, start and stale present, start
// not after stale, time not more than maxFuture ahead of now nor more than
// MaxAge behind it. The first problem found is returned as a *ValidationError.
func (e *Event) Validate(now time.Time, maxFuture time.Duration) error {
	if err := checkText("uid", e.UID, MaxUIDLen); err != nil {
		return err
	}
	if err := checkText("type", e.Type, MaxTypeLen); err != nil {
		return err
	}
	if !validType(e.Type) {
		return invalid("type", "%q is not a CoT type (letters, digits or _ separated by -, optional ;suffix)", truncate(e.Type, 40))
	}
	if err := checkText("how", e.How, MaxHowLen); err != nil {
		return err
	}
	p := e.Point
	for _, f := range []struct {
		name string
		v    float64
	}{{"point.lat", p.Lat}, {"point.lon", p.Lon}, {"point.hae", p.HAE}, {"point.ce", p.CE}, {"point.le", p.LE}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return invalid(f.name, "not a finite number")
		}
	}
	if p.Lat < -90 || p.Lat > 90 {
		return invalid("point.lat", "%g is outside [-90, 90]", p.Lat)
	}
	if p.Lon < -180 || p.Lon > 180 {
		return invalid("point.lon", "%g is outside [-180, 180]", p.Lon)
	}
	if t := e.Detail.Track; t != nil {
		if math.IsNaN(t.Speed) || math.IsInf(t.Speed, 0) {
			return invalid("track.speed", "not a finite number")
		}
		if math.IsNaN(t.Course) || math.IsInf(t.Course, 0) {
			return invalid("track.course", "not a finite number")
		}
	}
	if e.Time.IsZero() {
		return invalid("time", "missing")
	}
	if e.Start.IsZero() {
		return invalid("start", "missing")
	}
	if e.Stale.IsZero() {
		return invalid("stale", "missing")
	}
	if e.Start.After(e.Stale) {
		return invalid("stale", "%s is before start %s", e.Stale.UTC().Format(time.RFC3339), e.Start.UTC().Format(time.RFC3339))
	}
	if ahead := e.Time.Sub(now); ahead > maxFuture {
		return invalid("time", "%s is %s ahead of the server's clock (at most %s allowed)",
			e.Time.UTC().Format(time.RFC3339), ahead.Round(time.Second), maxFuture)
	}
	if behind := now.Sub(e.Time); behind > MaxAge {
		return invalid("time", "%s is more than %d days old", e.Time.UTC().Format(time.RFC3339), int(MaxAge/(24*time.Hour)))
	}
	return nil
}

func checkText(field, v string, limit int) error {
	if v == "" {
		return invalid(field, "missing")
	}
	if len(v) > limit {
		return invalid(field, "%d bytes long, at most %d allowed", len(v), limit)
	}
	if !utf8.ValidString(v) {
		return invalid(field, "not valid UTF-8")
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7F || r >= 0x80 && r < 0xA0 {
			return invalid(field, "contains control character %U", r)
		}
	}
	return nil
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// validType matches \w+(-\w+)*(;[^;]*)? with \w = [0-9A-Za-z_].
func validType(t string) bool {
	base, suffix := t, ""
	for i := 0; i < len(t); i++ {
		if t[i] == ';' {
			base, suffix = t[:i], t[i+1:]
			break
		}
	}
	for i := 0; i < len(suffix); i++ {
		if suffix[i] == ';' {
			return false
		}
	}
	if base == "" {
		return false
	}
	word := false
	for i := 0; i < len(base); i++ {
		c := base[i]
		switch {
		case isWord(c):
			word = true
		case c == '-' && word:
			word = false
		default:
			return false
		}
	}
	return word
}
