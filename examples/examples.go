// Package examples embeds the example configurations, so that `orgsync demo`
// works from an installed binary as well as from a checkout.
package examples

import "embed"

// SaaS is examples/saas: the configuration `orgsync demo` plans and applies.
//
//go:embed saas/*.hcl
var SaaS embed.FS
