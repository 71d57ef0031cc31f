package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hms-project/hms/internal/pgcluster"
	"github.com/hms-project/hms/internal/seed"
)

// Server is an `hms serve` process that the harness started and measures.
type Server struct {
	URL     string
	cmd     *exec.Cmd
	Startup time.Duration // from exec to the first 200 of /ready
}

// Seed runs `hms seed --json` with env and returns its summary.
func Seed(ctx context.Context, bin string, env []string, o seed.Options) (seed.Summary, error) {
	var sum seed.Summary
	cmd := exec.CommandContext(ctx, bin, "seed", "--json",
		"--patients", strconv.Itoa(o.Patients),
		"--appointments-per-patient", strconv.Itoa(o.AppointmentsPerPatient),
		"--records-per-patient", strconv.Itoa(o.RecordsPerPatient),
		"--heavy-patients", strconv.Itoa(o.HeavyPatients),
		"--seed", strconv.FormatInt(o.Seed, 10))
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return sum, fmt.Errorf("bench: hms seed: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(out, &sum); err != nil {
		return sum, fmt.Errorf("bench: hms seed printed %q: %v", out, err)
	}
	return sum, nil
}

// StartServer starts `hms serve` on a free loopback port with env, writing its log to
// logPath, and waits until /ready answers 200.
func StartServer(ctx context.Context, bin string, env []string, logPath string) (*Server, error) {
	port, err := pgcluster.FreePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	addr := "127.0.0.1:" + port
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, "HMS_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + addr, cmd: cmd}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	probe := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := probe.Get(s.URL + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.Startup = time.Since(start)
				go func() { <-exited }()
				return s, nil
			}
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("bench: hms serve exited (%v):\n%s", err, log)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, errors.New("bench: hms serve did not become ready within 2 minutes")
		}
	}
}

// Stop asks the server to shut down (SIGTERM) and waits briefly for it to go.
func (s *Server) Stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	for range 100 {
		if s.cmd.Process.Signal(syscall.Signal(0)) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = s.cmd.Process.Kill()
}

// Pid returns the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// ProcStats is what Linux says about a process: its resident memory now and at its
// peak (since start or the last ResetPeak), and the CPU time it has used.
type ProcStats struct {
	RSS, PeakRSS int64 // bytes
	CPU          time.Duration
}

// ReadProcStats reads /proc/<pid>/status and /proc/<pid>/stat.
func ReadProcStats(pid int) (ProcStats, error) {
	var st ProcStats
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return st, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[0], 10, 64)
		switch name {
		case "VmRSS":
			st.RSS = kb * 1024
		case "VmHWM":
			st.PeakRSS = kb * 1024
		}
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return st, err
	}
	// The command name (field 2) may hold spaces; the fields after its ')' are fixed.
	rest := string(stat[bytes.LastIndexByte(stat, ')')+2:])
	fields := strings.Fields(rest)
	if len(fields) < 13 {
		return st, fmt.Errorf("bench: unexpected /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64) // field 14 of stat
	stime, _ := strconv.ParseInt(fields[12], 10, 64) // field 15
	const ticksPerSecond = 100                       // USER_HZ, 100 on every Linux architecture Go supports
	st.CPU = time.Duration(utime+stime) * time.Second / ticksPerSecond
	return st, nil
}

// ResetPeakRSS restarts the process's peak-RSS counter (VmHWM), so that the next reading
// is the peak of one scenario. It needs the right to write /proc/<pid>/clear_refs, which a
// process has over its own children.
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
