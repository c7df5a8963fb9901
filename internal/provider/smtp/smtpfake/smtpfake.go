// Package smtpfake is an in-process SMTP submission server for tests and
// the demo mode, built on github.com/emersion/go-smtp. It speaks real SMTP
// (providers.md A18): a 220 greeting, EHLO extensions, STARTTLS (mode
// starttls) or TLS from the first byte (mode tls) with a self-signed
// certificate for 127.0.0.1 and localhost (trust it with RootCAs), AUTH
// PLAIN offered only after TLS and checked against one user (535 5.7.8 on
// a wrong password), 530 5.7.0 for MAIL before AUTH, 550 5.1.1 for
// recipients at reject.example, and it keeps the messages it accepts. A
// Hang server accepts TCP connections and never greets. It is
// self-contained and imports no testing packages.
package smtpfake

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultUser     = "alerts@example.com"
	DefaultPassword = "smtp-FaKe-PaSsWoRd-0123456789"
	// RejectDomain is the recipient domain the server refuses (550 5.1.1).
	RejectDomain = "reject.example"
)

// The modes.
const (
	ModeStartTLS = "starttls" // plain greeting, STARTTLS offered
	ModeTLS      = "tls"      // TLS from the first byte
	ModePlain    = "none"     // no TLS at all; AUTH not offered
)

// Message is one accepted email.
type Message struct {
	From    string
	To      []string
	Subject string
	// Data is the raw message as received after DATA.
	Data string
}

// Options configures a Server.
type Options struct {
	// Mode is ModeStartTLS (default), ModeTLS or ModePlain.
	Mode string
	// User and Password are the one account; empty means the defaults.
	User, Password string
	// NoAuth makes the server accept mail without AUTH (a relay) and not
	// offer AUTH.
	NoAuth bool
	// Hang makes the server accept connections and never answer.
	Hang bool
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	opts  Options
	ln    net.Listener
	srv   *smtp.Server
	roots *x509.CertPool
	leaf  *x509.Certificate

	mu       sync.Mutex
	messages []Message
	hung     []net.Conn
	closed   bool
	wg       sync.WaitGroup
}

// New starts a fake SMTP server on 127.0.0.1. Close it when done. It
// panics if it cannot listen or make its certificate (a broken test
// environment).
func New(opts Options) *Server {
	if opts.Mode == "" {
		opts.Mode = ModeStartTLS
	}
	if opts.User == "" {
		opts.User = DefaultUser
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	cert, roots := certificate()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("smtpfake: listen: " + err.Error())
	}
	s := &Server{opts: opts, ln: ln, roots: roots, leaf: cert.Leaf}
	if opts.Hang {
		s.wg.Add(1)
		go s.hang()
		return s
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv := smtp.NewServer(s)
	srv.Domain = "smtp.fake.test"
	srv.ErrorLog = discard{}
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.MaxRecipients = 100
	switch opts.Mode {
	case ModeStartTLS:
		srv.TLSConfig = tlsCfg
	case ModeTLS:
		srv.TLSConfig = tlsCfg
		s.ln = tls.NewListener(ln, tlsCfg)
	}
	s.srv = srv
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = srv.Serve(s.ln) // returns when closed
	}()
	return s
}

// Host is the server's address, 127.0.0.1.
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the server's TCP port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// RootCAs trusts the server's certificate.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Certificate is the server's self-signed certificate, to add to a pool
// trusting several fakes.
func (s *Server) Certificate() *x509.Certificate { return s.leaf }

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Close stops the server and closes every connection.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for _, c := range s.hung {
		_ = c.Close()
	}
	s.mu.Unlock()
	if s.srv != nil {
		_ = s.srv.Close() // closes the listener and connections
	} else {
		_ = s.ln.Close()
	}
	s.wg.Wait()
}

func (s *Server) hang() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			_ = c.Close()
		} else {
			s.hung = append(s.hung, c)
		}
		s.mu.Unlock()
	}
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{s: s}, nil
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

func (se *session) AuthMechanisms() []string {
	if se.s.opts.NoAuth {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || se.s.opts.NoAuth {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if (identity != "" && identity != user) || user != se.s.opts.User || pass != se.s.opts.Password {
			return smtp.ErrAuthFailed
		}
		se.authed = true
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if !se.authed && !se.s.opts.NoAuth {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(strings.ToLower(to), "@"+RejectDomain) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "Mailbox unavailable: " + to}
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: se.from, To: slices.Clone(se.to), Data: string(b)}
	if pm, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		m.Subject = pm.Header.Get("Subject")
	}
	se.s.mu.Lock()
	se.s.messages = append(se.s.messages, m)
	se.s.mu.Unlock()
	return nil
}

func (se *session) Reset() { se.from, se.to = "", nil }

func (se *session) Logout() error { return nil }

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}

// certificate makes a self-signed ECDSA certificate for 127.0.0.1 and
// localhost, valid for a day around now.
func certificate() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic("smtpfake: key: " + err.Error())
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtp.fake.test"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost", "smtp.fake.test"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic("smtpfake: certificate: " + err.Error())
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		panic("smtpfake: certificate: " + err.Error())
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
