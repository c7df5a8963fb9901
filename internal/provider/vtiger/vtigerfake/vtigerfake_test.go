package vtigerfake_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/vtiger/vtigerfake"
)

type envelope struct {
	Success bool            `json:"success"`
	Result  json.RawMessage `json:"result"`
	Error   struct{ Code string }
}

func call(t *testing.T, s *vtigerfake.Server, method string, v url.Values) envelope {
	t.Helper()
	hc := providertest.HTTPClient()
	var resp *http.Response
	var err error
	if method == http.MethodGet {
		resp, err = hc.Get(s.URL() + "/webservice.php?" + v.Encode())
	} else {
		resp, err = hc.PostForm(s.URL()+"/webservice.php", v)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e envelope
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %v: status %d, decode error %v", method, v, resp.StatusCode, err)
	}
	return e
}

func TestLoginAndQueryCap(t *testing.T) {
	t.Parallel()
	many := make([]vtigerfake.Record, 250)
	for i := range many {
		many[i] = vtigerfake.Record{"id": "12x" + strconv.Itoa(i+1), "lastname": "L"}
	}
	s := vtigerfake.New(vtigerfake.Options{Modules: map[string][]vtigerfake.Record{"Contacts": many}, QueryCap: 200})
	t.Cleanup(s.Close)

	ch := call(t, s, http.MethodGet, url.Values{"operation": {"getchallenge"}, "username": {"admin"}})
	var tok struct{ Token string }
	_ = json.Unmarshal(ch.Result, &tok)
	bad := call(t, s, http.MethodPost, url.Values{"operation": {"login"}, "username": {"admin"}, "accessKey": {"0123"}})
	if bad.Success || bad.Error.Code != "INVALID_USER_CREDENTIALS" {
		t.Errorf("login with a wrong key = %+v", bad)
	}
	lg := call(t, s, http.MethodPost, url.Values{"operation": {"login"}, "username": {"admin"}, "accessKey": {vtigerfake.MD5(tok.Token, vtigerfake.DefaultAccessKey)}})
	var sess struct{ SessionName string }
	_ = json.Unmarshal(lg.Result, &sess)
	if !lg.Success || sess.SessionName == "" {
		t.Fatalf("login = %+v", lg)
	}
	q := call(t, s, http.MethodGet, url.Values{"operation": {"query"}, "sessionName": {sess.SessionName}, "query": {"SELECT * FROM Contacts LIMIT 0, 500;"}})
	var rows []map[string]string
	_ = json.Unmarshal(q.Result, &rows)
	if len(rows) != 200 {
		t.Errorf("query returned %d rows, want the cap of 200", len(rows))
	}
	s.ExpireSessions()
	exp := call(t, s, http.MethodGet, url.Values{"operation": {"listtypes"}, "sessionName": {sess.SessionName}})
	if exp.Success || exp.Error.Code != "INVALID_SESSIONID" {
		t.Errorf("listtypes after expiry = %+v", exp)
	}
}
