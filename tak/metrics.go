package tak

import "github.com/prometheus/client_golang/prometheus"

// metrics are the TAK server's Prometheus series.
type metrics struct {
	connections *prometheus.GaugeVec   // transport, format
	received    *prometheus.CounterVec // format, class
	delivered   *prometheus.CounterVec // format, class
	dropped     *prometheus.CounterVec // reason, class
	refused     *prometheus.CounterVec // reason
	disconnects *prometheus.CounterVec // reason
	queued      prometheus.Histogram

	coalesced prometheus.Counter
	// deliveredBy caches the delivered counters by format and class.
	deliveredBy [2][5]prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "concord_tak_connections", Help: "Connected TAK devices by transport and wire format."}, []string{"transport", "format"}),
		received:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concord_tak_messages_received_total", Help: "CoT messages accepted from TAK devices by wire format and class."}, []string{"format", "class"}),
		delivered:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concord_tak_messages_delivered_total", Help: "CoT messages written to TAK devices by wire format and class."}, []string{"format", "class"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concord_tak_messages_dropped_total",
			Help: "Messages not delivered to a device: coalesced (a newer position of the same uid replaced it in a slow device's queue) or disconnected (still queued when the device was disconnected)."}, []string{"reason", "class"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concord_tak_messages_refused_total",
			Help: "Messages from devices refused: malformed, invalid, unreleasable, unauthorised or not accepted by the live picture."}, []string{"reason"}),
		disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "concord_tak_disconnects_total", Help: "TAK connections closed, by reason."}, []string{"reason"}),
		queued: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "concord_tak_write_batch_messages", Help: "Messages written to a device per flush.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 1024}}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.received, m.delivered, m.dropped, m.refused, m.disconnects, m.queued)
	}
	m.coalesced = m.dropped.WithLabelValues("coalesced", ClassPosition.String())
	for f, fname := range []string{"xml", "protobuf"} {
		for c := range classNames {
			m.deliveredBy[f][c] = m.delivered.WithLabelValues(fname, Class(c).String())
		}
	}
	return m
}
