package httpapi

import (
	"net/http"

	"github.com/hms-project/hms/internal/store"
)

// A heavy read (a list, a search) may run on the read replica, see store.HeavyRead: the
// route table wraps its handler in fromReplica. After a successful write, writeMarker has
// the session's position stored before the answer goes out, so that the user's next heavy
// read, on any HMS replica, sees the write.

// readSourceHeader tells the client where a heavy read ran: "replica", or "primary" with
// the reason (store.ReadReplicaDown, ...), when a read replica is configured.
const readSourceHeader = "X-HMS-Read-Source"

// fromReplica runs h with its store reads on the read replica when the replica may serve
// them, and on the primary otherwise.
func (a *API) fromReplica(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, where := a.store.HeavyRead(r.Context(), identity(r.Context()).WrotePosition)
		if where != "" {
			source := "replica"
			if where != store.ReadOnReplica {
				source = "primary; " + where
			}
			w.Header().Set(readSourceHeader, source)
		}
		return h(w, r.WithContext(ctx))
	}
}

// writeMarker stores the session's write position at the first success status of a
// write request, before passing the status on.
type writeMarker struct {
	http.ResponseWriter
	api     *API
	r       *http.Request
	started bool
}

func (w *writeMarker) WriteHeader(status int) {
	if !w.started {
		w.started = true
		if status >= 200 && status < 300 {
			// The write has committed: failing it now would tell the client it did not
			// happen. A read of the session may then miss it for up to the replica's lag.
			if err := w.api.store.MarkWritten(w.r.Context(), identity(w.r.Context()).Session); err != nil {
				w.api.log.Warn("the session's write position was not stored", "error", err, "request_id", requestID(w.r.Context()))
			}
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *writeMarker) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *writeMarker) Unwrap() http.ResponseWriter { return w.ResponseWriter }
