package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"ihub/internal/apperr"
	"ihub/internal/auth"
)

// UserBody is a user as the API shows it. No password hash, ever.
type UserBody struct {
	ID          string     `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        auth.Role  `json:"role" enum:"super_admin,system_admin,it_manager,operations_manager,support_agent"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	LastLoginAt *time.Time `json:"lastLoginAt,omitempty"`
}

func userBody(u auth.User) UserBody {
	return UserBody{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt,
		UpdatedAt: u.UpdatedAt, LastLoginAt: u.LastLoginAt}
}

type loginInput struct {
	Body struct {
		Email    string `json:"email" maxLength:"254" doc:"The account's email address."`
		Password string `json:"password" maxLength:"1024"`
	}
}

type loginOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		User      UserBody  `json:"user"`
		ExpiresAt time.Time `json:"expiresAt" doc:"When the session ends if unused."`
	}
}

func (s *Server) sessionCookie(value string, maxAge int) http.Cookie {
	return http.Cookie{Name: SessionCookie, Value: value, Path: "/", HttpOnly: true, Secure: s.d.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge}
}

func (s *Server) login(ctx context.Context, in *loginInput) (*loginOutput, error) {
	tok, u, exp, err := s.d.Auth.Login(ctx, in.Body.Email, in.Body.Password, actor(ctx))
	if err != nil {
		return nil, err
	}
	// No Max-Age: the cookie lasts the browser session, and the server
	// ends the session after SessionTTL idle (each use extends it).
	out := &loginOutput{SetCookie: s.sessionCookie(tok, 0)}
	out.Body.User, out.Body.ExpiresAt = userBody(u), exp
	return out, nil
}

type logoutInput struct {
	Session string `cookie:"ihub_session"`
}

type logoutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

func (s *Server) logout(ctx context.Context, in *logoutInput) (*logoutOutput, error) {
	p := principal(ctx)
	if p.Kind != auth.ViaSession {
		return nil, apperr.E(apperr.Conflict, "logout ends a console session; revoke an API token with DELETE /api/v1/tokens/{id}")
	}
	if err := s.d.Auth.Logout(ctx, in.Session, p, actor(ctx)); err != nil {
		return nil, err
	}
	return &logoutOutput{SetCookie: s.sessionCookie("", -1)}, nil
}

type meOutput struct {
	Body struct {
		User        UserBody          `json:"user"`
		Via         string            `json:"via" enum:"session,token"`
		TokenID     string            `json:"tokenId,omitempty"`
		TokenName   string            `json:"tokenName,omitempty"`
		Permissions []auth.Permission `json:"permissions"`
	}
}

func (s *Server) me(ctx context.Context, _ *struct{}) (*meOutput, error) {
	p := principal(ctx)
	u, err := s.d.Auth.GetUser(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	out := &meOutput{}
	out.Body.User, out.Body.Via, out.Body.TokenID, out.Body.TokenName = userBody(u), string(p.Kind), p.TokenID, p.TokenName
	out.Body.Permissions = p.Permissions()
	if out.Body.Permissions == nil {
		out.Body.Permissions = []auth.Permission{}
	}
	return out, nil
}

// TokenBody is an API token's metadata.
type TokenBody struct {
	ID         string            `json:"id"`
	UserID     string            `json:"userId"`
	Name       string            `json:"name"`
	Prefix     string            `json:"prefix" doc:"The first characters of the token, to recognise it."`
	Scopes     []auth.Permission `json:"scopes" doc:"Empty: all of the owner's permissions."`
	CreatedAt  time.Time         `json:"createdAt"`
	ExpiresAt  *time.Time        `json:"expiresAt,omitempty"`
	LastUsedAt *time.Time        `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time        `json:"revokedAt,omitempty"`
}

func tokenBody(t auth.Token) TokenBody {
	sc := t.Scopes
	if sc == nil {
		sc = []auth.Permission{}
	}
	return TokenBody{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, Scopes: sc, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

type createTokenInput struct {
	Body struct {
		Name      string            `json:"name" minLength:"1" maxLength:"100"`
		Scopes    []auth.Permission `json:"scopes,omitempty" minItems:"1" maxItems:"20" doc:"Permissions the token holds; they cannot exceed the owner's. Omit for all of the owner's (an empty list is refused: it would read as none)."`
		ExpiresAt *time.Time        `json:"expiresAt,omitempty" doc:"Optional expiry (RFC 3339)."`
		UserID    string            `json:"userId,omitempty" doc:"Create the token for another user (needs users:manage)."`
	}
}

type createTokenOutput struct {
	Body struct {
		TokenBody
		Token string `json:"token" doc:"The token. Shown only in this answer."`
	}
}

func (s *Server) createToken(ctx context.Context, in *createTokenInput) (*createTokenOutput, error) {
	plain, t, err := s.d.Auth.CreateToken(ctx, principal(ctx), auth.NewToken{UserID: in.Body.UserID, Name: in.Body.Name,
		Scopes: in.Body.Scopes, ExpiresAt: in.Body.ExpiresAt}, actor(ctx))
	if err != nil {
		return nil, err
	}
	out := &createTokenOutput{}
	out.Body.TokenBody, out.Body.Token = tokenBody(t), plain
	return out, nil
}

// page turns the limit+1 items a list query fetched into at most limit
// bodies and, when there were more, the cursor of the last one returned.
func page[T, B any](items []T, limit int, body func(T) B, cursor func(T) string) ([]B, string) {
	out := make([]B, 0, min(len(items), limit))
	for _, it := range items[:min(len(items), limit)] {
		out = append(out, body(it))
	}
	if len(items) > limit && limit > 0 {
		return out, cursor(items[limit-1])
	}
	return out, ""
}

// PageInput is the cursor and page size of a list. It is exported because
// huma only sees the parameters of an embedded struct whose type is
// exported; embedded as an unexported type, they are silently ignored.
type PageInput struct {
	Cursor string `query:"cursor" maxLength:"200" doc:"nextCursor from the previous page."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

type listTokensInput struct {
	PageInput
	All bool `query:"all" doc:"List every user's tokens (needs users:manage)."`
}

type listTokensOutput struct {
	Body struct {
		Items      []TokenBody `json:"items"`
		NextCursor string      `json:"nextCursor,omitempty"`
	}
}

// idCursor checks that a cursor is what the list gave out: the id of the
// last item of a page, which auth.NewID makes of prefix and URL-safe
// base64. Anything else would be compared with the ids as text and answer
// a page from some arbitrary place (or none), as if it were right.
func idCursor(cursor, prefix string) error {
	rest, ok := strings.CutPrefix(cursor, prefix)
	if cursor == "" || (ok && rest != "" && !strings.ContainsFunc(rest, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_'
	})) {
		return nil
	}
	return apperr.InvalidFields("bad cursor", apperr.FieldError{Field: "query.cursor", Message: "is not a cursor this API gave out"})
}

func (s *Server) listTokens(ctx context.Context, in *listTokensInput) (*listTokensOutput, error) {
	if err := idCursor(in.Cursor, "tok_"); err != nil {
		return nil, err
	}
	ts, err := s.d.Auth.ListTokens(ctx, principal(ctx), in.All, in.Cursor, in.Limit+1)
	if err != nil {
		return nil, err
	}
	out := &listTokensOutput{}
	out.Body.Items, out.Body.NextCursor = page(ts, in.Limit, tokenBody, func(t auth.Token) string { return t.ID })
	return out, nil
}

type idInput struct {
	ID string `path:"id" maxLength:"100"`
}

func (s *Server) revokeToken(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.d.Auth.RevokeToken(ctx, principal(ctx), in.ID, actor(ctx))
}

type usersOutput struct {
	Body struct {
		Items      []UserBody `json:"items"`
		NextCursor string     `json:"nextCursor,omitempty"`
	}
}

func (s *Server) listUsers(ctx context.Context, in *PageInput) (*usersOutput, error) {
	if err := idCursor(in.Cursor, "usr_"); err != nil {
		return nil, err
	}
	us, err := s.d.Auth.ListUsers(ctx, in.Cursor, in.Limit+1)
	if err != nil {
		return nil, err
	}
	out := &usersOutput{}
	out.Body.Items, out.Body.NextCursor = page(us, in.Limit, userBody, func(u auth.User) string { return u.ID })
	return out, nil
}

type createUserInput struct {
	Body struct {
		Email    string    `json:"email" maxLength:"254"`
		Name     string    `json:"name,omitempty" maxLength:"200"`
		Role     auth.Role `json:"role" enum:"super_admin,system_admin,it_manager,operations_manager,support_agent"`
		Password string    `json:"password" minLength:"10" maxLength:"1024"`
	}
}

type userOutput struct {
	Body UserBody
}

func (s *Server) createUser(ctx context.Context, in *createUserInput) (*userOutput, error) {
	u, err := s.d.Auth.CreateUserAs(ctx, principal(ctx), auth.NewUser{Email: in.Body.Email, Name: in.Body.Name, Role: in.Body.Role, Password: in.Body.Password}, actor(ctx))
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: userBody(u)}, nil
}

func (s *Server) getUser(ctx context.Context, in *idInput) (*userOutput, error) {
	u, err := s.d.Auth.GetUser(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: userBody(u)}, nil
}

type updateUserInput struct {
	ID   string `path:"id" maxLength:"100"`
	Body struct {
		Name     *string    `json:"name,omitempty" maxLength:"200"`
		Role     *auth.Role `json:"role,omitempty" enum:"super_admin,system_admin,it_manager,operations_manager,support_agent"`
		Disabled *bool      `json:"disabled,omitempty" doc:"Disabling ends the user's sessions; their tokens stop working."`
		Password *string    `json:"password,omitempty" minLength:"10" maxLength:"1024"`
	}
}

func (s *Server) updateUser(ctx context.Context, in *updateUserInput) (*userOutput, error) {
	u, err := s.d.Auth.UpdateUser(ctx, principal(ctx), in.ID, auth.UserPatch{Name: in.Body.Name, Role: in.Body.Role,
		Disabled: in.Body.Disabled, Password: in.Body.Password}, actor(ctx))
	if err != nil {
		return nil, err
	}
	return &userOutput{Body: userBody(u)}, nil
}

func (s *Server) deleteUser(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.d.Auth.DeleteUser(ctx, principal(ctx), in.ID, actor(ctx))
}
