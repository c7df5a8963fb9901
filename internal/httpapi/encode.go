package httpapi

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"ihub/internal/integration"
	"ihub/internal/jsonenc"
)

// appendIntegration appends the JSON of integrationBody(in) to out without
// reflection and without building the body. Listing is the API's hottest
// path, and encoding/json spent most of its time there (map key sorting,
// time.Time marshalers, re-validating MarshalJSON output), while building
// the bodies fed the garbage collector. The output is byte-for-byte what
// huma's encoder (encoding/json without HTML escaping) makes of
// integrationBody(in); TestIntegrationPageJSON checks it.
func appendIntegration(out []byte, in integration.Integration) ([]byte, error) {
	out = append(out, `{"id":`...)
	out = appendString(out, in.ID)
	out = append(out, `,"slug":`...)
	out = appendString(out, in.Slug)
	out = append(out, `,"name":`...)
	out = appendString(out, in.Name)
	out = append(out, `,"provider":`...)
	out = appendString(out, in.Provider)
	out = append(out, `,"category":`...)
	out = appendString(out, string(in.Category))
	out = append(out, `,"baseUrl":`...)
	out = appendString(out, in.BaseURL)
	out = append(out, `,"username":`...)
	out = appendString(out, in.Username)
	out = append(out, `,"settings":`...)
	if len(in.Settings) == 0 {
		out = append(out, "{}"...) // integrationBody turns nil into {}
	} else {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // as huma's encoder
		if err := enc.Encode(in.Settings); err != nil {
			return nil, err
		}
		out = append(out, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
	}
	out = append(out, `,"labels":{`...)
	var kb [16]string
	for i, k := range sortedKeys(kb[:0], in.Labels) {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, k)
		out = append(out, ':')
		out = appendString(out, in.Labels[k])
	}
	out = append(out, `},"credentials":{`...)
	for i, k := range sortedKeys(kb[:0], in.Credentials) {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, k)
		out = append(out, `:{"set":true,"updatedAt":`...)
		out = appendTime(out, in.Credentials[k])
		out = append(out, '}')
	}
	out = append(out, `},"isActive":`...)
	out = strconv.AppendBool(out, in.IsActive)
	if in.LinkedServerID != nil {
		out = append(out, `,"linkedServerId":`...)
		out = appendString(out, *in.LinkedServerID)
	}
	out = append(out, `,"healthCheckIntervalMinutes":`...)
	out = strconv.AppendInt(out, int64(in.HealthCheckIntervalMinutes), 10)
	out = append(out, `,"allowPrivateNetwork":`...)
	out = strconv.AppendBool(out, in.AllowPrivateNetwork)
	out = append(out, `,"tlsSkipVerify":`...)
	out = strconv.AppendBool(out, in.TLSSkipVerify)
	out = append(out, `,"healthStatus":`...)
	out = appendString(out, string(in.Health.Status))
	if t := in.Health.LastCheckedAt; t != nil {
		out = append(out, `,"lastCheckedAt":`...)
		out = appendTime(out, *t)
	}
	if t := in.Health.LastConnectedAt; t != nil {
		out = append(out, `,"lastConnectedAt":`...)
		out = appendTime(out, *t)
	}
	if e := in.Health.LastError; e != nil {
		out = append(out, `,"lastError":`...)
		out = appendString(out, *e)
	}
	if l := in.Health.LastLatencyMs; l != nil {
		out = append(out, `,"lastLatencyMs":`...)
		out = strconv.AppendInt(out, *l, 10)
	}
	out = append(out, `,"consecutiveFailures":`...)
	out = strconv.AppendInt(out, int64(in.Health.ConsecutiveFailures), 10)
	out = append(out, `,"version":`...)
	out = strconv.AppendInt(out, in.Version, 10)
	out = append(out, `,"createdAt":`...)
	out = appendTime(out, in.CreatedAt)
	out = append(out, `,"updatedAt":`...)
	out = appendTime(out, in.UpdatedAt)
	return append(out, '}'), nil
}

// pageBuffers recycles the buffers list pages are rendered into.
var pageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// encodeIntegrationPage renders a page of integrations as JSON into a
// pooled buffer; release it with pageBuffers.Put once written.
func encodeIntegrationPage(items []integration.Integration, next string) (*[]byte, error) {
	bp := pageBuffers.Get().(*[]byte)
	out := append((*bp)[:0], `{"items":[`...)
	var err error
	for i, it := range items {
		if i > 0 {
			out = append(out, ',')
		}
		if out, err = appendIntegration(out, it); err != nil {
			pageBuffers.Put(bp)
			return nil, err
		}
	}
	out = append(out, ']')
	if next != "" {
		out = append(out, `,"nextCursor":`...)
		out = appendString(out, next)
	}
	*bp = append(out, '}', '\n')
	return bp, nil
}

// sortedKeys appends m's keys to buf and sorts them; with a buffer on the
// caller's stack, small maps cost no allocation.
func sortedKeys[V any](buf []string, m map[string]V) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

func appendTime(out []byte, t time.Time) []byte {
	out = append(out, '"')
	out = t.AppendFormat(out, time.RFC3339Nano)
	return append(out, '"')
}

// appendString appends s as a JSON string as encoding/json writes it with
// HTML escaping off (the API's encoder setting).
func appendString(out []byte, s string) []byte { return jsonenc.AppendString(out, s, false) }
