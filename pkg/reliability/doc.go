// Package reliability holds orgsync's fail-safe tests: applies under injected
// faults (5xx, 429, dropped connections before and after the change),
// processes killed mid-apply, reads that fail or lie, concurrent applies,
// hostile configuration input, malformed API responses and secret handling.
//
// Each guarantee is one test that fails when the guarantee breaks. The
// package has no non-test code besides this file; run it with
//
//	go test -race ./pkg/reliability
//
// and with -short for a smaller number of seeds.
package reliability
