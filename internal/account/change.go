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

// ResetPassword sets the password of the user with email to next, with no
// old password to prove: the operator's way back for a lost one. An
// unknown email is ErrNotFound.
func ResetPassword(ctx context.Context, db DBTX, email, next string) (User, error) {
	return ResetPasswordWithParams(ctx, db, email, next, DefaultParams)
}

// ResetPasswordWithParams is ResetPassword with chosen hashing costs.
func ResetPasswordWithParams(ctx context.Context, db DBTX, email, next string, p Params) (User, error) {
	u, err := UserByEmail(ctx, db, email)
	if err != nil {
		return User{}, err
	}
	if err := checkPassword(next); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(next, p)
	if err != nil {
		return User{}, err
	}
	if _, err := db.Exec(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", hash, u.ID); err != nil {
		return User{}, fmt.Errorf("reset password of user %s: %w", u.ID, err)
	}
	return u, nil
}
