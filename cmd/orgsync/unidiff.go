package main

import (
	"fmt"
	"io"
	"strings"
)

// unifiedContext is the number of unchanged lines shown around a change.
const unifiedContext = 3

// noEOL marks, inside the diff, a last line that has no newline, so that
// adding or removing the final newline is a change.
const noEOL = "\x00"

// writeUnifiedDiff prints a unified diff of a and b: hunks of changed lines
// with 3 lines of context, as diff -u and patch know them.
func writeUnifiedDiff(w io.Writer, path, a, b string) {
	ops := diffLines(splitLines(a), splitLines(b))
	fmt.Fprintf(w, "--- %s\n+++ %s\n", path, path)
	// Group the edit script into hunks separated by more than 2*context
	// unchanged lines.
	i := 0
	for i < len(ops) {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(0, i-unifiedContext)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*unifiedContext {
				end = min(run, end+unifiedContext)
				break
			}
			end = run
		}
		aStart, bStart, aLen, bLen := ops[start].a, ops[start].b, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, op := range ops[start:end] {
			text, cut := strings.CutSuffix(op.text, noEOL)
			fmt.Fprintf(w, "%c%s\n", op.kind, text)
			if cut {
				fmt.Fprintln(w, `\ No newline at end of file`)
			}
		}
		i = end
	}
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// splitLines splits s into lines without their newlines; a last line
// without one ends with noEOL.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if last := len(lines) - 1; lines[last] == "" {
		lines = lines[:last]
	} else {
		lines[last] += noEOL
	}
	return lines
}

// lineOp is one line of an edit script: ' ' kept, '-' removed, '+' added;
// a and b are the 0-based line numbers in the old and new text where it applies.
type lineOp struct {
	kind rune
	text string
	a, b int
}

// diffLines computes a shortest edit script turning a into b, with Myers'
// O((N+M)·D) algorithm in linear space ("An O(ND) Difference Algorithm and
// Its Variations", 1986, section 4b): time grows with the size of the
// change, memory with the size of the files, so a large file with a few
// changes gets small hunks. Within a run of changes, removed lines come
// before added ones.
func diffLines(a, b []string) []lineOp {
	var ops []lineOp
	var compare func(a0, a1, b0, b1 int)
	compare = func(a0, a1, b0, b1 int) {
		for a0 < a1 && b0 < b1 && a[a0] == b[b0] {
			ops = append(ops, lineOp{kind: ' ', text: a[a0]})
			a0, b0 = a0+1, b0+1
		}
		suffix := 0
		for a1 > a0 && b1 > b0 && a[a1-1] == b[b1-1] {
			a1, b1, suffix = a1-1, b1-1, suffix+1
		}
		switch {
		case a0 == a1:
			for _, l := range b[b0:b1] {
				ops = append(ops, lineOp{kind: '+', text: l})
			}
		case b0 == b1:
			for _, l := range a[a0:a1] {
				ops = append(ops, lineOp{kind: '-', text: l})
			}
		default:
			x, y := middleSnake(a[a0:a1], b[b0:b1])
			compare(a0, a0+x, b0, b0+y)
			compare(a0+x, a1, b0+y, b1)
		}
		for _, l := range a[a1 : a1+suffix] {
			ops = append(ops, lineOp{kind: ' ', text: l})
		}
	}
	compare(0, len(a), 0, len(b))

	// Removed lines first within each run of changes, then the positions.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		j := i
		for j < len(ops) && ops[j].kind != ' ' {
			j++
		}
		run := ops[i:j]
		var removed, added []lineOp
		for _, op := range run {
			if op.kind == '-' {
				removed = append(removed, op)
			} else {
				added = append(added, op)
			}
		}
		copy(run, append(removed, added...))
		i = j
	}
	ai, bi := 0, 0
	for i := range ops {
		ops[i].a, ops[i].b = ai, bi
		if ops[i].kind != '+' {
			ai++
		}
		if ops[i].kind != '-' {
			bi++
		}
	}
	return ops
}

// middleSnake returns a point (x, y) on a shortest edit script of a into b
// strictly between its ends, for a and b that are both non-empty and differ
// in their first and in their last lines. It searches from both ends at once
// until the two searches meet (Myers' "middle snake").
func middleSnake(a, b []string) (x, y int) {
	n, m := len(a), len(b)
	delta := n - m
	odd := delta%2 != 0
	dmax := (n + m + 1) / 2
	off := dmax + 1
	// vf[off+k]: the furthest x reached on diagonal k = x-y from the start;
	// vb[off+k]: the furthest distance from the end reached on diagonal
	// k of the reversed texts (forward diagonal delta-k).
	vf := make([]int, 2*off+1)
	vb := make([]int, 2*off+1)
	for d := 0; d <= dmax; d++ {
		for k := -d; k <= d; k += 2 {
			var x0 int
			if k == -d || (k != d && vf[off+k-1] < vf[off+k+1]) {
				x0 = vf[off+k+1]
			} else {
				x0 = vf[off+k-1] + 1
			}
			y0 := x0 - k
			x, y := x0, y0
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			vf[off+k] = x
			if kr := delta - k; odd && kr >= -(d-1) && kr <= d-1 && x+vb[off+kr] >= n {
				return x0, y0
			}
		}
		for k := -d; k <= d; k += 2 {
			var u int
			if k == -d || (k != d && vb[off+k-1] < vb[off+k+1]) {
				u = vb[off+k+1]
			} else {
				u = vb[off+k-1] + 1
			}
			v := u - k
			for u < n && v < m && a[n-1-u] == b[m-1-v] {
				u, v = u+1, v+1
			}
			vb[off+k] = u
			if kf := delta - k; !odd && kf >= -d && kf <= d && u+vf[off+kf] >= n {
				return n - u, m - v
			}
		}
	}
	// Unreachable: the searches meet by d = dmax.
	return n / 2, m / 2
}
