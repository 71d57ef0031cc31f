package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hms-project/hms/internal/store"
)

// health answers liveness probes without touching the database.
func (a *API) health(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
	return nil
}

// ready answers readiness probes: 200 when a primary answers within two seconds (a
// standby, or no server at all, as during a failover, is not ready) and the server is not
// shutting down.
func (a *API) ready(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if a.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "database": "connected", "reason": "shutting down"})
		return nil
	}
	if err := a.store.Ping(ctx); err != nil {
		a.log.Warn("readiness check failed", "error", err)
		state := "disconnected"
		if errors.Is(err, store.ErrReadOnly) {
			state = "read-only"
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "database": state})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": "connected"})
	return nil
}
