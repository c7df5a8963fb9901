// Package whmcsfake is an in-process WHMCS API server speaking the classic
// wire format (providers.md A4): POST /includes/api.php with a form body,
// credentials as body fields (identifier+secret, or username + the MD5 hex
// of the admin password), accesskey to pass the IP allow-list, and JSON
// answers only when responsetype=json (XML otherwise). Failures are HTTP 200
// with {"result":"error","message":…}, as WHMCS sends them. It backs the
// whmcs tests and the demo mode, so it is deterministic, self-contained and
// imports no testing packages.
package whmcsfake

import (
	"crypto/md5" //nolint:gosec // the WHMCS legacy login is MD5 by definition
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultIdentifier    = "D4j1dKYE3g40VROOPCGyJ9zRwP0ADJIv"
	DefaultSecret        = "F1CKGXRIpylMfsrig3mwwdSdYUdLiFlo"
	DefaultAdminUser     = "admin"
	DefaultAdminPassword = "correct-horse-battery"
	DefaultAccessKey     = "ihub-demo-access-key-0123"
	DefaultVersion       = "8.10.1"
)

// Client is a seeded client.
type Client struct {
	ID                                  int
	FirstName, LastName, CompanyName    string
	Email, Status, DateCreated, Country string
	GroupID                             int
}

// Product is a seeded product; Monthly is its USD monthly price.
type Product struct {
	PID, GID                    int
	Type, Name, Module, PayType string
	Monthly                     string
}

// InvoiceItem is a line of a seeded invoice.
type InvoiceItem struct {
	ID          int
	Type        string
	Description string
	Amount      string
}

// Invoice is a seeded invoice.
type Invoice struct {
	ID, UserID                     int
	Date, DueDate, DatePaid        string
	Total, Balance, Status, Method string
	Items                          []InvoiceItem
}

// Ticket is a ticket opened through the fake.
type Ticket struct {
	ID                            int
	TID                           string
	DeptID, ClientID              int
	Subject, Message, Name, Email string
	Priority                      string
	NoEmail                       bool
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts the default
// credentials and serves the default seed data.
type Options struct {
	// Identifier and Secret are the accepted API credential.
	Identifier, Secret string
	// AdminUser and AdminPassword (plain text) are the accepted legacy
	// admin login; the request must carry the password's MD5 hex.
	AdminUser, AdminPassword string
	// AccessKey is the $api_access_key. With RestrictIP, requests without
	// it answer "Invalid IP <addr>".
	AccessKey  string
	RestrictIP bool
	// Version is what WhmcsDetails reports.
	Version string
	// Denied lists API actions the credential's role may not call; they
	// answer `Invalid Permissions: API action "<action>" is not allowed`.
	Denied []string
	// Clients, Products, Invoices and Departments replace the seed data
	// when non-nil.
	Clients     []Client
	Products    []Product
	Invoices    []Invoice
	Departments []int
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64
	mu       sync.Mutex
	calls    map[string]int
	tickets  []Ticket
	lastForm map[string][]string
}

// SeedClients returns the default clients.
func SeedClients() []Client {
	return []Client{
		{ID: 1, FirstName: "Thandi", LastName: "Nkosi", CompanyName: "Nkosi Web", Email: "thandi@nkosi.example", Status: "Active", DateCreated: "2024-02-11", Country: "ZA"},
		{ID: 2, FirstName: "Pieter", LastName: "van Wyk", Email: "pieter@vanwyk.example", Status: "Active", DateCreated: "2024-06-30", Country: "ZA", GroupID: 1},
		{ID: 3, FirstName: "Ana", LastName: "Silva", CompanyName: "Silva Lda", Email: "ana@silva.example", Status: "Closed", DateCreated: "2025-01-05", Country: "PT"},
	}
}

// SeedProducts returns the default products.
func SeedProducts() []Product {
	return []Product{
		{PID: 1, GID: 1, Type: "hostingaccount", Name: "Starter Hosting", Module: "cpanel", PayType: "recurring", Monthly: "5.95"},
		{PID: 2, GID: 1, Type: "hostingaccount", Name: "Business Hosting", Module: "cpanel", PayType: "recurring", Monthly: "14.95"},
		{PID: 3, GID: 2, Type: "other", Name: "Support Hour", PayType: "onetime", Monthly: "-1.00"},
	}
}

// SeedInvoices returns the default invoices.
func SeedInvoices() []Invoice {
	return []Invoice{
		{ID: 1001, UserID: 1, Date: "2026-11-01", DueDate: "2026-11-08", DatePaid: "0000-00-00 00:00:00", Total: "15.95", Balance: "15.95", Status: "Unpaid", Method: "paypal",
			Items: []InvoiceItem{{ID: 1, Type: "Hosting", Description: "Starter Hosting (01/11/2026 - 30/11/2026)", Amount: "5.95"}, {ID: 2, Type: "Domain", Description: "Domain renewal nkosi.example", Amount: "10.00"}}},
		{ID: 1002, UserID: 2, Date: "2026-10-01", DueDate: "2026-10-08", DatePaid: "2026-10-02 09:14:00", Total: "14.95", Balance: "0.00", Status: "Paid", Method: "banktransfer",
			Items: []InvoiceItem{{ID: 3, Type: "Hosting", Description: "Business Hosting (01/10/2026 - 31/10/2026)", Amount: "14.95"}}},
	}
}

// New starts a fake WHMCS server. Close it when done.
func New(opts Options) *Server {
	if opts.Identifier == "" && opts.Secret == "" {
		opts.Identifier, opts.Secret = DefaultIdentifier, DefaultSecret
	}
	if opts.AdminUser == "" && opts.AdminPassword == "" {
		opts.AdminUser, opts.AdminPassword = DefaultAdminUser, DefaultAdminPassword
	}
	if opts.AccessKey == "" {
		opts.AccessKey = DefaultAccessKey
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if opts.Clients == nil {
		opts.Clients = SeedClients()
	}
	if opts.Products == nil {
		opts.Products = SeedProducts()
	}
	if opts.Invoices == nil {
		opts.Invoices = SeedInvoices()
	}
	if opts.Departments == nil {
		opts.Departments = []int{1, 2}
	}
	s := &Server{opts: opts, calls: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the base URL to configure (the WHMCS system URL).
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received, including rejected ones.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls is the number of authenticated calls of the API action.
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Tickets returns the tickets opened so far.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tickets)
}

// LastForm returns the form fields of the last authenticated call.
func (s *Server) LastForm() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]string, len(s.lastForm))
	for k, v := range s.lastForm {
		out[k] = slices.Clone(v)
	}
	return out
}

// Error is WHMCS's failure answer: HTTP 200 with result=error.
func Error(message string) *Reply {
	b, _ := json.Marshal(map[string]string{"result": "error", "message": message}) // strings only
	return &Reply{Status: http.StatusOK, Header: jsonHeader(), Body: string(b)}
}

// HTMLPage is an HTML page, as a proxy, a maintenance page or a wrong base
// URL sends.
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html><html><head><title>" + title + "</title></head><body><h1>" + title + "</h1></body></html>"}
}

// TooManyRequests is a 429 with Retry-After, as a rate limiting proxy in
// front of WHMCS would send (WHMCS documents no limit).
func TooManyRequests(retryAfter time.Duration) *Reply {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	return &Reply{Status: http.StatusTooManyRequests, Header: h, Body: "Too Many Requests"}
}

// Hang is a Fail hook that blocks until the client gives up. It reads the
// body first: the server only notices a client going away (and cancels the
// request's context) once the body has been consumed.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // best effort
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// MD5 returns the MD5 hex of s, what the legacy login sends as password.
func MD5(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // wire format
	return hex.EncodeToString(sum[:])
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	if r.URL.Path != "/includes/api.php" {
		write(w, HTMLPage(http.StatusNotFound, "404 Not Found"))
		return
	}
	if r.Method != http.MethodPost {
		s.answer(w, r, Error("Invalid request method"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.answer(w, r, Error("Invalid request"))
		return
	}
	f := r.PostForm
	if s.opts.RestrictIP && f.Get("accesskey") != s.opts.AccessKey {
		host := r.RemoteAddr
		if i := strings.LastIndex(host, ":"); i > 0 {
			host = strings.Trim(host[:i], "[]")
		}
		s.answer(w, r, Error("Invalid IP "+host))
		return
	}
	if !s.authenticated(f) {
		s.answer(w, r, Error("Authentication Failed"))
		return
	}
	action := f.Get("action")
	s.mu.Lock()
	s.calls[action]++
	s.lastForm = map[string][]string(f)
	s.mu.Unlock()
	if slices.Contains(s.opts.Denied, action) {
		s.answer(w, r, Error(`Invalid Permissions: API action "`+strings.ToLower(action)+`" is not allowed`))
		return
	}
	var out map[string]any
	var fail *Reply
	switch strings.ToLower(action) {
	case "whmcsdetails":
		out = map[string]any{"whmcs": map[string]any{"version": s.opts.Version, "canonicalversion": s.opts.Version + "-release.1"}}
	case "getstats":
		out = s.stats()
	case "getclients":
		out = s.clients(f)
	case "getclientsdetails":
		out, fail = s.clientDetails(f)
	case "getproducts":
		out = s.products(f)
	case "getinvoice":
		out, fail = s.invoice(f)
	case "openticket":
		out, fail = s.openTicket(f)
	default:
		fail = Error("Command Not Found")
	}
	if fail != nil {
		s.answer(w, r, fail)
		return
	}
	out["result"] = "success"
	b, err := json.Marshal(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.answer(w, r, &Reply{Status: http.StatusOK, Header: jsonHeader(), Body: string(b)})
}

func (s *Server) authenticated(f map[string][]string) bool {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	id, sec := get("identifier"), get("secret")
	if id == "" && sec == "" {
		// username+password carry either the identifier and secret
		// (backwards compatibility) or the legacy admin login.
		id, sec = get("username"), get("password")
	}
	switch {
	case id == "" || sec == "":
		return false
	case id == s.opts.Identifier && sec == s.opts.Secret:
		return true
	case s.opts.AdminUser != "" && id == s.opts.AdminUser && sec == MD5(s.opts.AdminPassword):
		return true
	}
	return false
}

// answer writes rep, turned into WHMCS's XML form unless responsetype=json
// was asked for (WHMCS's default response type is XML).
func (s *Server) answer(w http.ResponseWriter, r *http.Request, rep *Reply) {
	if r.PostForm != nil && r.PostForm.Get("responsetype") != "json" && strings.HasPrefix(rep.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if json.Unmarshal([]byte(rep.Body), &m) == nil {
			var b strings.Builder
			b.WriteString(`<?xml version="1.0" encoding="utf-8"?><whmcsapi version="` + s.opts.Version + `">`)
			for _, k := range []string{"result", "message"} {
				if v, ok := m[k]; ok {
					fmt.Fprintf(&b, "<%s>%v</%s>", k, v, k)
				}
			}
			b.WriteString("</whmcsapi>")
			h := http.Header{}
			h.Set("Content-Type", "text/xml")
			rep = &Reply{Status: rep.Status, Header: h, Body: b.String()}
		}
	}
	write(w, rep)
}

func (s *Server) stats() map[string]any {
	s.mu.Lock()
	open := len(s.tickets)
	s.mu.Unlock()
	return map[string]any{
		"income_today": "$0.00 USD", "income_thismonth": "$14.95 USD", "income_thisyear": "$1,204.50 USD",
		"orders_pending": 2, "orders_today_total": 0, "tickets_open": open, "tickets_awaitingreply": open,
		"staff_online": 1, "timeline_data": map[string]any{},
	}
}

func (s *Server) clients(f map[string][]string) map[string]any {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	search, status := strings.ToLower(get("search")), get("status")
	var match []Client
	for _, c := range s.opts.Clients {
		if status != "" && !strings.EqualFold(c.Status, status) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(c.FirstName+" "+c.LastName+" "+c.CompanyName+" "+c.Email), search) {
			continue
		}
		match = append(match, c)
	}
	if strings.EqualFold(get("sorting"), "DESC") {
		slices.Reverse(match)
	}
	start, _ := strconv.Atoi(get("limitstart"))
	num, err := strconv.Atoi(get("limitnum"))
	if err != nil || num <= 0 {
		num = 25
	}
	page := []Client{}
	if start >= 0 && start < len(match) {
		page = match[start:min(len(match), start+num)]
	}
	list := make([]map[string]any, 0, len(page))
	for _, c := range page {
		list = append(list, map[string]any{
			"id": c.ID, "firstname": c.FirstName, "lastname": c.LastName, "companyname": c.CompanyName,
			"email": c.Email, "datecreated": c.DateCreated, "groupid": c.GroupID, "status": c.Status,
		})
	}
	out := map[string]any{"totalresults": len(match), "startnumber": start, "numreturned": len(list)}
	if len(list) == 0 {
		out["clients"] = "" // WHMCS's empty list
	} else {
		out["clients"] = map[string]any{"client": list}
	}
	return out
}

func (s *Server) clientDetails(f map[string][]string) (map[string]any, *Reply) {
	id, _ := strconv.Atoi(first(f, "clientid"))
	email := first(f, "email")
	if id == 0 && email == "" {
		return nil, Error("Either clientid Or email Is Required")
	}
	for _, c := range s.opts.Clients {
		if (id != 0 && c.ID == id) || (id == 0 && strings.EqualFold(c.Email, email)) {
			cl := map[string]any{
				"id": c.ID, "userid": c.ID, "uuid": fmt.Sprintf("00000000-0000-4000-8000-%012d", c.ID),
				"firstname": c.FirstName, "lastname": c.LastName, "fullname": c.FirstName + " " + c.LastName,
				"companyname": c.CompanyName, "email": c.Email, "address1": "1 Main Road", "address2": "",
				"city": "Cape Town", "state": "Western Cape", "postcode": "8001", "countrycode": c.Country,
				"countryname": c.Country, "phonenumber": "0210000000", "groupid": strconv.Itoa(c.GroupID),
				"status": c.Status, "credit": "0.00", "currency_code": "USD", "language": "",
				// Real WHMCS also returns these; the adapter must drop them.
				"password": "$2y$10$fakehashfakehashfakehashfakehashfakehashfakehash", "securityqans": "blue",
				"cardnum": "", "cclastfour": "",
			}
			out := map[string]any{"userid": c.ID, "client": cl}
			if first(f, "stats") == "true" || first(f, "stats") == "1" {
				out["stats"] = map[string]any{"numdueinvoices": "1", "dueinvoicesbalance": "$15.95 USD", "productsnumactive": 2, "numtickets": "0"}
			}
			return out, nil
		}
	}
	return nil, Error("Client Not Found")
}

func (s *Server) products(f map[string][]string) map[string]any {
	pid, _ := strconv.Atoi(first(f, "pid"))
	gid, _ := strconv.Atoi(first(f, "gid"))
	module := first(f, "module")
	list := []map[string]any{}
	for _, p := range s.opts.Products {
		if (pid != 0 && p.PID != pid) || (gid != 0 && p.GID != gid) || (module != "" && p.Module != module) {
			continue
		}
		list = append(list, map[string]any{
			"pid": p.PID, "gid": p.GID, "type": p.Type, "name": p.Name, "description": "", "module": p.Module,
			"paytype": p.PayType,
			"pricing": map[string]any{"USD": map[string]any{"prefix": "$", "suffix": " USD", "monthly": p.Monthly, "annually": "-1.00"}},
		})
	}
	out := map[string]any{"totalresults": len(list)}
	if len(list) == 0 {
		out["products"] = ""
	} else {
		out["products"] = map[string]any{"product": list}
	}
	return out
}

func (s *Server) invoice(f map[string][]string) (map[string]any, *Reply) {
	id, _ := strconv.Atoi(first(f, "invoiceid"))
	for _, inv := range s.opts.Invoices {
		if inv.ID != id {
			continue
		}
		items := make([]map[string]any, 0, len(inv.Items))
		for _, it := range inv.Items {
			items = append(items, map[string]any{"id": it.ID, "type": it.Type, "relid": 0, "description": it.Description, "amount": it.Amount, "taxed": 0})
		}
		return map[string]any{
			"invoiceid": strconv.Itoa(inv.ID), "invoicenum": "", "userid": strconv.Itoa(inv.UserID), "date": inv.Date,
			"duedate": inv.DueDate, "datepaid": inv.DatePaid, "subtotal": inv.Total, "credit": "0.00", "tax": "0.00",
			"tax2": "0.00", "total": inv.Total, "balance": inv.Balance, "taxrate": "0.00", "taxrate2": "0.00",
			"status": inv.Status, "paymentmethod": inv.Method, "notes": "", "ccgateway": false,
			"items": map[string]any{"item": items}, "transactions": "",
		}, nil
	}
	return nil, Error("Invoice ID Not Found")
}

func (s *Server) openTicket(f map[string][]string) (map[string]any, *Reply) {
	dept, _ := strconv.Atoi(first(f, "deptid"))
	clientID, _ := strconv.Atoi(first(f, "clientid"))
	name, email := first(f, "name"), first(f, "email")
	switch {
	case !slices.Contains(s.opts.Departments, dept):
		return nil, Error("Department ID not found")
	case first(f, "subject") == "":
		return nil, Error("Subject is required")
	case first(f, "message") == "":
		return nil, Error("Message is required")
	case clientID == 0 && (name == "" || email == ""):
		return nil, Error("Name and email address are required if not a client")
	}
	if clientID != 0 && !slices.ContainsFunc(s.opts.Clients, func(c Client) bool { return c.ID == clientID }) {
		return nil, Error("Client ID Not Found")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := Ticket{
		ID: len(s.tickets) + 1, TID: strconv.Itoa(516757 + len(s.tickets)), DeptID: dept, ClientID: clientID,
		Subject: first(f, "subject"), Message: first(f, "message"), Name: name, Email: email,
		Priority: first(f, "priority"), NoEmail: first(f, "noemail") == "true",
	}
	s.tickets = append(s.tickets, t)
	return map[string]any{"id": t.ID, "tid": t.TID, "c": "KPqH7yG3"}, nil
}

func first(f map[string][]string, k string) string {
	if v := f[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
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
	_, _ = io.WriteString(w, rep.Body) // the client may have gone
}
