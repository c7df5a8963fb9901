// Package natspub publishes events to NATS JetStream subjects for the
// subscriptions whose target is NATS. Connections are made once per server
// URL through a dialer the caller hands in (the SSRF guard), and kept.
//
// A publish waits for the stream's acknowledgement, so an event counts as
// delivered only once JetStream has stored it. The event id is sent as
// Nats-Msg-Id: a publish repeated after a crash, inside the stream's
// duplicate window, is stored once.
package natspub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

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

func (p *Publisher) get(ctx context.Context, server string, private bool) (*conn, error) {
	key := fmt.Sprintf("%t|%s", private, server)
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
	nc, err := nats.Connect(server, nats.Name("ihub"), nats.Timeout(5*time.Second),
		nats.SetCustomDialer(dialer{ctx: context.WithoutCancel(ctx), private: private, dial: p.dial}),
		nats.MaxReconnects(-1), nats.ReconnectWait(time.Second), nats.NoCallbacksAfterClientClose(),
		nats.IgnoreDiscoveredServers())
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", server, err)
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
func (p *Publisher) Publish(ctx context.Context, server string, private bool, subject, msgID string, header map[string][]string, body []byte) error {
	c, err := p.get(ctx, server, private)
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
	return fmt.Errorf("publishing to %s: %w", subject, err)
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
