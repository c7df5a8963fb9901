package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// The TLS modes.
const (
	TLSStartTLS = "starttls" // plain connect, then STARTTLS (required)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption, no AUTH
)

// Config is one SMTP submission account.
type Config struct {
	Host string
	Port int
	// TLSMode is TLSStartTLS, TLSImplicit or TLSNone; empty means
	// TLSImplicit on port 465 and TLSStartTLS otherwise.
	TLSMode string
	// Username and Password are the SMTP AUTH credentials; an empty
	// Username means no AUTH (a relay).
	Username string
	Password secret.Value
	// HeloName is announced in EHLO; empty uses the machine's host name.
	HeloName string
	// From is the default sender.
	From string
}

// Client speaks SMTP to one server through go-mail. Each call opens its
// own connection (through Dial when set, the egress guard's dialer),
// honours ctx at every step, and closes the connection before returning.
// Errors are *provider.Error and never contain the password. It is safe
// for concurrent use.
type Client struct {
	cfg     Config
	dial    provider.DialFunc
	rootCAs *x509.CertPool

	// Timeout bounds each SMTP command (go-mail's connection timeout);
	// zero means 30 s. The caller's ctx bounds the whole call.
	Timeout time.Duration
}

// NewClient checks cfg and returns a client. dial is the guarded dialer
// (nil means a plain net.Dialer); rootCAs, when non-nil, replaces the system
// roots for verifying the server certificate (tests and demo fakes). A bad
// configuration is a *provider.Error of kind invalid.
func NewClient(cfg Config, dial provider.DialFunc, rootCAs *x509.CertPool) (*Client, error) {
	inv := func(msg string) error { return &provider.Error{Kind: provider.ErrInvalid, Message: msg} }
	cfg.Host = strings.TrimSpace(cfg.Host)
	switch {
	case cfg.Host == "":
		return nil, inv("the SMTP server is not set")
	case strings.Contains(cfg.Host, "://") || strings.ContainsAny(cfg.Host, " /\t\r\n@"):
		return nil, inv("the SMTP server must be a host name such as smtp.example.com, without scheme, port or path")
	case cfg.Port < 1 || cfg.Port > 65535:
		return nil, inv("the SMTP port must be between 1 and 65535")
	}
	if cfg.TLSMode == "" {
		cfg.TLSMode = TLSStartTLS
		if cfg.Port == 465 {
			cfg.TLSMode = TLSImplicit
		}
	}
	switch cfg.TLSMode {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return nil, inv("the TLS mode must be starttls, tls or none")
	}
	if strings.ContainsAny(cfg.Username, "\r\n\x00") || strings.ContainsAny(cfg.Password.Reveal(), "\r\n\x00") ||
		strings.ContainsAny(cfg.HeloName, " \t\r\n") {
		return nil, inv("the SMTP user name, password and EHLO name must be single lines")
	}
	switch {
	case cfg.Username == "" && !cfg.Password.IsZero() && cfg.Password.Reveal() != "":
		return nil, inv("an SMTP password is set without a user name")
	case cfg.Username != "" && (cfg.Password.IsZero() || cfg.Password.Reveal() == ""):
		return nil, inv("the SMTP password is not set (leave the user name empty for a relay without AUTH)")
	case cfg.Username != "" && cfg.TLSMode == TLSNone:
		return nil, inv("the password is never sent without TLS: choose starttls or tls, or leave the user name empty")
	}
	if cfg.From != "" {
		if _, err := mail.ParseAddress(cfg.From); err != nil {
			return nil, inv("the From address is not a valid email address")
		}
	}
	return &Client{cfg: cfg, dial: dial, rootCAs: rootCAs}, nil
}

// Addr is host:port.
func (c *Client) Addr() string { return net.JoinHostPort(c.cfg.Host, strconv.Itoa(c.cfg.Port)) }

// ProbeResult is what Probe learnt.
type ProbeResult struct {
	// TLSVersion is "TLS 1.3" etc., empty without TLS.
	TLSVersion string
	// AuthMechanisms are the mechanisms the server offered (after TLS).
	AuthMechanisms []string
	// Authenticated is true when AUTH succeeded.
	Authenticated bool
	// Extensions are the EHLO keywords seen, for example STARTTLS, SIZE.
	Extensions []string
}

// Probe connects, says EHLO, upgrades with STARTTLS (or starts with TLS),
// authenticates when a user is set, and says QUIT: it never issues MAIL,
// RCPT or DATA (providers.md A18).
func (c *Client) Probe(ctx context.Context) (*ProbeResult, error) {
	op, done := c.begin(ctx)
	defer done()
	mc, err := c.mailClient(op)
	if err != nil {
		return nil, err
	}
	sc, err := mc.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, c.mapErr(ctx, err)
	}
	res := &ProbeResult{Authenticated: c.cfg.Username != ""}
	if st, err := sc.GetTLSConnectionState(); err == nil && st.HandshakeComplete {
		res.TLSVersion = tls.VersionName(st.Version)
	}
	for _, ext := range []string{"STARTTLS", "AUTH", "SIZE", "8BITMIME", "PIPELINING", "SMTPUTF8", "ENHANCEDSTATUSCODES", "DSN", "CHUNKING"} {
		ok, params := sc.Extension(ext)
		if !ok {
			continue
		}
		res.Extensions = append(res.Extensions, ext)
		if ext == "AUTH" {
			res.AuthMechanisms = strings.Fields(params)
		}
	}
	if err := mc.CloseWithSMTPClient(sc); err != nil {
		return nil, c.mapErr(ctx, err)
	}
	return res, nil
}

// Message is one email to send.
type Message struct {
	// From defaults to the configured From address.
	From        string
	To, Cc, Bcc []string
	ReplyTo     string
	Subject     string
	Text, HTML  string
}

// Send sends msg in one SMTP session and returns its Message-ID.
func (c *Client) Send(ctx context.Context, msg *Message) (string, error) {
	m, err := c.build(msg)
	if err != nil {
		return "", err
	}
	op, done := c.begin(ctx)
	defer done()
	mc, err := c.mailClient(op)
	if err != nil {
		return "", err
	}
	if err := mc.DialAndSendWithContext(ctx, m); err != nil {
		return "", c.mapErr(ctx, err)
	}
	return strings.Trim(m.GetMessageID(), "<>"), nil
}

// build checks msg and turns it into a go-mail message. Problems with msg
// are input errors naming send_email's input field; a bad From address from
// the integration's settings is a configuration error.
func (c *Client) build(msg *Message) (*gomail.Msg, error) {
	from, fromInput := strings.TrimSpace(msg.From), true
	if from == "" {
		from, fromInput = c.cfg.From, false
	}
	if from == "" {
		// Either side can fix it (the From setting or the from input), so it
		// stays a configuration error (409).
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "no sender: set the integration's From address or the from input"}
	}
	if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		return nil, provider.InputError("to", "the email has no recipient")
	}
	if msg.Text == "" && msg.HTML == "" {
		return nil, provider.InputError("text", "the email needs a text or an html body")
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return nil, provider.InputError("subject", "must be a single line")
	}
	m := gomail.NewMsg()
	if err := m.From(from); err != nil {
		if fromInput {
			return nil, provider.InputError("from", "is not a valid email address")
		}
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the integration's From address is not a valid email address"}
	}
	for _, set := range []struct {
		f     func(...string) error
		list  []string
		field string
	}{{m.To, msg.To, "to"}, {m.Cc, msg.Cc, "cc"}, {m.Bcc, msg.Bcc, "bcc"}} {
		if len(set.list) == 0 {
			continue
		}
		// go-mail parses with net/mail and does not say which address failed.
		for i, addr := range set.list {
			if _, err := mail.ParseAddress(addr); err != nil {
				return nil, provider.InputError(set.field+"["+strconv.Itoa(i)+"]", "is not a valid email address")
			}
		}
		if err := set.f(set.list...); err != nil {
			return nil, provider.InputError(set.field, "is not a valid list of email addresses")
		}
	}
	if msg.ReplyTo != "" {
		if err := m.ReplyTo(msg.ReplyTo); err != nil {
			return nil, provider.InputError("replyTo", "is not a valid email address")
		}
	}
	m.Subject(msg.Subject)
	m.SetDate()
	m.SetMessageID()
	switch {
	case msg.Text != "" && msg.HTML != "":
		m.SetBodyString(gomail.TypeTextPlain, msg.Text)
		m.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	case msg.HTML != "":
		m.SetBodyString(gomail.TypeTextHTML, msg.HTML)
	default:
		m.SetBodyString(gomail.TypeTextPlain, msg.Text)
	}
	return m, nil
}

// begin starts one operation bound to ctx: every connection dialled for it
// is closed when ctx ends (so a server that stops answering cannot outlive
// the caller's deadline) and when the operation is done.
func (c *Client) begin(ctx context.Context) (*operation, func()) {
	op := &operation{ctx: ctx, c: c}
	return op, op.closeAll
}

type operation struct {
	ctx context.Context
	c   *Client

	mu    sync.Mutex
	conns []net.Conn
	stops []func() bool
}

// dialContext is go-mail's DialContextFunc: it dials through the egress
// dialer, and for implicit TLS performs the handshake itself (go-mail does
// not wrap a custom dialer's connection in TLS).
func (op *operation) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	dial := op.c.dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	op.track(conn)
	if op.c.cfg.TLSMode != TLSImplicit {
		return conn, nil
	}
	tc := tls.Client(conn, op.c.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

func (op *operation) track(conn net.Conn) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.conns = append(op.conns, conn)
	op.stops = append(op.stops, context.AfterFunc(op.ctx, func() { _ = conn.Close() })) // unblocks a hung read
}

func (op *operation) closeAll() {
	op.mu.Lock()
	defer op.mu.Unlock()
	for _, stop := range op.stops {
		stop()
	}
	for _, conn := range op.conns {
		_ = conn.Close() // usually closed already by QUIT
	}
	op.conns, op.stops = nil, nil
}

func (c *Client) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: c.cfg.Host, RootCAs: c.rootCAs, MinVersion: tls.VersionTLS12}
}

func (c *Client) mailClient(op *operation) (*gomail.Client, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{
		gomail.WithPort(c.cfg.Port),
		gomail.WithTimeout(timeout),
		gomail.WithDialContextFunc(op.dialContext),
		gomail.WithTLSConfig(c.tlsConfig()),
	}
	if c.cfg.HeloName != "" {
		opts = append(opts, gomail.WithHELO(c.cfg.HeloName))
	}
	switch c.cfg.TLSMode {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		// The TLS handshake happens in dialContext; go-mail must not try
		// STARTTLS on top of it.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if c.cfg.Username != "" {
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(c.cfg.Username),
			gomail.WithPassword(c.cfg.Password.Reveal()))
	}
	mc, err := gomail.NewClient(c.cfg.Host, opts...)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "smtp: " + c.redactText(err.Error())}
	}
	return mc, nil
}

// mapErr turns a go-mail, SMTP, TLS or network error into a
// *provider.Error: a done ctx is transport naming the context error; SMTP
// replies 535/534/530/538 (and 454 during AUTH) are auth; other SMTP
// replies are provider errors quoting the server; TLS and network failures
// are transport.
func (c *Client) mapErr(ctx context.Context, err error) error {
	host := c.Addr()
	if ctx.Err() != nil {
		return providerhttp.TransportError(ctx, host, err)
	}
	var tpe *textproto.Error
	if errors.As(err, &tpe) {
		e := &provider.Error{Kind: provider.ErrProvider, Code: strconv.Itoa(tpe.Code),
			Message: c.redactText("the server answered " + providerhttp.Clip(strconv.Itoa(tpe.Code)+" "+tpe.Msg, 300))}
		switch tpe.Code {
		case 535, 534, 530, 538:
			e.Kind = provider.ErrAuth
		case 421, 450, 451, 452:
			e.Message += " (temporary; try again later)"
		}
		if strings.Contains(err.Error(), "SMTP AUTH failed") && e.Kind != provider.ErrAuth {
			e.Kind = provider.ErrAuth
		}
		return e
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		e := &provider.Error{Kind: provider.ErrProvider, Message: c.redactText(providerhttp.Clip(se.Error(), 300))}
		if code := se.ErrorCode(); code > 0 {
			e.Code = strconv.Itoa(code)
			if code == 530 || code == 535 {
				e.Kind = provider.ErrAuth
			}
		}
		return e
	}
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &certErr):
		return &provider.Error{Kind: provider.ErrTransport, Message: "the TLS certificate of " + host + " is not valid: " + providerhttp.Clip(certErr.Err.Error(), 200), Err: err}
	case errors.As(err, &recErr):
		return &provider.Error{Kind: provider.ErrTransport, Message: "TLS handshake with " + host + " failed (is the TLS mode right for this port? 465 is tls, 587 is starttls)", Err: err}
	}
	var nerr net.Error
	var operr *net.OpError
	if errors.As(err, &operr) || errors.As(err, &nerr) || errors.Is(err, net.ErrClosed) {
		return providerhttp.TransportError(ctx, host, err)
	}
	text := c.redactText(err.Error())
	switch {
	case strings.Contains(text, "does not support STARTTLS"):
		return &provider.Error{Kind: provider.ErrProvider, Message: host + " does not offer STARTTLS; choose tls (port 465) or, only on a trusted network, none", Err: err}
	case strings.Contains(text, "does not support SMTP AUTH") || errors.Is(err, gomail.ErrNoSupportedAuthDiscovered) ||
		errors.Is(err, gomail.ErrPlainAuthNotSupported) || errors.Is(err, gomail.ErrLoginAuthNotSupported):
		return &provider.Error{Kind: provider.ErrProvider, Message: host + " offers no usable AUTH mechanism (PLAIN or LOGIN) on this connection", Err: err}
	}
	return &provider.Error{Kind: provider.ErrProvider, Message: "SMTP with " + host + " failed: " + providerhttp.Clip(text, 300), Err: err}
}

func (c *Client) redactText(s string) string {
	return providerhttp.Redact(s, c.cfg.Password.Reveal())
}
