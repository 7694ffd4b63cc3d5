package account

import "context"

// Permission is what an API key may do.
type Permission string

// The permissions an API key can hold.
const (
	// PermissionRead allows searches and reads only.
	PermissionRead Permission = "read"
	// PermissionReadWrite allows reads and writes.
	PermissionReadWrite Permission = "read_write"
)

// Valid reports whether p is one of the known permissions.
func (p Permission) Valid() bool { return p == PermissionRead || p == PermissionReadWrite }

// CanWrite reports whether p allows changing data.
func (p Permission) CanWrite() bool { return p == PermissionReadWrite }

// Principal is who an authenticated request acts for: always exactly one account. Every query a
// request makes is scoped to Principal.AccountID, which is how one account can never see another's
// rows.
type Principal struct {
	AccountID   int64
	AccountName string
	// KeyID is the API key used, or 0 for a dashboard session.
	KeyID int64
	// UserID is the logged-in user, or 0 for an API key.
	UserID     int64
	Permission Permission
}

type principalKey struct{}

// WithPrincipal returns a context that carries p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of an authenticated request.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
