package logging

import "context"

// Request is what the log lines of one request, or of one job a request
// caused, carry without every call site passing it: its id and, once
// known, the user it is for. The web middleware makes one per request;
// handlers fill in the user.
type Request struct {
	ID     string
	UserID string
	Route  string // the pattern the mux matched; "" when none did
}

type requestKey struct{}

// WithRequest returns ctx carrying r, for the log lines made with it.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestOf returns the request ctx carries, or nil.
func RequestOf(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// RequestID is the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if r := RequestOf(ctx); r != nil {
		return r.ID
	}
	return ""
}

// SetUserID records who made the request ctx belongs to.
func SetUserID(ctx context.Context, id string) {
	if r := RequestOf(ctx); r != nil {
		r.UserID = id
	}
}
