package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/state"
)

// plural returns "1 role" or "3 roles" (word is the singular; words ending in
// "y" after a consonant take "ies").
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") && len(word) > 1 && !strings.ContainsAny(word[len(word)-2:len(word)-1], "aeiou") {
		return strconv.Itoa(n) + " " + word[:len(word)-1] + "ies"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// listNames joins names as "a", "a and b", "a, b and c", or, past max names,
// "a, b and 997 more" (the first max-1 names and a count of the rest).
func listNames(names []string, max int) string {
	if max < 2 {
		max = 2
	}
	switch n := len(names); {
	case n == 0:
		return ""
	case n == 1:
		return names[0]
	case n <= max:
		return strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	default:
		return strings.Join(names[:max-1], ", ") + " and " + strconv.Itoa(n-max+1) + " more"
	}
}

// reasonPhrase explains a change's Reason keyword, e.g. "because it is no
// longer in the configuration". It returns "" when there is nothing to add.
func reasonPhrase(c *diff.Change) string {
	switch c.Reason() {
	case "":
		return ""
	case "renamed_from":
		if c.Action == diff.Rename {
			return "" // the header already says "renamed from"
		}
		if c.PreviousName() != "" {
			return "because it was renamed from " + strconv.Quote(c.PreviousName())
		}
		return "because it was renamed"
	case "not_in_config":
		return "because it is no longer in the configuration"
	case "exclusive":
		switch c.Kind {
		case diff.KindMember, diff.KindApplication:
			return "because the organization's members are exclusive"
		case diff.KindJIT, diff.KindInvitation:
			return "because " + c.Kind + " settings are exclusive"
		case "":
			return "because the configuration is exclusive for this kind"
		}
		return "because " + c.Kind + "s are exclusive"
	case "missing_user":
		return `because no Logto user exists for this member yet (missing_users = "invite")`
	case "user_exists":
		return "because the invitee is a Logto user now: the member is added directly, and the pending invitation is revoked"
	case "exclusive_members":
		return "because the organization's members are exclusive"
	}
	return "reason: " + c.Reason()
}

// actionPhrase is the end of a change's comment line: "will be created".
func actionPhrase(c *diff.Change) string {
	switch c.Action {
	case diff.Create:
		return "will be created"
	case diff.Update:
		return "will be updated in-place"
	case diff.Delete:
		return "will be destroyed"
	case diff.Rename:
		if c.PreviousName() != "" {
			return "will be renamed from " + strconv.Quote(c.PreviousName())
		}
		return "will be renamed"
	}
	return "will be changed (" + string(c.Action) + ")"
}

// impactKinds is the order of the token-impact groups, most disruptive first.
var impactKinds = []string{diff.ImpactReconsent, diff.ImpactRefresh, diff.ImpactRevocationLag}

// impactTitle is the heading of a token-impact group.
func impactTitle(kind string) string {
	switch kind {
	case diff.ImpactReconsent:
		return "Re-consent required"
	case diff.ImpactRefresh:
		return "Refresh"
	case diff.ImpactRevocationLag:
		return "Revocation lag"
	}
	return kind
}

// impactMeaning says what a token-impact kind means for users and apps
// (PRODUCT.md §5). maxLag is the longest lag of the group, in seconds.
func impactMeaning(kind string, maxLag int) string {
	switch kind {
	case diff.ImpactReconsent:
		return "users must sign in again with prompt=consent, and client apps must add the scope to the scopes they request; a refresh cannot add it"
	case diff.ImpactRefresh:
		return "the next token issued (refresh token or client credentials) carries it; no re-login"
	case diff.ImpactRevocationLag:
		if maxLag > 0 {
			return "new tokens drop it at once; tokens already issued keep it for up to " + lagString(maxLag)
		}
		return "new tokens drop it at once; tokens already issued keep it until they expire"
	}
	return "tokens are affected"
}

// lagString formats seconds the way people write them: 3600 → "1h".
func lagString(seconds int) string { return Duration(time.Duration(seconds) * time.Second) }

// Duration formats d for people: whole units without zero parts ("1h",
// "2h30m", "1m5s"), tenths of a second under a minute ("1.2s"), and
// milliseconds or microseconds below a second ("12ms", "350µs").
func Duration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + Duration(-d)
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		s := d.Round(100 * time.Millisecond).Seconds()
		if s == float64(int(s)) {
			return fmt.Sprintf("%ds", int(s))
		}
		return fmt.Sprintf("%.1fs", s)
	}
	d = d.Round(time.Second)
	var parts []string
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", n, u.name))
			d -= n * u.unit
		}
	}
	return strings.Join(parts, "")
}

// impactGroups returns the plan's impact entries grouped by kind, in
// impactKinds order followed by any other kind in order of appearance. Within
// a group entries keep plan order.
func impactGroups(impacts []diff.Impact) (kinds []string, groups map[string][]diff.Impact) {
	groups = map[string][]diff.Impact{}
	var extra []string
	for _, im := range impacts {
		if _, seen := groups[im.Kind]; !seen && !isKnownImpact(im.Kind) {
			extra = append(extra, im.Kind)
		}
		groups[im.Kind] = append(groups[im.Kind], im)
	}
	for _, k := range impactKinds {
		if len(groups[k]) > 0 {
			kinds = append(kinds, k)
		}
	}
	return append(kinds, extra...), groups
}

func isKnownImpact(kind string) bool {
	for _, k := range impactKinds {
		if k == kind {
			return true
		}
	}
	return false
}

func maxLag(impacts []diff.Impact) int {
	m := 0
	for _, im := range impacts {
		m = max(m, im.MaxLagSeconds)
	}
	return m
}

// userCount and appCount prefer the planner's counts and fall back to the
// id lists when a count was left at zero.
func userCount(im diff.Impact) int { return max(im.UserCount, len(im.Users)) }
func appCount(im diff.Impact) int  { return max(im.AppCount, len(im.Applications)) }

// subjects describes who is affected: "3 users and 1 application".
func subjects(im diff.Impact) string {
	u, a := userCount(im), appCount(im)
	var s string
	switch {
	case u > 0 && a > 0:
		s = plural(u, "user") + " and " + plural(a, "application")
	case a > 0:
		s = plural(a, "application")
	default:
		s = plural(u, "user")
	}
	if names := subjectNames(im, 3); names != "" {
		s += " (" + names + ")"
	}
	return s
}

// subjectNames lists the first max subjects by name, then how many more.
func subjectNames(im diff.Impact, max int) string {
	labels := make([]string, 0, len(im.Subjects))
	for _, sub := range im.Subjects {
		labels = append(labels, sub.Label())
	}
	return listNames(labels, max)
}

// gapLine says what an incomplete token impact left out.
func gapLine(g *diff.ImpactGap) string {
	return fmt.Sprintf("%s not read (impact budget %d requests); -impact-budget unlimited reads them (%d more requests).",
		plural(g.UnreadOrganizations, "organization"), g.Budget, g.Requests)
}

// unmanagedLine summarises what orgsync left alone, or "" when nothing.
func unmanagedLine(u diff.Unmanaged) string {
	var parts []string
	add := func(n int, word string) {
		if n > 0 {
			parts = append(parts, plural(n, word))
		}
	}
	add(len(u.Permissions), "permission")
	add(len(u.Roles), "role")
	add(u.Organizations, "organization")
	add(u.Members, "member")
	add(u.Applications, "application")
	if len(parts) == 0 {
		return ""
	}
	total := len(u.Permissions) + len(u.Roles) + u.Organizations + u.Members + u.Applications
	verb := "were"
	if total == 1 {
		verb = "was"
	}
	return fmt.Sprintf("%s not managed by orgsync %s left alone.", strings.Join(parts, ", "), verb)
}

// summaryCounts is "1 to add, 2 to change, 1 to destroy".
func summaryCounts(p *diff.Plan) string {
	add, change, destroy := p.Counts()
	return fmt.Sprintf("%d to add, %d to change, %d to destroy", add, change, destroy)
}

// classPhrase says how a change came about, when it is not only a
// configuration change.
func classPhrase(c *diff.Change) string {
	switch c.Classification() {
	case diff.ClassDrift:
		switch c.Action {
		case diff.Create:
			return "it was deleted outside orgsync"
		case diff.Delete:
			return "it was created outside orgsync"
		}
		return "undoing changes made outside orgsync"
	case diff.ClassBoth:
		return "the configuration changed, and the tenant changed outside orgsync too"
	}
	return ""
}

// lastApplyLine describes the apply drift is measured from.
func lastApplyLine(la *state.LastApply) string {
	if la == nil || la.At == 0 {
		return "since orgsync last applied"
	}
	var parts []string
	if la.Version != "" {
		parts = append(parts, "orgsync "+la.Version)
	}
	if la.Commit != "" {
		c := la.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		parts = append(parts, "commit "+c)
	}
	parts = append(parts, time.UnixMilli(la.At).UTC().Format("2006-01-02 15:04 MST"))
	return "since the last apply (" + strings.Join(parts, ", ") + ")"
}

// driftVerb is what happened to an object outside orgsync.
func driftVerb(d diff.Drift) string {
	switch d.Action {
	case diff.DriftDelete:
		return "was deleted"
	case diff.DriftCreate:
		return "was created"
	}
	return "was changed"
}

// driftValue prints an applied or live value, or what stands for it.
func driftValue(v *string, pending bool) string {
	switch {
	case v != nil:
		return *v
	case pending:
		return "(changed in the configuration too)"
	}
	return "null"
}
