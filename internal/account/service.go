package account

import (
	"context"
	"errors"
)

// Service is the accounts' use cases as the web layer calls them: bound
// once, in the wiring, to the database and the hashing costs, so that no
// handler holds a database handle.
type Service struct {
	DB     TxDB
	Params Params  // argon2id costs of new password hashes
	Hasher *Hasher // the process's bound on hashes in flight; nil: none
	// Mails, when set (SMTP_URL), makes sign-up wait for the address to
	// be confirmed (Register); nil: SignUp creates the account at once.
	Mails MailQueue
}

// SignUp creates a user with email and password.
func (s *Service) SignUp(ctx context.Context, email, password string) (User, error) {
	return createUser(ctx, s.DB, s.Hasher, email, password, s.Params)
}

// Confirms says whether sign-up waits for a mailed link (Register) rather
// than creating the account at once (SignUp).
func (s *Service) Confirms() bool { return s.Mails != nil }

// Register is sign-up by mail: a link that creates the account goes to a
// new address, a notice to an address that has one. Its answer and its
// timing are the same either way.
func (s *Service) Register(ctx context.Context, email, password string) error {
	if s.Mails == nil {
		return errors.New("register: no mail queue")
	}
	return register(ctx, s.DB, s.Hasher, s.Mails, email, password, s.Params)
}

// ConfirmSignup uses a mailed link (its secret, token) once, with the
// password chosen at sign-up, and returns the account it created.
func (s *Service) ConfirmSignup(ctx context.Context, token, password string) (User, error) {
	return confirmSignup(ctx, s.DB, s.Hasher, token, password)
}

// SignIn returns the user whose email and password these are.
func (s *Service) SignIn(ctx context.Context, email, password string) (User, error) {
	return checkUser(ctx, s.DB, s.Hasher, email, password)
}

// VerifyPassword checks password against a stored hash, such as a
// share's, inside the same budget as the accounts' own hashes.
func (s *Service) VerifyPassword(ctx context.Context, hash, password string) (bool, error) {
	return s.Hasher.Verify(ctx, hash, password)
}

// ByID returns the user with id, as a browser session names it.
func (s *Service) ByID(ctx context.Context, id string) (User, error) {
	return UserByID(ctx, s.DB, id)
}

// ByToken returns the user an API token belongs to, and the token, whose
// scopes bound what the request may do.
func (s *Service) ByToken(ctx context.Context, plaintext string) (User, Token, error) {
	return AuthenticateToken(ctx, s.DB, plaintext)
}

// ChangePassword sets u's password to next once current proves it is u.
func (s *Service) ChangePassword(ctx context.Context, u User, current, next string) error {
	return changePassword(ctx, s.DB, s.Hasher, u, current, next, s.Params)
}

// CreateToken makes an API token for userID with the scopes and lifetime
// of o; the plaintext is returned this once.
func (s *Service) CreateToken(ctx context.Context, userID, name string, o TokenOptions) (Token, string, error) {
	return CreateTokenWith(ctx, s.DB, userID, name, o)
}

// Tokens lists userID's API tokens.
func (s *Service) Tokens(ctx context.Context, userID string) ([]Token, error) {
	return ListTokens(ctx, s.DB, userID)
}

// RevokeToken deletes one of userID's tokens.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID string) error {
	return RevokeToken(ctx, s.DB, userID, tokenID)
}

// Users is one page of the admin's list of users: those whose email
// contains q, after cursor.
func (s *Service) Users(ctx context.Context, q, cursor string, limit int) (UserPage, error) {
	return ListUsers(ctx, s.DB, q, cursor, limit)
}

// Stats are the instance-wide figures.
func (s *Service) Stats(ctx context.Context) (Totals, error) { return Stats(ctx, s.DB) }

// RecordLogin notes a successful sign-in of id.
func (s *Service) RecordLogin(ctx context.Context, id string) error {
	return RecordLogin(ctx, s.DB, id)
}
