// Package render formats a *diff.Plan for people and programs: a
// Terraform-like text rendering for terminals, a Markdown rendering for
// pull-request comments, the versioned JSON plan, and the token-impact file
// written by apply -impact-out. It only formats what the planner computed; it
// never diffs and does no I/O beyond writing to the given io.Writer.
package render

// Style switches colour on or off. Its helpers return their input unchanged
// when Color is false, so callers never branch on it.
type Style struct{ Color bool }

// NewStyle returns the style for an output stream: colour only when the stream
// is a terminal, and never when NO_COLOR is set to a non-empty value
// (https://no-color.org) or TERM is "dumb".
func NewStyle(isTTY bool, getenv func(string) string) Style {
	if !isTTY || getenv == nil {
		return Style{Color: isTTY}
	}
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return Style{}
	}
	return Style{Color: true}
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

func (s Style) wrap(code, t string) string {
	if !s.Color || t == "" {
		return t
	}
	return code + t + ansiReset
}

// Green colours t green (creates, added members).
func (s Style) Green(t string) string { return s.wrap(ansiGreen, t) }

// Red colours t red (deletes, removed members).
func (s Style) Red(t string) string { return s.wrap(ansiRed, t) }

// Yellow colours t yellow (updates, warnings).
func (s Style) Yellow(t string) string { return s.wrap(ansiYellow, t) }

// Cyan colours t cyan (renames).
func (s Style) Cyan(t string) string { return s.wrap(ansiCyan, t) }

// Bold makes t bold.
func (s Style) Bold(t string) string { return s.wrap(ansiBold, t) }

// Dim makes t faint (hidden-element comments).
func (s Style) Dim(t string) string { return s.wrap(ansiDim, t) }

// symbol colours an action or attribute symbol (+ ~ - >) by its meaning.
func (s Style) symbol(sym string) string {
	switch sym {
	case "+":
		return s.Green(sym)
	case "-":
		return s.Red(sym)
	case "~":
		return s.Yellow(sym)
	case ">":
		return s.Cyan(sym)
	}
	return sym
}
