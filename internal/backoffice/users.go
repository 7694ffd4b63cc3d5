package backoffice

import (
	"context"
	"fmt"

	"github.com/storesync/storesync/internal/database"
)

// User is a user of the account as the back office sees one: a rep a job may name by email.
type User struct {
	Email string
	Name  string
}

// ListUsersParams lists the users of an account, a page at a time, by email.
type ListUsersParams struct {
	AccountID int64
	Page      int
}

// ListUsers returns a page of the account's users: the emails a job's reps must be.
func (s *Service) ListUsers(ctx context.Context, p ListUsersParams) (Page[User], error) {
	page, offset := pageOffset(p.Page)
	var f filter
	f.add("account_id = ?", p.AccountID)
	out, err := collectPage(ctx, s.db, Page[User]{Page: page}, "SELECT count(*) FROM users"+f.where(),
		"SELECT email, name FROM users"+f.where()+" ORDER BY email", f, offset, func(r database.Row) (User, error) {
			var u User
			return u, r.Scan(&u.Email, &u.Name)
		})
	if err != nil {
		return out, fmt.Errorf("users: %w", err)
	}
	return out, nil
}
