package httpapi_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestWHMCSHookModule runs the WHMCS hook module ihub ships
// (contrib/whmcs/ihub.php) with php-cli against a real ihub: two hooks
// fired in the same second for one invoice with the same $vars (as WHMCS
// does on a payment) become two events, not one and a duplicate, and the
// credentials a module hook passes are not sent. CI installs php-cli and
// sets IHUB_TEST_PHP, so there the test cannot be skipped.
func TestWHMCSHookModule(t *testing.T) {
	t.Parallel()
	php, err := exec.LookPath("php")
	if err != nil {
		if os.Getenv("IHUB_TEST_PHP") != "" {
			t.Fatalf("IHUB_TEST_PHP is set but php is not installed: %v", err)
		}
		t.Skip("php-cli is not installed (apt-get install php-cli); CI runs this test")
	}
	module, err := filepath.Abs("../../contrib/whmcs/ihub.php")
	if err != nil {
		t.Fatal(err)
	}
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	const secret = "a long whmcs hook secret 0123456789"
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "billing", "provider": "whmcs",
		"baseUrl": "https://billing.example.com", "isActive": false,
		"credentials": map[string]any{"identifier": "id0123456789", "secret": "sec0123456789", "webhookSecret": secret}}); r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	var ep struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/integrations/billing/webhooks", env.AdminToken, map[string]any{}), &ep)

	// WHMCS includes the hook files and calls each hook with its $vars.
	harness := filepath.Join(t.TempDir(), "run.php")
	if err := os.WriteFile(harness, []byte(`<?php
define('IHUB_HOOK_TEST', true);
$hooks = [];
function add_hook($name, $priority, $fn) { global $hooks; $hooks[$name] = $fn; }
function logActivity($msg) { fwrite(STDERR, $msg . "\n"); }
require $argv[1];
$vars = ['invoiceid' => 4711];
$hooks['AddInvoicePayment']($vars);
$hooks['InvoicePaid']($vars);
$hooks['AfterModuleCreate'](['params' => ['serviceid' => 9, 'domain' => 'example.com', 'username' => 'exam1',
    'password' => 'service-password-1', 'serverpassword' => 'server-password-2', 'serveraccesshash' => 'WHM-HASH-3']]);
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(php, harness, module)
	cmd.Env = append(os.Environ(), "IHUB_WEBHOOK_URL="+env.Server.URL+"/api/v1/hooks/"+ep.ID, "IHUB_WEBHOOK_SECRET="+secret)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("php: %v\n%s", err, out)
	}

	// Left unconfigured, the module sends nothing and says why in WHMCS's
	// activity log.
	cmd = exec.Command(php, harness, module)
	cmd.Env = append(os.Environ(), "IHUB_WEBHOOK_URL=", "IHUB_WEBHOOK_SECRET=")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "not sent: set IHUB_WEBHOOK_URL") {
		t.Errorf("unconfigured module: %v\n%s", err, out)
	}

	var evs struct {
		Events []struct {
			Type, Subject string
			DeliveryID    int64
		}
	}
	decode(t, call(t, env, "GET", "/api/v1/events?after=0", env.AdminToken, nil), &evs)
	var got []string
	for _, e := range evs.Events {
		got = append(got, e.Type+" "+e.Subject)
	}
	if want := []string{"payment.succeeded 4711", "invoice.paid 4711", "service.provisioned 9"}; !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
	logs := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs", env.AdminToken, nil)
	var l struct {
		Deliveries []struct {
			Status  string
			Payload json.RawMessage
		}
	}
	decode(t, logs, &l)
	for _, d := range l.Deliveries {
		if d.Status != "processed" {
			t.Errorf("delivery status %s, want processed", d.Status)
		}
	}
	for _, leak := range []string{"service-password-1", "server-password-2", "WHM-HASH-3"} {
		if strings.Contains(string(logs.Body), leak) {
			t.Errorf("the module sent a credential (%s): %s", leak, logs.Body)
		}
	}
	if !strings.Contains(string(logs.Body), "example.com") {
		t.Errorf("logs %s: want the module's other vars kept", logs.Body)
	}
}
