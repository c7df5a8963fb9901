// Package netcashfake is an in-process NetCash NIWS partner service for the
// netcash tests and the demo mode: POST /NIWS/NIWS_Partner.svc answering the
// SOAP 1.2 ValidateServiceKey operation with the status codes of
// providers.md B11 (account 001/103/104/201, service 001/105/106), and SOAP
// faults with HTTP 500 for requests WCF would reject (wrong action,
// malformed XML). Response element names beyond AccountStatus, ServiceId
// and ServiceStatus are not documented [?]. It is an ordinary package (not a
// _test file), imports no testing packages and is deterministic.
package netcashfake

import (
	"bytes"
	"encoding/xml"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultAccount    = "51234567890"
	DefaultServiceKey = "7c1f3a2b-9d4e-4f6a-8b5c-0e1d2c3b4a59"
	// DefaultVendorKey is NetCash's default software vendor key.
	DefaultVendorKey = "24ade73c-98cf-47b3-99be-cc7b867b3080"
)

// Path is the partner service path.
const Path = "/NIWS/NIWS_Partner.svc"

const validateAction = "http://tempuri.org/INIWS_Partner/ValidateServiceKey"

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultAccount,
// DefaultServiceKey and DefaultVendorKey with an active Pay Now service.
type Options struct {
	Account, ServiceKey, VendorKey string
	// PayNowInactive answers service status 105 for a right key.
	PayNowInactive bool
	// LockedOut answers account status 201 to every call.
	LockedOut bool
	// Fail, when set, sees every request first (after counting); a non-nil
	// Reply is sent instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64
}

// New starts a fake NIWS partner service. Close it when done.
func New(opts Options) *Server {
	if opts.Account == "" {
		opts.Account = DefaultAccount
	}
	if opts.ServiceKey == "" {
		opts.ServiceKey = DefaultServiceKey
	}
	if opts.VendorKey == "" {
		opts.VendorKey = DefaultVendorKey
	}
	s := &Server{opts: opts}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the base URL to configure (scheme://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received, including rejected ones.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Fault is a SOAP 1.2 fault with HTTP 500, as WCF sends.
func Fault(code, reason string) *Reply {
	var b bytes.Buffer
	b.WriteString(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">` +
		`<s:Header><a:Action s:mustUnderstand="1">http://www.w3.org/2005/08/addressing/soap/fault</a:Action></s:Header>` +
		`<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>`)
	_ = xml.EscapeText(&b, []byte(code)) // bytes.Buffer writes cannot fail
	b.WriteString(`</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">`)
	_ = xml.EscapeText(&b, []byte(reason))
	b.WriteString(`</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`)
	return &Reply{Status: http.StatusInternalServerError, Header: soapHeader(), Body: b.String()}
}

// Hang is a Fail hook that blocks until the client gives up.
//
// It reads the request body first: the server only notices that the client
// went away (and cancels r's context) once the body has been consumed.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // a read error ends the wait just the same
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// request is the part of the ValidateServiceKey envelope the fake reads,
// matched by local names.
type request struct {
	Header struct {
		Action string `xml:"Action"`
	} `xml:"Header"`
	Body struct {
		Validate *struct {
			Request struct {
				MerchantAccount   string `xml:"MerchantAccount"`
				SoftwareVendorKey string `xml:"SoftwareVendorKey"`
				Services          []struct {
					ID  string `xml:"ServiceId"`
					Key string `xml:"ServiceKey"`
				} `xml:"ServiceInfoList>ServiceInfo"`
			} `xml:"request"`
		} `xml:"ValidateServiceKey"`
	} `xml:"Body"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	if !strings.EqualFold(r.URL.Path, Path) {
		h := http.Header{}
		h.Set("Content-Type", "text/html")
		write(w, &Reply{Status: http.StatusNotFound, Header: h, Body: "<html><head><title>Service not found</title></head><body></body></html>"})
		return
	}
	if r.Method != http.MethodPost {
		write(w, &Reply{Status: http.StatusMethodNotAllowed})
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/soap+xml") {
		write(w, &Reply{Status: http.StatusUnsupportedMediaType})
		return
	}
	var req request
	if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		write(w, Fault("a:DeserializationFailed", "The formatter threw an exception while trying to deserialize the message."))
		return
	}
	if strings.TrimSpace(req.Header.Action) != validateAction || req.Body.Validate == nil {
		write(w, Fault("a:ActionNotSupported", "The message with Action '"+strings.TrimSpace(req.Header.Action)+"' cannot be processed at the receiver."))
		return
	}
	in := req.Body.Validate.Request
	account, services := "001", map[string]string{}
	switch {
	case s.opts.LockedOut:
		account = "201"
	case in.SoftwareVendorKey != s.opts.VendorKey:
		account = "103"
	case in.MerchantAccount != s.opts.Account:
		account = "104"
	}
	for _, sv := range in.Services {
		switch {
		case account != "001":
			services[sv.ID] = ""
		case sv.ID != "14" || sv.Key != s.opts.ServiceKey:
			services[sv.ID] = "106"
		case s.opts.PayNowInactive:
			services[sv.ID] = "105"
		default:
			services[sv.ID] = "001"
		}
	}
	write(w, &Reply{Status: http.StatusOK, Header: soapHeader(), Body: response(account, in.Services, services)})
}

func response(account string, order []struct {
	ID  string `xml:"ServiceId"`
	Key string `xml:"ServiceKey"`
}, services map[string]string) string {
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">` +
		`<s:Header><a:Action s:mustUnderstand="1">http://tempuri.org/INIWS_Partner/ValidateServiceKeyResponse</a:Action></s:Header>` +
		`<s:Body><ValidateServiceKeyResponse xmlns="http://tempuri.org/"><ValidateServiceKeyResult ` +
		`xmlns:b="http://schemas.datacontract.org/2004/07/NC.DG.TMS.C.WCF.NIWS" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
		`<b:AccountStatus>` + account + `</b:AccountStatus><b:ServiceInfo>`)
	for _, sv := range order {
		var id bytes.Buffer
		_ = xml.EscapeText(&id, []byte(sv.ID)) // bytes.Buffer writes cannot fail
		b.WriteString(`<b:ServiceInfoResponse><b:ServiceId>` + id.String() + `</b:ServiceId><b:ServiceStatus>` +
			services[sv.ID] + `</b:ServiceStatus></b:ServiceInfoResponse>`)
	}
	b.WriteString(`</b:ServiceInfo></ValidateServiceKeyResult></ValidateServiceKeyResponse></s:Body></s:Envelope>`)
	return b.String()
}

func soapHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/soap+xml; charset=utf-8")
	return h
}

func write(w http.ResponseWriter, rep *Reply) {
	for k, vs := range rep.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(rep.Body)) // the client may have gone; nothing to do about it
}
