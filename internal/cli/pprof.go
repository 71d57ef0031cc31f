//go:build pprof

package cli

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves Go's runtime profiles on a separate loopback listener, for measuring
// the server under load (docs/BENCHMARKS.md). It lives as long as the process. Only builds
// with the tag pprof (make bench) have it: the profiler weighs 0.4 MB that the image, with a
// budget of 30 MB, does not carry.
func servePprof(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Info("pprof profiles served", "addr", addr)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Warn("pprof listener stopped", "error", err)
	}
}
