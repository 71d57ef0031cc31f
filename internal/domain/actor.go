package domain

import "context"

// Roles a user can have.
const (
	RoleAdmin  = "admin"
	RoleDoctor = "doctor"
	RoleNurse  = "nurse"
	RoleStaff  = "staff"
)

// Actor is who performs a request: the authenticated user and where the request came from.
// Handlers put it in the request context; the store reads it to record who changed what.
type Actor struct {
	UserID    int64  // 0 when nobody is signed in (e.g. a command-line tool)
	Role      string // admin, doctor, nurse or staff; empty for the system itself
	IP        string
	RequestID string
	UserAgent string // the request's User-Agent header: a new session records it, the audit trail does not
}

type actorKey struct{}

// WithActor returns a context that carries a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx, or the zero Actor (the system) when there is none.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}
