package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the process's Prometheus registry, with the request metrics every route reports.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics makes a registry with Go and process metrics and the HTTP request metrics.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storesync_http_requests_total", Help: "HTTP requests served, by method, route and status code.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "storesync_http_request_duration_seconds", Help: "Time to serve HTTP requests, by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency)
	return m
}

func (m *Metrics) observeRequest(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// Register adds a collector (for example the job queue's) to the registry.
func (m *Metrics) Register(c prometheus.Collector) error { return m.reg.Register(c) }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// GaugeFunc is a collector that reports a labelled gauge read from fn at each scrape, such as jobs
// by state read from the database.
type GaugeFunc struct {
	desc  *prometheus.Desc
	label string
	fn    func(ctx context.Context) (map[string]int64, error)
}

// NewGaugeFunc makes a GaugeFunc named name with one label.
func NewGaugeFunc(name, help, label string, fn func(ctx context.Context) (map[string]int64, error)) *GaugeFunc {
	return &GaugeFunc{desc: prometheus.NewDesc(name, help, []string{label}, nil), label: label, fn: fn}
}

// Describe implements prometheus.Collector.
func (g *GaugeFunc) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect implements prometheus.Collector.
func (g *GaugeFunc) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	values, err := g.fn(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(g.desc, err)
		return
	}
	for k, v := range values {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(v), k)
	}
}
