//go:build !pprof

package cli

import "log/slog"

// servePprof says that this build has no profiler: HMS_PPROF_ADDR is served only by a build
// with the tag pprof (see pprof.go).
func servePprof(addr string, log *slog.Logger) {
	log.Warn("HMS_PPROF_ADDR is set, but this build has no profiler: build hms with -tags pprof (make bench does)", "addr", addr)
}
