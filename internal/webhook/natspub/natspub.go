// Package natspub publishes events to NATS JetStream subjects for the
// subscriptions whose target is NATS. Connections are made once per server
// URL through a dialer the caller hands in (the SSRF guard), and kept.
//
// A publish waits for the stream's acknowledgement, so an event counts as
// delivered only once JetStream has stored it. The caller's message id is
// sent as Nats-Msg-Id: a publish repeated after a crash, inside the
// stream's duplicate window, is stored once.
package natspub

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"ihub/internal/secret"
)

// Auth is how ihub authenticates to a NATS server: a token, a user name
// and password, or the contents of a .creds file (a user JWT and its NKey
// seed, as `nsc` writes them). The zero value connects without.
type Auth struct {
	Token    string `json:"token,omitempty"`
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	Creds    string `json:"creds,omitempty"`
}

// Auth kinds.
const (
	AuthNone  = ""
	AuthToken = "token"
	AuthUser  = "user"
	AuthCreds = "creds"
)

// Kind says which way a authenticates.
func (a Auth) Kind() string {
	switch {
	case a.Creds != "":
		return AuthCreds
	case a.User != "":
		return AuthUser
	case a.Token != "":
		return AuthToken
	}
	return AuthNone
}

// Validate checks that a uses one way, completely; the error names the
// field.
func (a Auth) Validate() (field string, err error) {
	n := 0
	for _, set := range []bool{a.Token != "", a.User != "" || a.Password != "", a.Creds != ""} {
		if set {
			n++
		}
	}
	switch {
	case n > 1:
		return "", errors.New("give one of token, user and password, or creds")
	case a.Password != "" && a.User == "":
		return "user", errors.New("is required with a password")
	case a.User != "" && a.Password == "":
		return "password", errors.New("is required with a user")
	case a.Creds != "":
		if _, _, err := a.parseCreds(); err != nil {
			return "creds", err
		}
	}
	return "", nil
}

func (a Auth) parseCreds() (string, nkeys.KeyPair, error) {
	jwt, err := nkeys.ParseDecoratedJWT([]byte(a.Creds))
	if err != nil || jwt == "" || jwt == a.Creds {
		return "", nil, errors.New("must be the contents of a NATS .creds file (a user JWT and its NKey seed)")
	}
	kp, err := nkeys.ParseDecoratedNKey([]byte(a.Creds))
	if err != nil {
		return "", nil, errors.New("must be the contents of a NATS .creds file (a user JWT and its NKey seed)")
	}
	return jwt, kp, nil
}

func (a Auth) options() ([]nats.Option, error) {
	switch a.Kind() {
	case AuthToken:
		return []nats.Option{nats.Token(a.Token)}, nil
	case AuthUser:
		return []nats.Option{nats.UserInfo(a.User, a.Password)}, nil
	case AuthCreds:
		jwt, kp, err := a.parseCreds()
		if err != nil {
			return nil, err
		}
		return []nats.Option{nats.UserJWT(func() (string, error) { return jwt, nil }, kp.Sign)}, nil
	}
	return nil, nil
}

// key identifies a connection: server, network policy and credentials
// (hashed, so the pool's keys hold no secret).
func (a Auth) key(server string, private bool) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(a)
	return fmt.Sprintf("%t|%s|%x", private, server, h.Sum(nil))
}

// DialFunc dials a server address; private says whether loopback and
// private networks are allowed.
type DialFunc func(ctx context.Context, network, addr string, private bool) (net.Conn, error)

// Publisher holds one connection per server URL.
type Publisher struct {
	dial DialFunc
	mu   sync.Mutex
	pool map[string]*conn
}

type conn struct {
	once sync.Mutex // held while connecting
	nc   *nats.Conn
	js   jetstream.JetStream
}

// New returns a publisher dialling with dial.
func New(dial DialFunc) *Publisher {
	return &Publisher{dial: dial, pool: map[string]*conn{}}
}

// ValidateURL checks a NATS server URL: nats:// or tls://, a host, and no
// user name, password or token in it.
func ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Hostname() == "":
		return errors.New("must be a nats:// or tls:// server URL such as nats://127.0.0.1:4222")
	case u.User != nil:
		return errors.New("must not contain a user name, password or token")
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return errors.New("must be only scheme, host and port")
	}
	return nil
}

// ValidateSubject checks a subject one can publish to: dot-separated
// tokens, no wildcards, no white space.
func ValidateSubject(s string) error {
	if s == "" || len(s) > 255 {
		return errors.New("must be 1 to 255 characters")
	}
	for tok := range strings.SplitSeq(s, ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n\x00*>") {
			return errors.New("must be dot-separated tokens without wildcards or spaces, such as ihub.events")
		}
	}
	return nil
}

type dialer struct {
	ctx     context.Context
	private bool
	dial    DialFunc
}

func (d dialer) Dial(network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
	defer cancel()
	return d.dial(ctx, network, addr, d.private)
}

func (p *Publisher) get(ctx context.Context, server string, private bool, auth Auth) (*conn, error) {
	key := auth.key(server, private)
	p.mu.Lock()
	c := p.pool[key]
	if c == nil {
		c = &conn{}
		p.pool[key] = c
	}
	p.mu.Unlock()
	c.once.Lock()
	defer c.once.Unlock()
	if c.nc != nil && !c.nc.IsClosed() {
		return c, nil
	}
	opts, err := auth.options()
	if err != nil {
		return nil, err
	}
	opts = append(opts, nats.Name("ihub"), nats.Timeout(5*time.Second),
		nats.SetCustomDialer(dialer{ctx: context.WithoutCancel(ctx), private: private, dial: p.dial}),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second), nats.NoCallbacksAfterClientClose(),
		nats.IgnoreDiscoveredServers())
	nc, err := nats.Connect(server, opts...)
	if err != nil {
		if errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) || errors.Is(err, nats.ErrAuthRevoked) {
			if auth.Kind() == AuthNone {
				return nil, fmt.Errorf("%s requires authentication: give the subscription natsAuth", server)
			}
			return nil, fmt.Errorf("%s refused ihub's credentials (%s)", server, auth.Kind())
		}
		return nil, auth.redact(fmt.Errorf("connecting to %s: %w", server, err))
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("JetStream on %s: %w", server, err)
	}
	c.nc, c.js = nc, js
	return c, nil
}

// Publish stores body on subject with the given headers and waits for the
// stream's acknowledgement; msgID deduplicates repeats.
func (p *Publisher) Publish(ctx context.Context, server string, private bool, auth Auth, subject, msgID string,
	header map[string][]string, body []byte) error {
	c, err := p.get(ctx, server, private, auth)
	if err != nil {
		return err
	}
	m := nats.NewMsg(subject)
	m.Data = body
	for k, v := range header {
		m.Header[k] = v
	}
	_, err = c.js.PublishMsg(ctx, m, jetstream.WithMsgID(msgID))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		return fmt.Errorf("no JetStream stream stores subject %s on %s: create one that captures it", subject, server)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("JetStream did not acknowledge in time (%s)", server)
	}
	return auth.redact(fmt.Errorf("publishing to %s: %w", subject, err))
}

// redact takes a's secrets out of err's text. A server's error may quote
// the CONNECT line that carried them, JSON-encoded as nats.go wrote it;
// the error goes into an attempt's lastError, which readers of the
// subscription see.
func (a Auth) redact(err error) error {
	secrets := []string{a.Token, a.Password}
	if a.Creds != "" {
		if jwt, kp, perr := a.parseCreds(); perr == nil {
			seed, _ := kp.Seed()
			secrets = append(secrets, jwt, string(seed))
		}
	}
	forms := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		if s != "" {
			enc, _ := json.Marshal(s)
			forms = append(forms, s, string(enc[1:len(enc)-1]))
		}
	}
	msg := err.Error()
	out := secret.Redact(msg, forms...)
	if out == msg {
		return err
	}
	return errors.New(out)
}

// Close closes every connection.
func (p *Publisher) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, c := range p.pool {
		c.once.Lock()
		if c.nc != nil {
			c.nc.Close()
		}
		c.once.Unlock()
		delete(p.pool, k)
	}
}
