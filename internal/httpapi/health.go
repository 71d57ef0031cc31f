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
// shutting down. With a read replica it also says whether heavy reads use it.
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
	body := map[string]string{"status": "ready", "database": "connected"}
	if st, ok := a.store.ReadReplica(); ok {
		// The primary serves every read while the replica cannot: still ready.
		body["read_replica"] = replicaState(st.State)
		body["read_replica_lag"] = st.Lag.Round(time.Millisecond).String()
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// replicaState is how /ready names the read replica's state: "in use" or why heavy reads
// go to the primary (down, lagging, not a standby).
func replicaState(s string) string {
	switch s {
	case store.ReadOnReplica:
		return "in use"
	case store.ReadReplicaDown:
		return "down: reads use the primary"
	case store.ReadReplicaLagging:
		return "lagging: reads use the primary"
	}
	return "not a standby: reads use the primary"
}
