package httpapi

import (
	"context"
	"net/http"
	"time"
)

// health answers liveness probes without touching the database.
func (a *API) health(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
	return nil
}

// ready answers readiness probes: 200 when the database answers within two seconds and
// the server is not shutting down.
func (a *API) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if a.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "database": "connected", "reason": "shutting down"})
		return nil
	}
	if err := a.store.Ping(ctx); err != nil {
		a.log.Warn("readiness check failed", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "database": "disconnected"})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": "connected"})
	return nil
}
