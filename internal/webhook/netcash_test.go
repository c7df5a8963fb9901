package webhook

import (
	"net/http"
	"net/url"
	"testing"

	"ihub/internal/webhook/normalize"
	"ihub/internal/webhook/verify"
)

// FuzzNetcashEventIsWhatWasVerified: a NetCash postback the netcash scheme
// accepts becomes an event whose reference and amount are the form fields
// its Extra3 token was checked against. A JSON body hiding the form fields
// in a string once passed the check on them while the normalizer read
// another reference and amount from the JSON: one token for a cheap
// payment vouched for any other.
func FuzzNetcashEventIsWhatWasVerified(f *testing.F) {
	secret := []byte("netcash-fuzz-secret")
	tok, err := verify.NetcashExtra3(secret, "MY-REF", "1.00")
	if err != nil {
		f.Fatal(err)
	}
	form := "Reference=MY-REF&Amount=1.00&Extra3=" + tok
	f.Add("application/x-www-form-urlencoded", "TransactionAccepted=true&Reason=Success&RequestTrace=T1&"+form)
	f.Add("", `{"Reference":"VICTIM","Amount":"5000.00","TransactionAccepted":"true","Reason":"Success","pad":"&`+form+`&z="}`)
	f.Add("application/json", "\ufeff\v"+`{"Reference":"VICTIM","Amount":"5000.00","TransactionAccepted":"true","x":"&`+form+`&z="}`)
	f.Add("text/plain", `[{"Reference":"VICTIM"},"&`+form+`&z="]`)
	f.Fuzz(func(t *testing.T, ctype, body string) {
		h := http.Header{}
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		c := verify.Config{Scheme: verify.SchemeNetCash, Secrets: [][]byte{secret}}
		if _, err := verify.Verify(c, verify.Request{Method: "POST", Header: h, Body: []byte(body)}); err != nil {
			return
		}
		fields, err := url.ParseQuery(body)
		if err != nil {
			t.Fatalf("accepted %q, which is no form", body)
		}
		ev, err := normalize.Normalize("netcash", h, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Data == nil {
			return // not a postback the normalizer names: no reference, no amount
		}
		for field, key := range map[string]string{"Reference": "reference", "Amount": "amount"} {
			if got, ok := ev.Data[key]; ok && got != fields.Get(field) {
				t.Fatalf("accepted %q: the event's %s is %v; the token was checked against %q", body, key, got, fields.Get(field))
			}
		}
	})
}
