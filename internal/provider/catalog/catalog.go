// Package catalog is the one list of ihub's built-in providers. Adding a
// provider means one new package under internal/provider and one line here.
//
// Base URL conventions across the catalog (each descriptor repeats its own):
//
//   - Self-hosted panels and apps whose API sits at a fixed path (WHM,
//     cPanel, Plesk, WHMCS, vTiger, AWX): the base URL is the address the
//     administrator opens in a browser, with its port (https://host:2087);
//     the adapter appends the API path (/json-api/, /execute/, /api/v2/,
//     /includes/api.php, /webservice.php, the AWX apiPath setting). These
//     are required and have a DefaultPort where the product has one.
//   - REST APIs with a versioned root (GitHub, GitLab, Bitbucket, Terraform,
//     Resend, Didit, Clickatell, Google Maps, Slack's Web API): the base URL
//     is the API root including any version prefix, exactly as the vendor's
//     reference gives it (https://api.github.com, https://gitlab.com/api/v4,
//     https://app.terraform.io/api/v2); it is optional with that default,
//     and self-hosted editions give their own root (https://host/api/v3,
//     https://host/api/v4).
//   - Providers whose endpoint follows from a setting or a credential (Zoho
//     by data centre, Amazon SNS by region, SMTP, Discord/Teams webhook
//     URLs, NetCash): no base URL.
//   - Generic providers (http, sms_webhook, mtn_coverage): the base URL is
//     required and used as given.
//
// A base URL never carries credentials, a query or a fragment.
package catalog

import (
	"ihub/internal/provider"
	"ihub/internal/provider/awssns"
	"ihub/internal/provider/awx"
	"ihub/internal/provider/bitbucket"
	"ihub/internal/provider/clickatell"
	"ihub/internal/provider/cpanel"
	"ihub/internal/provider/didit"
	"ihub/internal/provider/discord"
	"ihub/internal/provider/generichttp"
	"ihub/internal/provider/github"
	"ihub/internal/provider/gitlab"
	"ihub/internal/provider/googlemaps"
	"ihub/internal/provider/mtncoverage"
	"ihub/internal/provider/netcash"
	"ihub/internal/provider/plesk"
	"ihub/internal/provider/resend"
	"ihub/internal/provider/slack"
	"ihub/internal/provider/smswebhook"
	"ihub/internal/provider/smtp"
	"ihub/internal/provider/teams"
	"ihub/internal/provider/terraform"
	"ihub/internal/provider/vtiger"
	"ihub/internal/provider/whm"
	"ihub/internal/provider/whmcs"
	"ihub/internal/provider/zohobilling"
	"ihub/internal/provider/zohocrm"
	"ihub/internal/provider/zohodesk"
	"ihub/internal/provider/zohosign"
)

// Register adds every built-in provider to r, in catalog order. It panics on
// an invalid descriptor or a duplicate id (a programming error that must
// stop start-up), so call it once per registry.
func Register(r *provider.Registry) {
	// Hosting and billing.
	r.MustAdd(whm.New())
	r.MustAdd(cpanel.New())
	r.MustAdd(plesk.New())
	r.MustAdd(whmcs.New())
	// CRM and automation.
	r.MustAdd(vtiger.New())
	r.MustAdd(awx.New())
	r.MustAdd(terraform.New())
	// Code hosting.
	r.MustAdd(github.New())
	r.MustAdd(gitlab.New())
	r.MustAdd(bitbucket.New())
	// Chat.
	r.MustAdd(slack.New())
	r.MustAdd(discord.New())
	r.MustAdd(teams.New())
	// Zoho.
	r.MustAdd(zohocrm.New())
	r.MustAdd(zohosign.New())
	r.MustAdd(zohobilling.New())
	r.MustAdd(zohodesk.New())
	// KYC, payments, SMS.
	r.MustAdd(didit.New())
	r.MustAdd(netcash.New())
	r.MustAdd(clickatell.New())
	r.MustAdd(awssns.New())
	r.MustAdd(smswebhook.New())
	// Email.
	r.MustAdd(resend.New())
	r.MustAdd(smtp.New())
	// Maps, coverage, generic.
	r.MustAdd(googlemaps.New())
	r.MustAdd(mtncoverage.New())
	r.MustAdd(generichttp.New())
}
