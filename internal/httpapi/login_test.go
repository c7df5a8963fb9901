package httpapi_test

import (
	"context"
	"strconv"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/store/storetest"
)

// TestLoginThrottlingOverHTTP: after five failures the account answers 429
// problem+json with Retry-After, even for the right password, and the
// session cookie is a browser-session cookie (the server ends idle ones).
func TestLoginThrottlingOverHTTP(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if _, err := env.App.Auth.CreateUser(context.Background(), auth.NewUser{Email: "t@example.com", Role: auth.RoleSupportAgent,
		Password: "the right password"}, audit.System); err != nil {
		t.Fatal(err)
	}
	r := env.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "t@example.com", "password": "the right password"})
	c, ok := sessionCookie(r)
	if r.Status != 200 || !ok || c.MaxAge != 0 || !c.Expires.IsZero() {
		t.Fatalf("login = %d, cookie %+v; want 200 and a cookie without Max-Age/Expires", r.Status, c)
	}
	for i := range 5 {
		r = env.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "t@example.com", "password": "wrong " + strconv.Itoa(i)})
		if r.Status != 401 {
			t.Fatalf("wrong password %d = %d, want 401", i, r.Status)
		}
	}
	r = env.Do("POST", "/api/v1/auth/login", "", map[string]string{"email": "t@example.com", "password": "the right password"})
	p, isProblem := readProblem(t, r)
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != 429 || !isProblem || p.Type != "urn:ihub:problem:too_many_requests" || err != nil || secs <= 0 {
		t.Errorf("throttled login = %d %s, Retry-After %q; want 429 problem+json with Retry-After", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
}
