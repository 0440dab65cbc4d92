package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/concord-mission/concord"
)

type metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	delivered prometheus.Counter
	logins    *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, hub *concord.Hub) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "concord_http_requests_total", Help: "HTTP requests by route pattern and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "concord_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "concord_stream_events_delivered_total", Help: "Events written to live-stream (SSE) clients.",
		}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "concord_logins_total", Help: "Login attempts by outcome.",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.requests, m.duration, m.delivered, m.logins)
	if hub != nil {
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "concord_stream_clients", Help: "Connected live-stream clients on this instance."},
				func() float64 { return float64(hub.Subscribers()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "concord_stream_clients_dropped_total", Help: "Live-stream clients dropped for falling behind (they resume from their last event id)."},
				func() float64 { return float64(hub.Dropped()) }),
		)
	}
	return m
}
