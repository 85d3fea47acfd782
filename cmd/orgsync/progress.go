package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/orgsync/orgsync/pkg/apply"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/render"
)

// progress reports an apply on stderr in the plan's terms: one line when a
// change starts and one when it is complete ("[n/N]" counts the plan's
// changes), with the bulk calls that carry out many changes at once listed
// under them. On a terminal with many changes it draws a counter line
// instead, and ends that line when the apply stops.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	bar     bool
	barOpen bool // a counter line is drawn and not ended
	total   int
	done    int
	action  map[string]diff.Action
	left    map[string]int // operations of a change not finished yet
	started map[string]time.Time
	ids     map[string]string
	failed  map[string]bool
}

func newProgress(e *env, p *diff.Plan) *progress {
	pr := &progress{
		w:       e.s.Err,
		total:   len(p.Changes),
		action:  make(map[string]diff.Action, len(p.Changes)),
		left:    map[string]int{},
		started: map[string]time.Time{},
		ids:     map[string]string{},
		failed:  map[string]bool{},
	}
	pr.bar = e.s.ErrTTY && pr.total > 30
	for _, c := range p.Changes {
		pr.action[c.Address] = c.Action
	}
	for _, op := range p.Operations {
		for _, a := range op.Changes() {
			pr.left[a]++
		}
	}
	return pr
}

// verbs are the progress words of each action: while running, when done.
var verbs = map[diff.Action][2]string{
	diff.Create: {"Creating", "Creation"},
	diff.Update: {"Modifying", "Modifications"},
	diff.Rename: {"Renaming", "Rename"},
	diff.Delete: {"Destroying", "Destruction"},
}

func (p *progress) event(ev apply.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	changes := ev.Op.Changes()
	bulk := len(ev.Op.Covers) > 0
	if !ev.Done && ev.Err == nil {
		for _, a := range changes {
			if _, ok := p.started[a]; !ok {
				p.started[a] = time.Now()
				if !bulk {
					p.line("%s: %s...", a, verbs[p.action[a]][0])
				}
			}
		}
		if bulk {
			p.line("  %s: %s (%s: %s)...", ev.Op.Address, bulkWhat(ev.Op), ev.Op.Kind(), coveredLabels(ev.Op))
		}
		return
	}
	if ev.Err != nil {
		p.endBar()
		fmt.Fprintf(p.w, "%s: %s failed after %s: %v\n", opTitle(ev.Op), ev.Op.Kind(), render.Duration(ev.Elapsed), ev.Err)
		for _, a := range changes {
			p.failed[a] = true
		}
		return
	}
	for _, a := range changes {
		if ev.ID != "" && !bulk {
			p.ids[a] = ev.ID
		}
		p.left[a]--
		if p.left[a] > 0 || p.failed[a] {
			continue
		}
		p.done++
		if p.bar {
			p.drawBar(a)
			continue
		}
		id := ""
		if p.ids[a] != "" {
			id = " [id=" + p.ids[a] + "]"
		}
		p.line("%s: %s complete after %s%s [%d/%d]", a, verbs[p.action[a]][1], render.Duration(time.Since(p.started[a])), id, p.done, p.total)
	}
}

// line prints one progress line, unless a counter line is drawn instead.
func (p *progress) line(format string, args ...any) {
	if !p.bar {
		fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *progress) drawBar(last string) {
	const width = 30
	filled := width * p.done / max(p.total, 1)
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d %s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), p.done, p.total, last)
	p.barOpen = true
	if p.done == p.total {
		p.endBar()
	}
}

func (p *progress) endBar() {
	if p.barOpen {
		fmt.Fprintln(p.w)
		p.barOpen = false
	}
}

// finish ends an open counter line (the apply stopped early).
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endBar()
}

// opTitle names a failed operation: its change, or for a bulk call the
// organization and how many changes it carried.
func opTitle(op diff.Operation) string {
	if len(op.Covers) > 0 {
		return op.Address + " (" + bulkWhat(op) + ")"
	}
	return op.Address
}

// bulkWhat says what a bulk call carries: "3 members", "1 application".
func bulkWhat(op diff.Operation) string {
	n := len(op.Changes())
	switch op.Params.(type) {
	case diff.AddApplications, diff.AssignApplicationRoles:
		return plural(n, "application")
	}
	return plural(n, "member")
}

// coveredLabels names the first changes a bulk call carries, by the last
// step of their addresses ("alice@acme.com", "bob@acme.com" and 3 more).
func coveredLabels(op diff.Operation) string {
	const shown = 2
	var labels []string
	for i, a := range op.Changes() {
		if i == shown {
			labels = append(labels, fmt.Sprintf("and %d more", len(op.Changes())-shown))
			break
		}
		label := strings.TrimPrefix(a, op.Address+".")
		if _, rest, ok := strings.Cut(label, "."); ok {
			label = rest
		}
		labels = append(labels, label)
	}
	return strings.Join(labels, ", ")
}
