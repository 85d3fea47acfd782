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
	began   time.Time
	// changes are the plan's; at indexes them by address, and state[i]
	// is where changes[i] stands: one small entry per change, for the
	// 100,000 of a large apply.
	changes []*diff.Change
	at      map[string]int32
	state   []changeState
	ids     map[string]string // ids created by single calls, by address
}

type changeState struct {
	left    int32         // operations not finished yet
	failed  bool          // an operation failed
	started time.Duration // since began; 0: not started
}

func newProgress(e *env, p *diff.Plan) *progress {
	pr := &progress{
		w:       e.s.Err,
		total:   len(p.Changes),
		began:   time.Now(),
		changes: p.Changes,
		at:      make(map[string]int32, len(p.Changes)),
		state:   make([]changeState, len(p.Changes)),
		ids:     map[string]string{},
	}
	pr.bar = e.s.ErrTTY && pr.total > 30
	for i, c := range p.Changes {
		pr.at[c.Address] = int32(i)
	}
	for _, op := range p.Operations {
		for _, a := range op.Changes() {
			if i, ok := pr.at[a]; ok {
				pr.state[i].left++
			}
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
			if st := p.of(a); st != nil && st.started == 0 {
				st.started = max(time.Since(p.began), 1)
				if !bulk {
					p.line("%s: %s...", a, verbs[p.action(a)][0])
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
			if st := p.of(a); st != nil {
				st.failed = true
			}
		}
		return
	}
	for _, a := range changes {
		if ev.ID != "" && !bulk {
			p.ids[a] = ev.ID
		}
		st := p.of(a)
		if st == nil {
			continue
		}
		st.left--
		if st.left > 0 || st.failed {
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
		p.line("%s: %s complete after %s%s [%d/%d]", a, verbs[p.action(a)][1], render.Duration(time.Since(p.began)-st.started), id, p.done, p.total)
	}
}

// of is the state of the change at addr (nil for an address the plan's
// changes do not hold).
func (p *progress) of(addr string) *changeState {
	i, ok := p.at[addr]
	if !ok {
		return nil
	}
	return &p.state[i]
}

// action is what the change at addr does.
func (p *progress) action(addr string) diff.Action {
	if i, ok := p.at[addr]; ok {
		return p.changes[i].Action
	}
	return ""
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
