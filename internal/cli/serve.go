package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/metrics"
)

func serve(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "serve", "", "Runs the JSON API under /api and the web UI at /, configured by the environment.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	cfg, log, err := loadConfig(e)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.Migrate {
		n, err := st.MigrateUp(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("migrations applied", "count", n)
		}
	}
	opts := httpapi.Options{Store: st, Logger: log, Location: cfg.Location, UI: uiHandler(), Version: e.version}
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		m := metrics.New(st.DB(), e.version)
		opts.Observe = m.Observe
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		metricsSrv = &http.Server{Addr: cfg.MetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on HMS_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
		}
		log.Info("metrics listening", "addr", mln.Addr().String())
		go func() { _ = metricsSrv.Serve(mln) }()
	}
	api, handler := httpapi.New(opts)
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on HMS_ADDR %s: %w", cfg.Addr, err)
	}
	log.Info("hms started", "version", e.version, "env", cfg.Env, "database", st.Dialect(), "addr", ln.Addr().String(),
		"url", "http://"+displayHost(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	api.StartDraining()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("in-flight requests did not finish in time", "error", err)
	}
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(shutdownCtx)
	}
	log.Info("stopped")
	return nil
}

// displayHost turns a listener address into something a browser can open.
func displayHost(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
