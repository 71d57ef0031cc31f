package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hms-project/hms/internal/seed"
)

var header = []string{"Scenario", "Conns", "Req/s", "p50", "p95", "p99", "Errors", "Server CPU", "Peak RSS", "Target"}

func row(r Result) []string {
	rss := "–"
	if r.PeakRSS > 0 {
		rss = fmt.Sprintf("%.0f MB", float64(r.PeakRSS)/(1<<20))
	}
	cpu := "–"
	if r.ServerCPU > 0 {
		cpu = fmt.Sprintf("%.1f s", r.ServerCPU.Seconds())
	}
	return []string{r.Scenario, fmt.Sprint(r.Conns), fmt.Sprintf("%.0f", r.RPS()), ms(r.P50), ms(r.P95), ms(r.P99),
		fmt.Sprint(r.Errors), cpu, rss, r.Target}
}

func summary(rep DBReport) string {
	auth := "no access control"
	if rep.Auth {
		auth = "signed in (bearer token)"
	}
	return fmt.Sprintf("%s: %s patients, %s appointments, %s medical records (seeded in %s); start-up %s; idle RSS %.0f MB; %s",
		rep.DB, seed.FormatCount(rep.Data.Patients), seed.FormatCount(rep.Data.Appointments), seed.FormatCount(rep.Data.Records),
		rep.Data.Elapsed.Round(100*time.Millisecond), ms(rep.Startup), float64(rep.IdleRSS)/(1<<20), auth)
}

// WriteText writes the reports as aligned plain-text tables.
func WriteText(w io.Writer, reports []DBReport) {
	for _, rep := range reports {
		fmt.Fprintf(w, "\n%s\n", summary(rep))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(header, "\t"))
		for _, r := range rep.Results {
			fmt.Fprintln(tw, strings.Join(row(r), "\t"))
		}
		tw.Flush()
		if rep.CompareNote != "" {
			fmt.Fprintf(w, "%s\n", rep.CompareNote)
		}
		for _, rt := range rep.Ratios {
			target := ""
			if rt.Target != "" {
				target = "; target " + rt.Target
			}
			fmt.Fprintf(w, "ratio %-32s %6.2f  (rounds %s%s)\n", rt.Name, rt.Value, rounds(rt.Rounds), target)
		}
	}
}

// rounds formats the ratios of each round.
func rounds(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, ", ")
}

// WriteMarkdown writes the reports as Markdown tables, for docs/BENCHMARKS.md.
func WriteMarkdown(w io.Writer, reports []DBReport, duration time.Duration) {
	for _, rep := range reports {
		fmt.Fprintf(w, "\n**%s** — %s per scenario.\n\n", summary(rep), duration)
		fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
		for _, r := range rep.Results {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row(r), " | "))
		}
		if rep.CompareNote != "" {
			fmt.Fprintf(w, "\n%s\n", rep.CompareNote)
		}
		if len(rep.Ratios) > 0 {
			fmt.Fprintf(w, "\n| Ratio (req/s over all rounds) | Value | Rounds | Target |\n|---|---|---|---|\n")
			for _, rt := range rep.Ratios {
				fmt.Fprintf(w, "| %s | %.2f | %s | %s |\n", rt.Name, rt.Value, rounds(rt.Rounds), rt.Target)
			}
		}
	}
}

// ms formats a latency in milliseconds, with more digits when it is short.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}
