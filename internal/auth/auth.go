package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"ihub/internal/apperr"
	"ihub/internal/audit"
)

// LoginFailures counts recent failed sign-ins.
type LoginFailures struct {
	// Account counts failures for one account from any address,
	// AccountFromIP those from one address, IP those from one address for
	// any account.
	Account, AccountFromIP, IP int
}

// User is a person who can sign in to the console.
type User struct {
	ID           string
	Email        string
	Name         string
	Role         Role
	Disabled     bool
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLoginAt  *time.Time
}

// Token is an API token. The plaintext is shown once at creation; only its
// SHA-256 is stored.
type Token struct {
	ID         string
	UserID     string
	Name       string
	Prefix     string
	Hash       string
	Scopes     []Permission
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Session is a console sign-in. Only the SHA-256 of the cookie is stored.
type Session struct {
	TokenHash  string
	UserID     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
	IP         string
	UserAgent  string
}

// Store is the persistence auth needs. Every write takes the audit entry
// that records it, committed in the same transaction. Lookups return an
// apperr NotFound error when nothing matches.
type Store interface {
	CreateUser(ctx context.Context, u User, e audit.Entry) error
	GetUser(ctx context.Context, id string) (User, error)
	GetUserByEmail(ctx context.Context, email string) (User, error)
	ListUsers(ctx context.Context, afterID string, limit int) ([]User, error)
	UpdateUser(ctx context.Context, u User, e audit.Entry) error
	DeleteUser(ctx context.Context, id string, e audit.Entry) error
	SetUserLastLogin(ctx context.Context, id string, at time.Time) error

	CreateSession(ctx context.Context, s Session, e audit.Entry) error
	GetSession(ctx context.Context, tokenHash string) (Session, error)
	TouchSession(ctx context.Context, tokenHash string, seen, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash string, e audit.Entry) error

	CreateToken(ctx context.Context, t Token, e audit.Entry) error
	GetToken(ctx context.Context, id string) (Token, error)
	GetTokenByHash(ctx context.Context, hash string) (Token, error)
	ListTokens(ctx context.Context, userID, afterID string, limit int) ([]Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time, e audit.Entry) error
	TouchToken(ctx context.Context, id string, at time.Time) error

	RecordActivity(ctx context.Context, e audit.Entry) error
	CountLoginFailures(ctx context.Context, email, ip string, since time.Time) (LoginFailures, error)
}

// Options tunes the service. Zero values take the documented defaults.
type Options struct {
	// Argon2 parameters for new password hashes (default DefaultArgon2).
	// Existing hashes keep the parameters they were made with.
	Argon2 *argon2id.Params
	// SessionTTL is how long an idle session lives (default 12h).
	SessionTTL time.Duration
	// TokenCacheTTL bounds how long a token lookup is reused before the
	// database is asked again (default 5s). Revocation on this replica takes
	// effect at once; on others within this bound.
	TokenCacheTTL time.Duration
	// Login throttling within FailureWindow (default 15 minutes): at most
	// MaxFailuresPerAccountAndIP failed sign-ins for one account from one
	// address (default 5), MaxFailuresPerAccount for one account from
	// anywhere (default 50, so that one address cannot lock the real user
	// out, but a distributed guess is still stopped), and MaxFailuresPerIP
	// from one address for any accounts (default 20).
	MaxFailuresPerAccountAndIP int
	MaxFailuresPerAccount      int
	MaxFailuresPerIP           int
	FailureWindow              time.Duration
	Now                        func() time.Time
	Logger                     *slog.Logger
}

// Service implements sign-in, sessions, tokens and user management.
type Service struct {
	st   Store
	opts Options
	now  func() time.Time

	mu         sync.Mutex
	tokenCache map[string]cachedToken
	// cacheGen counts forget calls: a lookup that began before one must not
	// put what it read (perhaps a token revoked since) back in the cache.
	cacheGen uint64

	dummyOnce sync.Once
	dummyHash string

	// loginLocks serialize sign-ins per account and per client address.
	loginLocks keyLock
}

// DefaultArgon2 is OWASP's recommended argon2id configuration (19 MiB,
// 2 passes, 1 lane): strong against offline guessing while keeping a
// sign-in's memory small enough that concurrent logins cannot exhaust a
// small server.
var DefaultArgon2 = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

type cachedToken struct {
	p       Principal
	fetched time.Time
	// lastTouch is when last_used_at was last written for this token.
	lastTouch time.Time
	expires   *time.Time
}

// NewService returns a Service over st.
func NewService(st Store, o Options) *Service {
	if o.Argon2 == nil {
		p := DefaultArgon2
		o.Argon2 = &p
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.TokenCacheTTL <= 0 {
		o.TokenCacheTTL = 5 * time.Second
	}
	if o.MaxFailuresPerAccountAndIP <= 0 {
		o.MaxFailuresPerAccountAndIP = 5
	}
	if o.MaxFailuresPerAccount <= 0 {
		o.MaxFailuresPerAccount = 50
	}
	if o.MaxFailuresPerIP <= 0 {
		o.MaxFailuresPerIP = 20
	}
	if o.FailureWindow <= 0 {
		o.FailureWindow = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	// Times are stored in milliseconds, UTC: answer with the same precision.
	now := func() time.Time { return o.Now().UTC().Truncate(time.Millisecond) }
	return &Service{st: st, opts: o, now: now, tokenCache: map[string]cachedToken{}}
}

// dummy returns a hash to compare against when the account does not exist,
// so that a login for an unknown email costs the same time as a wrong
// password. Made on first use, not at start-up.
func (s *Service) dummy() string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = argon2id.CreateHash("ihub-dummy-password", s.opts.Argon2)
	})
	return s.dummyHash
}

// TokenPrefix starts every API token, so that a leaked one is recognisable
// (and secret scanners can match it).
const TokenPrefix = "ihub_pat_"

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewID returns a random, URL-safe identifier with the given prefix.
func NewID(prefix string) string { return prefix + randomString(12) }

// NormalizeEmail lowercases and validates an email address.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return "", apperr.InvalidFields("invalid email", apperr.FieldError{Field: "body.email", Message: "must be an email address"})
	}
	return email, nil
}

func checkPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < 10 || len(pw) > 1024 {
		return apperr.InvalidFields("invalid password", apperr.FieldError{Field: field, Message: "must be at least 10 characters and at most 1024 bytes"})
	}
	return nil
}

// HashPassword returns an argon2id PHC string for pw.
func (s *Service) HashPassword(pw string) (string, error) {
	return argon2id.CreateHash(pw, s.opts.Argon2)
}

// Login checks email and password and opens a session. It returns the
// session cookie value. Failed attempts are recorded and throttled per
// account and per client address; throttled attempts get TooManyRequests
// without the password being checked.
func (s *Service) Login(ctx context.Context, email, password string, from audit.Actor) (string, User, time.Time, error) {
	norm := strings.ToLower(strings.TrimSpace(email))
	// Always in the same order (account, then address), so two sign-ins
	// cannot wait on each other. Across replicas guesses run in parallel
	// at most once per replica.
	defer s.loginLocks.lock("email:" + norm)()
	defer s.loginLocks.lock("ip:" + from.IP)()
	now := s.now()
	n, err := s.st.CountLoginFailures(ctx, norm, from.IP, now.Add(-s.opts.FailureWindow))
	if err != nil {
		return "", User{}, time.Time{}, err
	}
	if n.AccountFromIP >= s.opts.MaxFailuresPerAccountAndIP || n.Account >= s.opts.MaxFailuresPerAccount ||
		(from.IP != "" && n.IP >= s.opts.MaxFailuresPerIP) {
		return "", User{}, time.Time{}, &apperr.Error{Kind: apperr.TooManyRequests,
			Message: "too many failed sign-in attempts; try again later", RetryAfter: s.opts.FailureWindow}
	}
	u, err := s.st.GetUserByEmail(ctx, norm)
	found := err == nil
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return "", User{}, time.Time{}, err
	}
	var hash string
	if found {
		hash = u.PasswordHash
	} else {
		hash = s.dummy()
	}
	ok, herr := argon2id.ComparePasswordAndHash(password, hash)
	if herr != nil || !ok || !found || u.Disabled {
		reason := "wrong email or password"
		if found && ok && u.Disabled {
			reason = "account disabled"
		}
		fail := audit.Entry{At: now, Actor: anonymous(from), Action: audit.LoginFailed, TargetType: "user",
			TargetID: u.ID, TargetName: norm, Details: map[string]any{"reason": reason}}
		if err := s.st.RecordActivity(ctx, fail); err != nil {
			return "", User{}, time.Time{}, err
		}
		return "", User{}, time.Time{}, apperr.E(apperr.Unauthenticated, "wrong email or password")
	}
	token := randomString(32)
	sess := Session{TokenHash: hashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.opts.SessionTTL),
		LastSeenAt: now, IP: from.IP, UserAgent: truncate(from.UserAgent, 512)}
	actor := from
	actor.Type, actor.ID, actor.Name = audit.ActorUser, u.ID, u.Email
	entry := audit.Entry{At: now, Actor: actor, Action: audit.LoginSucceeded, TargetType: "user", TargetID: u.ID, TargetName: u.Email, Success: true}
	if err := s.st.CreateSession(ctx, sess, entry); err != nil {
		return "", User{}, time.Time{}, err
	}
	if err := s.st.SetUserLastLogin(ctx, u.ID, now); err != nil {
		return "", User{}, time.Time{}, err
	}
	u.LastLoginAt = &now
	return token, u, sess.ExpiresAt, nil
}

func anonymous(from audit.Actor) audit.Actor {
	from.Type = audit.ActorAnon
	return from
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Logout ends the session with the given cookie value. Unknown sessions are
// not an error.
func (s *Service) Logout(ctx context.Context, cookie string, p Principal, from audit.Actor) error {
	from.Type, from.ID, from.Name = audit.ActorUser, p.UserID, p.Email
	e := audit.Entry{At: s.now(), Actor: from, Action: audit.Logout, TargetType: "user", TargetID: p.UserID, TargetName: p.Email, Success: true}
	return s.st.DeleteSession(ctx, hashToken(cookie), e)
}

// SessionPrincipal resolves a session cookie. Expired sessions, disabled
// users and unknown cookies are Unauthenticated. Sessions slide: each use
// (at most once a minute) extends the idle deadline.
func (s *Service) SessionPrincipal(ctx context.Context, cookie string) (Principal, error) {
	h := hashToken(cookie)
	sess, err := s.st.GetSession(ctx, h)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Principal{}, apperr.E(apperr.Unauthenticated, "session expired or unknown")
		}
		return Principal{}, err
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		return Principal{}, apperr.E(apperr.Unauthenticated, "session expired or unknown")
	}
	u, err := s.st.GetUser(ctx, sess.UserID)
	if err != nil {
		return Principal{}, unauthenticatedIfMissing(err)
	}
	if u.Disabled {
		return Principal{}, apperr.E(apperr.Unauthenticated, "account disabled")
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.st.TouchSession(ctx, h, now, now.Add(s.opts.SessionTTL)); err != nil {
			return Principal{}, err
		}
	}
	return Principal{Kind: ViaSession, UserID: u.ID, Email: u.Email, Role: u.Role, perms: effective(u.Role, nil)}, nil
}

func unauthenticatedIfMissing(err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return apperr.E(apperr.Unauthenticated, "invalid credentials")
	}
	return err
}

// TokenPrincipal resolves a bearer token. Lookups are cached briefly (see
// Options.TokenCacheTTL); last-used time is written at most once a minute.
func (s *Service) TokenPrincipal(ctx context.Context, bearer string) (Principal, error) {
	invalid := apperr.E(apperr.Unauthenticated, "invalid or expired API token")
	if !strings.HasPrefix(bearer, TokenPrefix) || len(bearer) > 128 {
		return Principal{}, invalid
	}
	h := hashToken(bearer)
	now := s.now()
	s.mu.Lock()
	c, ok := s.tokenCache[h]
	s.mu.Unlock()
	if ok && now.Sub(c.fetched) < s.opts.TokenCacheTTL {
		if c.expires != nil && !now.Before(*c.expires) {
			return Principal{}, invalid
		}
		if now.Sub(c.lastTouch) > time.Minute {
			s.touch(ctx, h, c.p.TokenID, now)
		}
		return c.p, nil
	}
	s.mu.Lock()
	gen := s.cacheGen
	s.mu.Unlock()
	t, err := s.st.GetTokenByHash(ctx, h)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Principal{}, invalid
		}
		return Principal{}, err
	}
	// The hash was the lookup key; compare again in constant time anyway.
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(h)) != 1 || t.RevokedAt != nil ||
		(t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) {
		return Principal{}, invalid
	}
	u, err := s.st.GetUser(ctx, t.UserID)
	if err != nil {
		return Principal{}, unauthenticatedIfMissing(err)
	}
	if u.Disabled {
		return Principal{}, invalid
	}
	p := Principal{Kind: ViaToken, UserID: u.ID, Email: u.Email, Role: u.Role, TokenID: t.ID, TokenName: t.Name,
		perms: effective(u.Role, t.Scopes)}
	lastTouch := time.Time{}
	if t.LastUsedAt != nil {
		lastTouch = *t.LastUsedAt
	}
	s.mu.Lock()
	if len(s.tokenCache) > 10000 {
		clear(s.tokenCache)
	}
	if gen == s.cacheGen {
		s.tokenCache[h] = cachedToken{p: p, fetched: now, lastTouch: lastTouch, expires: t.ExpiresAt}
	}
	s.mu.Unlock()
	if now.Sub(lastTouch) > time.Minute {
		s.touch(ctx, h, t.ID, now)
	}
	return p, nil
}

func (s *Service) touch(ctx context.Context, hash, id string, now time.Time) {
	s.mu.Lock()
	if c, ok := s.tokenCache[hash]; ok {
		c.lastTouch = now
		s.tokenCache[hash] = c
	}
	s.mu.Unlock()
	if err := s.st.TouchToken(ctx, id, now); err != nil {
		s.opts.Logger.WarnContext(ctx, "could not record token use", "token_id", id, "error", err)
	}
}

// forget drops every cached token lookup, after a change that may affect
// them (a revocation, a role change, a disabled user).
func (s *Service) forget() {
	s.mu.Lock()
	clear(s.tokenCache)
	s.cacheGen++
	s.mu.Unlock()
}
