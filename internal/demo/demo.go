// Package demo runs the fake providers the adapter tests use as local
// servers, and describes the integrations `ihub serve --demo` seeds against
// them, so that a newcomer sees connection tests, actions, the proxy and
// metrics working without any real account. Every fake listens on
// loopback only and keeps its data in memory.
package demo

import (
	"ihub/internal/provider/awx/awxfake"
	"ihub/internal/provider/clickatell/clickatellfake"
	"ihub/internal/provider/cpanel/cpanelfake"
	"ihub/internal/provider/didit/diditfake"
	"ihub/internal/provider/generichttp/generichttpfake"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/googlemaps/googlemapsfake"
	"ihub/internal/provider/mtncoverage/mtncoveragefake"
	"ihub/internal/provider/netcash/netcashfake"
	"ihub/internal/provider/plesk/pleskfake"
	"ihub/internal/provider/vtiger/vtigerfake"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/provider/whmcs/whmcsfake"
)

// Integration is one integration to seed.
type Integration struct {
	Name, Slug, Provider, BaseURL, Username string
	Settings                                map[string]any
	Credentials                             map[string]any
	Description                             string
}

// Fakes are the running fake providers.
type Fakes struct {
	closers      []func()
	Integrations []Integration
}

// Close stops every fake.
func (f *Fakes) Close() {
	for _, c := range f.closers {
		c()
	}
}

// Start starts the fakes and returns the integrations to seed.
func Start() *Fakes {
	f := &Fakes{}
	add := func(closer func(), in Integration) {
		f.closers = append(f.closers, closer)
		f.Integrations = append(f.Integrations, in)
	}

	whm := whmfake.New(whmfake.Options{})
	add(whm.Close, Integration{Name: "Demo WHM server", Slug: "demo-whm", Provider: "whm", BaseURL: whm.URL(),
		Username: whmfake.DefaultUser, Credentials: map[string]any{"apiToken": whmfake.DefaultToken},
		Description: "list_accounts, create_account, suspend_account, bandwidth…"})

	cp := cpanelfake.New(cpanelfake.Options{})
	add(cp.Close, Integration{Name: "Demo cPanel account", Slug: "demo-cpanel", Provider: "cpanel", BaseURL: cp.URL(),
		Username: cpanelfake.DefaultUser, Credentials: map[string]any{"apiToken": cpanelfake.DefaultToken},
		Description: "list_domains, quota"})

	pl := pleskfake.New(pleskfake.Options{})
	add(pl.Close, Integration{Name: "Demo Plesk server", Slug: "demo-plesk", Provider: "plesk", BaseURL: pl.URL(),
		Credentials: map[string]any{"apiKey": pleskfake.DefaultAPIKey}, Description: "list_clients, list_domains"})

	gh := githubfake.New(githubfake.Options{})
	add(gh.Close, Integration{Name: "Demo GitHub", Slug: "demo-github", Provider: "github", BaseURL: gh.URL(),
		Credentials: map[string]any{"token": githubfake.DefaultToken}, Description: "connection test, proxy"})

	api := generichttpfake.New(generichttpfake.Options{})
	add(api.Close, Integration{Name: "Demo HTTP API", Slug: "demo-http", Provider: "http", BaseURL: api.URL(),
		Settings:    map[string]any{"authMode": "bearer", "healthPath": "/health"},
		Credentials: map[string]any{"token": generichttpfake.DefaultToken},
		Description: "proxy: /api/v1/integrations/demo-http/proxy/items"})

	gm := googlemapsfake.New(googlemapsfake.Options{})
	add(gm.Close, Integration{Name: "Demo Google Maps", Slug: "demo-maps", Provider: "google_maps", BaseURL: gm.URL(),
		Credentials: map[string]any{"apiKey": googlemapsfake.DefaultKey}, Description: "geocode"})

	mtn := mtncoveragefake.New(mtncoveragefake.Options{})
	add(mtn.Close, Integration{Name: "Demo MTN coverage", Slug: "demo-mtn", Provider: "mtn_coverage", BaseURL: mtn.URL(),
		Credentials: map[string]any{"apiKey": mtncoveragefake.DefaultKey}, Description: "check_coverage"})

	nc := netcashfake.New(netcashfake.Options{})
	add(nc.Close, Integration{Name: "Demo NetCash", Slug: "demo-netcash", Provider: "netcash", BaseURL: nc.URL(),
		Settings:    map[string]any{"accountNumber": netcashfake.DefaultAccount},
		Credentials: map[string]any{"serviceKey": netcashfake.DefaultServiceKey}, Description: "validate_service_key"})

	dd := diditfake.New(diditfake.Options{})
	add(dd.Close, Integration{Name: "Demo Didit", Slug: "demo-didit", Provider: "didit", BaseURL: dd.URL(),
		Credentials: map[string]any{"apiKey": diditfake.DefaultAPIKey}, Description: "get_session"})
	wc := whmcsfake.New(whmcsfake.Options{})
	add(wc.Close, Integration{Name: "Demo WHMCS", Slug: "demo-whmcs", Provider: "whmcs", BaseURL: wc.URL(),
		Credentials: map[string]any{"identifier": whmcsfake.DefaultIdentifier, "secret": whmcsfake.DefaultSecret},
		Description: "get_clients, get_invoice, open_ticket, get_stats"})

	vt := vtigerfake.New(vtigerfake.Options{})
	add(vt.Close, Integration{Name: "Demo vTiger CRM", Slug: "demo-vtiger", Provider: "vtiger", BaseURL: vt.URL(),
		Username: vtigerfake.DefaultUser, Credentials: map[string]any{"accessKey": vtigerfake.DefaultAccessKey},
		Description: "query, list_types"})

	ax := awxfake.New(awxfake.Options{})
	add(ax.Close, Integration{Name: "Demo AWX", Slug: "demo-awx", Provider: "awx", BaseURL: ax.URL(),
		Credentials: map[string]any{"token": awxfake.DefaultToken}, Description: "list_job_templates, launch_job_template, job_status"})

	ct := clickatellfake.New(clickatellfake.Options{})
	add(ct.Close, Integration{Name: "Demo Clickatell", Slug: "demo-sms", Provider: "clickatell", BaseURL: ct.URL(),
		Credentials: map[string]any{"apiKey": clickatellfake.DefaultAPIKey}, Description: "send_sms (to the fake)"})
	return f
}
