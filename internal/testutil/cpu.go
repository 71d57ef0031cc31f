package testutil

import (
	"syscall"
	"testing"
	"time"
)

// ReportCPU measures the CPU time this process spends from now until the returned function
// is called after the benchmark's loop, and reports it per operation as cpu-ns/op. Unlike
// ns/op it leaves out the time spent waiting for a database server in another process.
func ReportCPU(b *testing.B) (stop func()) {
	start := processCPU(b)
	return func() {
		b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
	}
}

func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
