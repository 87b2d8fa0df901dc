package account

import (
	"context"
	"fmt"
)

// ChangePassword replaces u's password with next once current proves it
// is u asking; a wrong current password is ErrWrongPassword.
func ChangePassword(ctx context.Context, db DBTX, u User, current, next string, p Params) error {
	return changePassword(ctx, db, nil, u, current, next, p)
}

// changePassword is ChangePassword with both hashes inside h's budget.
func changePassword(ctx context.Context, db DBTX, h *Hasher, u User, current, next string, p Params) error {
	if _, err := checkUser(ctx, db, h, u.Email, current); err != nil {
		return err
	}
	if err := checkPassword(next); err != nil {
		return err
	}
	hash, err := h.Hash(ctx, next, p)
	if err != nil {
		return err
	}
	if _, err := db.Exec(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", hash, u.ID); err != nil {
		return fmt.Errorf("change password of user %s: %w", u.ID, err)
	}
	return nil
}
