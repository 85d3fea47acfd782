package spec

import (
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/orgsync/orgsync/pkg/state"
)

// loadJITSSO decodes a jit block's sso_connectors: enterprise SSO
// connectors by their tenant-unique connector name. Absent (or null), the
// connectors are not managed; [] removes every one.
func (l *loader) loadJITSSO(org *state.Organization, jit *state.JIT, b *jitContent, ctx *hcl.EvalContext) {
	v, ok := l.value(b.SSOConnectors, ctx)
	if !ok || v.IsNull() {
		return
	}
	var names []strItem
	for _, it := range l.stringsOf(v, b.SSOConnectors, "sso_connectors") {
		switch {
		case strings.TrimSpace(it.Value) == "":
			l.errorf(it.Range, "Invalid SSO connector name",
				"An sso_connectors entry of the jit block of %s is empty. Give the connector name of an enterprise SSO connector, as the Console shows it.", org.Address)
		case utf8.RuneCountInString(it.Value) > maxNameLen:
			l.errorf(it.Range, "Invalid SSO connector name",
				"The SSO connector name %q has %d characters; Logto connector names have at most %d.", it.Value, utf8.RuneCountInString(it.Value), maxNameLen)
		default:
			names = append(names, it)
		}
	}
	jit.SSOConnectors = sortedUnique(names)
	jit.ManageSSOConnectors = true
}
