package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/concord-mission/concord"
)

// statusOf is the one table from application error codes to HTTP status.
var statusOf = map[concord.Code]int{
	concord.Invalid:      http.StatusBadRequest,
	concord.NotFound:     http.StatusNotFound,
	concord.Conflict:     http.StatusConflict,
	concord.Unauthorized: http.StatusUnauthorized,
	concord.Forbidden:    http.StatusForbidden,
	concord.TooLarge:     http.StatusRequestEntityTooLarge,
	concord.RateLimited:  http.StatusTooManyRequests,
	concord.Unavailable:  http.StatusServiceUnavailable,
	concord.Internal:     http.StatusInternalServerError,
	codeUnsupported:      http.StatusUnsupportedMediaType,
	codeMethod:           http.StatusMethodNotAllowed,
}

// HTTP-only codes.
const (
	codeUnsupported concord.Code = "unsupported_media_type"
	codeMethod      concord.Code = "method_not_allowed"
)

// Problem is an RFC 9457 problem details object with Concord's stable code.
type Problem struct {
	Type      string               `json:"type"`
	Title     string               `json:"title"`
	Status    int                  `json:"status"`
	Detail    string               `json:"detail"`
	Code      concord.Code         `json:"code"`
	Instance  string               `json:"instance,omitempty"`
	RequestID string               `json:"request_id,omitempty"`
	Errors    []concord.FieldError `json:"errors,omitempty"`
}

// writeError answers err as problem+json. Errors that are not
// *concord.Error are internal: logged with the request id, shown as a
// generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := concord.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status, code = http.StatusInternalServerError, concord.Internal
	}
	rid := requestID(r.Context())
	p := Problem{
		Type: "urn:concord:problem:" + string(code), Title: http.StatusText(status), Status: status,
		Detail: concord.ErrorMessage(err), Code: code, Instance: r.URL.Path, RequestID: rid,
	}
	var ce *concord.Error
	if errors.As(err, &ce) {
		p.Errors = ce.Fields
	}
	if status >= 500 {
		s.log.Error("request_failed", "request_id", rid, "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeRaw(w http.ResponseWriter, status int, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
