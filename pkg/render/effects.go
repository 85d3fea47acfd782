package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/pkg/diff"
)

// effectTitle is the heading of an effect kind.
func effectTitle(kind string) string {
	switch kind {
	case diff.EffectMFARequired:
		return "MFA required"
	case diff.EffectConsentRemoved, diff.EffectConsentRenamed:
		return "Third-party consent"
	}
	return kind
}

// effectSentence says in words what an effect means.
func effectSentence(e diff.Effect) string {
	switch e.Kind {
	case diff.EffectConsentRemoved:
		return fmt.Sprintf("%s is deleted, and Logto removes it from the consent %s of %s: %s. "+
			"Their users are no longer asked to consent to it, and their tokens no longer carry it.",
			e.Address, pluralWord(len(e.Applications), "list", "lists"), plural(len(e.Applications), "third-party application"),
			listNames(quoteAll(e.Applications), 5))
	case diff.EffectConsentRenamed:
		return fmt.Sprintf("%s is renamed from %q: the consent %s of %s (%s) %s %q from now on; "+
			"an application that requests %q gets nothing for it and must request %q instead.",
			e.Address, e.Permission, pluralWord(len(e.Applications), "list", "lists"), plural(len(e.Applications), "third-party application"),
			listNames(quoteAll(e.Applications), 5), pluralWord(len(e.Applications), "shows", "show"), e.NewName, e.Permission, e.NewName)
	case diff.EffectMFARequired:
		lead := fmt.Sprintf("%s requires MFA from now on: ", e.Address)
		lockout := func(n int) string {
			return pluralWord(n, "gets", "get") + " 403 on their next organization token until they set up a factor"
		}
		budget := "more members than one plan's request budget"
		switch {
		case e.Unchecked == 0 && e.WithoutMFA == 0:
			return lead + fmt.Sprintf("every one of its %s has an MFA factor.", plural(e.Members, "member"))
		case e.Unchecked == 0:
			return lead + fmt.Sprintf("%d of its %s %s no MFA factor and %s.", e.WithoutMFA, plural(e.Members, "member"),
				pluralWord(e.WithoutMFA, "has", "have"), lockout(e.WithoutMFA))
		case e.Unchecked == e.Members:
			return lead + fmt.Sprintf("it has %s, and those without an MFA factor %s (orgsync did not read their factors: %s).",
				plural(e.Members, "member"), lockout(2), budget)
		case e.WithoutMFA > 0:
			return lead + fmt.Sprintf("at least %d of its %s %s no MFA factor and %s (orgsync did not read the factors of %d of them: %s).",
				e.WithoutMFA, plural(e.Members, "member"), pluralWord(e.WithoutMFA, "has", "have"), lockout(e.WithoutMFA), e.Unchecked, budget)
		}
		return lead + fmt.Sprintf("it has %s, and those without an MFA factor %s (orgsync did not read the factors of %d of them: %s).",
			plural(e.Members, "member"), lockout(2), e.Unchecked, budget)
	}
	return e.Kind + " " + e.Address
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return out
}

// writeEffectsText writes the "Effects:" section of the text plan.
func writeEffectsText(b textWriter, effects []diff.Effect, s Style) {
	if len(effects) == 0 {
		return
	}
	b.WriteString("\n" + s.Bold("Effects:") + "\n")
	title := ""
	for _, e := range effects {
		if t := effectTitle(e.Kind); t != title {
			title = t
			fmt.Fprintf(b, "\n  %s:\n", s.Bold(s.Yellow(title)))
		}
		fmt.Fprintf(b, "    %s\n", effectSentence(e))
	}
}

// writeEffectsMD writes the effects as a caution block of the pull-request
// comment, at most limit of them (-1: all).
func writeEffectsMD(b *strings.Builder, effects []diff.Effect, limit int) {
	if len(effects) == 0 {
		return
	}
	b.WriteString("> [!CAUTION]\n> **Effects** of this plan beyond its changes:\n")
	n := capped(len(effects), limit)
	for _, e := range effects[:n] {
		fmt.Fprintf(b, "> - **%s**: %s\n", mdEscape(effectTitle(e.Kind)), mdEscape(effectSentence(e)))
	}
	if more := len(effects) - n; more > 0 {
		fmt.Fprintf(b, "> - … and %d more (see the JSON plan)\n", more)
	}
	b.WriteString("\n")
}

// jsonEffect is one entry of the JSON plan's "effects".
type jsonEffect struct {
	Kind         string   `json:"kind"`
	Address      string   `json:"address"`
	Permission   *string  `json:"permission"`
	NewName      *string  `json:"new_name"`
	Applications []string `json:"applications"`
	Organization *string  `json:"organization"`
	Members      int      `json:"members"`
	// WithoutMFA is null unless every member's factors were read.
	WithoutMFA *int     `json:"without_mfa"`
	Users      []string `json:"users"`
	Unchecked  int      `json:"unchecked"`
	Message    string   `json:"message"`
}

func jsonEffects(effects []diff.Effect) []jsonEffect {
	out := make([]jsonEffect, 0, len(effects))
	for _, e := range effects {
		je := jsonEffect{
			Kind: e.Kind, Address: e.Address, Permission: optional(e.Permission), NewName: optional(e.NewName),
			Applications: nonNil(e.Applications), Organization: optional(e.Organization), Members: e.Members,
			Users: nonNil(e.Users), Unchecked: e.Unchecked, Message: effectSentence(e),
		}
		if e.Kind == diff.EffectMFARequired && e.Unchecked == 0 {
			n := e.WithoutMFA
			je.WithoutMFA = &n
		}
		out = append(out, je)
	}
	return out
}
