package httpapi

import (
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/concord-mission/concord"
)

// clientConfig is what the web UI needs to know about this deployment.
type clientConfig struct {
	Exercise           string                `json:"exercise,omitempty"`
	BasemapURL         string                `json:"basemap_url,omitempty"`
	BasemapAttribution string                `json:"basemap_attribution,omitempty"`
	FeatureKinds       []concord.FeatureKind `json:"feature_kinds"`
	SiteKinds          []concord.SiteKind    `json:"site_kinds"`
	SiteStatuses       []concord.SiteStatus  `json:"site_statuses"`
	Roles              []concord.Role        `json:"roles"`
}

func (s *Server) clientConfig(w http.ResponseWriter, r *http.Request, v concord.Viewer) {
	writeJSON(w, http.StatusOK, clientConfig{
		Exercise: s.opts.Exercise, BasemapURL: s.opts.BasemapURL, BasemapAttribution: s.opts.BasemapAttribution, FeatureKinds: concord.FeatureKinds,
		SiteKinds: concord.SiteKinds, SiteStatuses: concord.SiteStatuses, Roles: concord.Roles,
	})
}

// webRoutes serves the embedded UI. Unknown paths that are not files get
// index.html so that the single-page app can route them.
func (s *Server) webRoutes() {
	if s.opts.Web == nil {
		return
	}
	files := http.FileServerFS(s.opts.Web)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.writeError(w, r, concord.Errorf(codeMethod, "%s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if p == "" {
			p = "index.html"
		}
		if st, err := fs.Stat(s.opts.Web, p); err != nil || st.IsDir() {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/"
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r2)
			return
		}
		if strings.HasPrefix(p, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

func originOf(raw string) string {
	u, err := url.Parse(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(raw, "{z}", "0"), "{x}", "0"), "{y}", "0"))
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
