<?php
/**
 * ihub hook module for WHMCS.
 *
 * WHMCS has no signed outbound webhooks, only PHP action hooks. This file
 * registers hooks for the events ihub normalizes (tickets, invoices,
 * payments, clients, orders, service provisioning) and POSTs each one to an
 * ihub webhook endpoint of scheme "whmcs":
 *
 *   POST {endpoint URL}
 *   Content-Type: application/json
 *   X-Hub-Event: InvoicePaid
 *   X-Hub-Delivery: 3f1c…   (a UUID per event, kept across retries: ihub deduplicates on it)
 *   X-Hub-Timestamp: 1764900000   (Unix seconds; ihub accepts 5 minutes either way)
 *   X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, "{X-Hub-Timestamp}.{body}")>
 *
 *   {"event":"InvoicePaid","occurred_at":"2026-12-05T10:00:00Z","vars":{…the hook's $vars…}}
 *
 * Install: copy this file to <whmcs>/includes/hooks/ihub.php and set the
 * endpoint's URL and secret below (or in the environment of the PHP
 * process as IHUB_WEBHOOK_URL and IHUB_WEBHOOK_SECRET). Create the endpoint
 * in ihub with POST /api/v1/integrations/{whmcs integration}/webhooks; its
 * secret is the integration's webhookSecret, or the one ihub returns.
 *
 * Variables whose names suggest a credential (the service and server
 * passwords, access hashes and API keys module hooks pass) are not sent.
 * A delivery ihub does not acknowledge is tried twice more, then written to
 * the WHMCS activity log.
 */

if (!defined('WHMCS') && !defined('IHUB_HOOK_TEST')) {
    die('This file cannot be accessed directly');
}

const IHUB_WEBHOOK_URL = 'https://ihub.example.com/api/v1/hooks/whe_REPLACE_ME';
const IHUB_WEBHOOK_SECRET = 'REPLACE_ME_WITH_THE_ENDPOINT_SECRET';

/** The hooks sent to ihub. */
const IHUB_HOOKS = [
    'TicketOpen', 'TicketUserReply', 'TicketAdminReply', 'TicketClose',
    'InvoiceCreated', 'InvoicePaid', 'AddInvoicePayment', 'InvoiceCancelled', 'InvoiceUnpaid',
    'ClientAdd', 'ClientEdit', 'AcceptOrder', 'OrderPaid',
    'AfterModuleCreate', 'AfterModuleSuspend', 'AfterModuleUnsuspend', 'AfterModuleTerminate',
];

/** Removes values whose key names a credential, at any depth. */
function ihub_scrub($value)
{
    if (is_object($value)) {
        $value = get_object_vars($value);
    }
    if (!is_array($value)) {
        return $value;
    }
    $out = [];
    foreach ($value as $k => $v) {
        if (is_string($k) && preg_match('/pass|secret|hash|token|api_?key|cvv|cardnum/i', $k)) {
            continue;
        }
        $out[$k] = ihub_scrub($v);
    }
    return $out;
}

/** A random UUID v4. */
function ihub_uuid()
{
    $b = random_bytes(16);
    $b[6] = chr((ord($b[6]) & 0x0f) | 0x40);
    $b[8] = chr((ord($b[8]) & 0x3f) | 0x80);
    return vsprintf('%s%s-%s-%s-%s-%s%s%s', str_split(bin2hex($b), 4));
}

/** Sends one event; returns true when ihub acknowledged it (2xx). */
function ihub_send($event, $vars)
{
    $url = getenv('IHUB_WEBHOOK_URL') ?: IHUB_WEBHOOK_URL;
    $secret = getenv('IHUB_WEBHOOK_SECRET') ?: IHUB_WEBHOOK_SECRET;
    if (strpos($url . $secret, 'REPLACE_ME') !== false || !preg_match('#^https?://[^/]+/#', $url)) {
        if (function_exists('logActivity')) {
            logActivity('ihub: ' . $event . ' not sent: set IHUB_WEBHOOK_URL and IHUB_WEBHOOK_SECRET in includes/hooks/ihub.php');
        }
        return false;
    }
    $body = json_encode(
        ['event' => $event, 'occurred_at' => gmdate('Y-m-d\TH:i:s\Z'), 'vars' => ihub_scrub($vars)],
        JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR
    );
    $delivery = ihub_uuid();
    $status = 0;
    for ($try = 1; $try <= 3; $try++) {
        $ts = (string) time();
        $headers = "Content-Type: application/json\r\n"
            . "X-Hub-Event: " . $event . "\r\n"
            . "X-Hub-Delivery: " . $delivery . "\r\n"
            . "X-Hub-Timestamp: " . $ts . "\r\n"
            . "X-Hub-Signature-256: sha256=" . hash_hmac('sha256', $ts . '.' . $body, $secret) . "\r\n";
        $context = stream_context_create(['http' => [
            'method' => 'POST', 'header' => $headers, 'content' => $body,
            'timeout' => 5, 'ignore_errors' => true, 'follow_location' => 0,
        ]]);
        $http_response_header = [];
        @file_get_contents($url, false, $context);
        $status = 0;
        if (isset($http_response_header[0]) && preg_match('#^HTTP/\S+\s+(\d{3})#', $http_response_header[0], $m)) {
            $status = (int) $m[1];
        }
        if ($status >= 200 && $status < 300) {
            return true;
        }
        if ($status >= 400 && $status < 500 && $status !== 429) {
            break; // refused (bad secret, unknown endpoint): retrying cannot help
        }
        if ($try < 3) {
            sleep($try);
        }
    }
    if (function_exists('logActivity')) {
        logActivity('ihub: ' . $event . ' not delivered (HTTP ' . ($status ?: 'no answer') . ', delivery ' . $delivery . ')');
    }
    return false;
}

foreach (IHUB_HOOKS as $hook) {
    add_hook($hook, 1, function ($vars) use ($hook) {
        ihub_send($hook, $vars);
    });
}
