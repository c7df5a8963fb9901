package provider_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
)

type testInput struct {
	InvoiceID int `json:"invoiceId"`
	Nested    struct {
		Count uint8 `json:"count"`
	} `json:"nested"`
	Tags  []string `json:"tags,omitempty"`
	Ratio float64  `json:"ratio,omitempty"`
}

type testOutput struct{}

// TestActionRunDecodeErrors: an input the decoder refuses is an input
// error naming the field in words, never a Go type or struct name.
func TestActionRunDecodeErrors(t *testing.T) {
	t.Parallel()
	a := provider.NewAction(provider.ActionSpec{Name: "get_invoice"},
		func(context.Context, struct{}, testInput) (testOutput, error) { return testOutput{}, nil })
	tests := []struct {
		name, input string
		want        *provider.Error
	}{
		{"integer out of range", `{"invoiceId":1e30}`, provider.InputError("invoiceId",
			"must be a whole number from -9223372036854775808 to 9223372036854775807")},
		{"fraction for an integer", `{"invoiceId":1.5}`, provider.InputError("invoiceId",
			"must be a whole number from -9223372036854775808 to 9223372036854775807")},
		{"string for a number", `{"ratio":"x"}`, provider.InputError("ratio", "must be a number")},
		{"nested out of range", `{"nested":{"count":300}}`, provider.InputError("nested.count", "must be a whole number from 0 to 255")},
		{"object for an array", `{"tags":{}}`, provider.InputError("tags", "must be an array")},
		{"not an object", `[1]`, provider.InputError("", "must be a JSON object")},
		{"unknown field", `{"invoiceID2":1}`, provider.InputError("invoiceID2", "is not a field of this action's input")},
		{"malformed", `{"invoiceId":`, provider.InputError("", "is not a valid JSON object")},
		{"valid", `{"invoiceId":7,"nested":{"count":3}}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := a.Run(t.Context(), struct{}{}, json.RawMessage(tc.input))
			var got *provider.Error
			if err != nil {
				var ok bool
				if got, ok = err.(*provider.Error); !ok {
					t.Fatalf("Run(%s) = %T %v, want a *provider.Error", tc.input, err, err)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Run(%s) error mismatch (-want +got):\n%s", tc.input, diff)
			}
		})
	}
}
