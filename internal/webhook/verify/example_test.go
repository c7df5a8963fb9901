package verify_test

import (
	"fmt"

	"ihub/internal/webhook/verify"
)

// The Extra3 token of docs/webhooks.md's NetCash example: the code that
// creates a payment request sends it as m6, and NetCash echoes it back.
func ExampleNetcashExtra3() {
	token, err := verify.NetcashExtra3([]byte("a long random postback secret"), "INV-1001", "250.00")
	if err != nil {
		panic(err)
	}
	fmt.Println(token)
	// Output: RsnuO-jibAng9JElxdHBlQOdiwqp8pRu
}
