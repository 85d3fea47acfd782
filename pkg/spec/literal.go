package spec

import (
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// A large configuration is mostly literal: thousands of organization blocks
// with member blocks whose roles are lists of quoted strings. hclsyntax
// lexes a whole file into tokens before parsing it (about 100 bytes per
// token, in a slice grown by appending), which made up most of the time and
// memory of a load. parseLiteral builds the same syntax tree directly from
// the source for the literal subset of the native syntax:
//
//   - blocks with quoted or bare labels, written over several lines (or as
//     an empty "{}"), and attributes, one per line;
//   - quoted strings of printable ASCII without escapes or template
//     sequences ("${", "%{"), numbers like 12 or 1.5, true, false, null,
//     bare names (as in ignore_changes = [description]), and tuples and
//     objects of those;
//   - "#" and "//" comments that end with a newline, spaces and tabs.
//
// Anything else (a reference, a function call, an operator, a heredoc, a
// single-line block with content, a non-ASCII character outside a comment,
// a syntax error) makes it give up, and the file is parsed by hclsyntax, so
// every diagnostic stays hclsyntax's own. For the files it accepts the tree
// is the one hclsyntax.ParseConfig builds (TestParseLiteralMatchesHclsyntax
// compares them), except for the file's Nav, which parses the file again
// when a diagnostic asks for the block around a position.

// literalParser reads one file.
type literalParser struct {
	src      []byte
	filename string
	i        int     // next byte
	pos      hcl.Pos // position of src[i]

	// skipType, when set, is a top-level block type whose items are
	// checked but not built; skipped counts them. skipping is set while
	// one is read.
	skipType string
	skipped  int
	skipping bool
}

// errNotLiteral stops the parse when the source leaves the subset.
type errNotLiteral struct{}

// parseLiteral parses src if it is in the literal subset; ok is false when
// it is not (nothing was reported: parse it with hclsyntax).
func parseLiteral(src []byte, filename string) (f *hcl.File, ok bool) {
	f, _, ok = parseLiteralSkipping(src, filename, "")
	return f, ok
}

// parseLiteralSkipping is parseLiteral leaving out of the tree the
// top-level items named skipType (it accepts exactly the files parseLiteral
// does); skipped counts them.
func parseLiteralSkipping(src []byte, filename, skipType string) (f *hcl.File, skipped int, ok bool) {
	if !utf8.Valid(src) {
		return nil, 0, false // hclsyntax's own account of the bad bytes
	}
	p := &literalParser{src: src, filename: filename, pos: hcl.InitialPos, skipType: skipType}
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(errNotLiteral); !is {
				panic(r)
			}
			f, skipped, ok = nil, 0, false
		}
	}()
	body := p.topBody()
	return &hcl.File{Body: body, Bytes: src, Nav: &reparsedNav{src: src, filename: filename}}, p.skipped, true
}

// What a skipped item's expressions read as: nothing is built for them.
var (
	skippedValue  hclsyntax.Expression = &hclsyntax.LiteralValueExpr{}
	skippedTuple  hclsyntax.Expression = &hclsyntax.TupleConsExpr{}
	skippedObject hclsyntax.Expression = &hclsyntax.ObjectConsExpr{}
)

func (p *literalParser) fail() { panic(errNotLiteral{}) }

func (p *literalParser) peekByte() byte {
	if p.i < len(p.src) {
		return p.src[p.i]
	}
	return 0
}

// advance moves over n bytes of one line (no newline among them).
func (p *literalParser) advance(n int) {
	p.i += n
	p.pos.Byte += n
	p.pos.Column += n
}

// newline moves over a '\n'.
func (p *literalParser) newline() {
	p.i++
	p.pos.Byte++
	p.pos.Line++
	p.pos.Column = 1
}

func (p *literalParser) rangeFrom(start hcl.Pos) hcl.Range {
	return hcl.Range{Filename: p.filename, Start: start, End: p.pos}
}

// spaces skips spaces and tabs.
func (p *literalParser) spaces() {
	for p.i < len(p.src) && (p.src[p.i] == ' ' || p.src[p.i] == '\t') {
		p.advance(1)
	}
}

// lineEnd reads a newline, or a line comment with its newline (which
// hclsyntax reads as a newline token with the comment's range), and
// returns its range; ok is false when there is none at p.i.
func (p *literalParser) lineEnd() (hcl.Range, bool) {
	start := p.pos
	switch c := p.peekByte(); {
	case c == '\n':
		p.newline()
		return p.rangeFrom(start), true
	case c == '#' || c == '/' && p.i+1 < len(p.src) && p.src[p.i+1] == '/':
		for p.i < len(p.src) && p.src[p.i] != '\n' {
			if p.src[p.i] == '\r' {
				p.fail()
			}
			p.i++
			p.pos.Byte++
		}
		if p.i == len(p.src) {
			p.fail() // a comment at the end of the file without a newline
		}
		p.newline()
		return p.rangeFrom(start), true
	case c == '/':
		p.fail() // a /* comment */
	}
	return hcl.Range{}, false
}

// skipBlank skips spaces, newlines and comments (inside a tuple, where
// newlines do not count).
func (p *literalParser) skipBlank() {
	for {
		p.spaces()
		if _, ok := p.lineEnd(); !ok {
			return
		}
	}
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isIdentByte(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' || c == '-' }

// ident reads a name.
func (p *literalParser) ident() ([]byte, hcl.Range) {
	start, from := p.pos, p.i
	if !isIdentStart(p.peekByte()) {
		p.fail()
	}
	for p.i < len(p.src) && isIdentByte(p.src[p.i]) {
		p.advance(1)
	}
	return p.src[from:p.i], p.rangeFrom(start)
}

// token reads a one-byte token c.
func (p *literalParser) token(c byte) hcl.Range {
	if p.peekByte() != c {
		p.fail()
	}
	start := p.pos
	p.advance(1)
	return p.rangeFrom(start)
}

// quoted reads a quoted string: its value, the range of the whole and of
// the characters between the quotes.
func (p *literalParser) quoted() (value []byte, all, inner hcl.Range) {
	open := p.token('"')
	start, from := p.pos, p.i
	for {
		if p.i >= len(p.src) {
			p.fail()
		}
		c := p.src[p.i]
		if c == '"' {
			break
		}
		if c < 0x20 || c >= 0x7f || c == '\\' || (c == '$' || c == '%') && p.i+1 < len(p.src) && p.src[p.i+1] == '{' {
			p.fail()
		}
		p.advance(1)
	}
	value, inner = p.src[from:p.i], p.rangeFrom(start)
	closing := p.token('"')
	return value, hcl.RangeBetween(open, closing), inner
}

func (p *literalParser) topBody() *hclsyntax.Body {
	body := &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, Blocks: hclsyntax.Blocks{}}
	first := true
	var startRange hcl.Range // of the first token, as hclsyntax takes it
	var skippedNames [][]byte
	for {
		p.spaces()
		if p.i == len(p.src) {
			eof := p.rangeFrom(p.pos)
			if first {
				startRange = eof
			}
			body.SrcRange = hcl.RangeBetween(startRange, eof)
			body.EndRange = hcl.Range{Filename: p.filename, Start: eof.End, End: eof.End}
			return body
		}
		if rng, ok := p.lineEnd(); ok {
			if first {
				startRange, first = rng, false
			}
			continue
		}
		p.skipping = p.skipType != "" && p.nameIs(p.skipType)
		var nameRange hcl.Range
		if p.skipping {
			p.skipped++
			nameRange = p.bodyItem(nil, &skippedNames, true)
			p.skipping = false
		} else {
			nameRange = p.bodyItem(body, nil, true)
		}
		if first {
			startRange, first = nameRange, false
		}
	}
}

// nameIs reports whether the name at p.i is name.
func (p *literalParser) nameIs(name string) bool {
	end := p.i
	for end < len(p.src) && isIdentByte(p.src[end]) {
		end++
	}
	return string(p.src[p.i:end]) == name
}

// blockBody reads the body of a block after its "{", up to and with its
// "}", and returns it (nil while skipping) with the range of the "}".
func (p *literalParser) blockBody(open hcl.Range) (*hclsyntax.Body, hcl.Range) {
	var body *hclsyntax.Body
	var names [][]byte // the attributes, while skipping
	if !p.skipping {
		body = &hclsyntax.Body{Attributes: hclsyntax.Attributes{}, Blocks: hclsyntax.Blocks{}}
	}
	for {
		p.spaces()
		if p.peekByte() == '}' {
			closing := p.token('}')
			if body != nil {
				body.SrcRange = hcl.RangeBetween(open, closing)
				body.EndRange = hcl.Range{Filename: p.filename, Start: closing.End, End: closing.End}
			}
			return body, closing
		}
		if _, ok := p.lineEnd(); ok {
			continue
		}
		p.bodyItem(body, &names, false)
	}
}

// endOfItem reads what ends an attribute or a block: a newline (or a line
// comment), or the end of the file at the top level.
func (p *literalParser) endOfItem(top bool) {
	p.spaces()
	if _, ok := p.lineEnd(); ok {
		return
	}
	if !top || p.i != len(p.src) {
		p.fail()
	}
}

// bodyItem reads an attribute or a block into body and returns the range of
// its name. While skipping, body is nil and names collects the attribute
// names, for the same check of duplicates.
func (p *literalParser) bodyItem(body *hclsyntax.Body, names *[][]byte, top bool) hcl.Range {
	name, nameRange := p.ident()
	p.spaces()
	if p.peekByte() == '=' {
		if p.i+1 < len(p.src) && p.src[p.i+1] == '=' {
			p.fail()
		}
		equals := p.token('=')
		p.spaces()
		expr := p.expression()
		if body == nil {
			for _, n := range *names {
				if string(n) == string(name) {
					p.fail()
				}
			}
			*names = append(*names, name)
		} else {
			if _, dup := body.Attributes[string(name)]; dup {
				p.fail() // hclsyntax reports it
			}
			body.Attributes[string(name)] = &hclsyntax.Attribute{
				Name:        string(name),
				Expr:        expr,
				SrcRange:    hcl.RangeBetween(nameRange, expr.Range()),
				NameRange:   nameRange,
				EqualsRange: equals,
			}
		}
		p.endOfItem(top)
		return nameRange
	}
	var block *hclsyntax.Block
	if body != nil {
		block = &hclsyntax.Block{Type: string(name), TypeRange: nameRange}
	}
	for {
		p.spaces()
		switch c := p.peekByte(); {
		case c == '"':
			label, all, _ := p.quoted()
			if block != nil {
				block.Labels = append(block.Labels, string(label))
				block.LabelRanges = append(block.LabelRanges, all)
			}
			continue
		case isIdentStart(c):
			label, rng := p.ident()
			if block != nil {
				block.Labels = append(block.Labels, string(label))
				block.LabelRanges = append(block.LabelRanges, rng)
			}
			continue
		case c != '{':
			p.fail()
		}
		break
	}
	open := p.token('{')
	p.spaces()
	if c := p.peekByte(); c != '}' && c != '\n' && c != '#' && c != '/' {
		p.fail() // a single-line block with content
	}
	inner, closing := p.blockBody(open)
	if block != nil {
		block.OpenBraceRange, block.Body, block.CloseBraceRange = open, inner, closing
		body.Blocks = append(body.Blocks, block)
	}
	p.endOfItem(top)
	return nameRange
}

// expression reads a literal expression.
func (p *literalParser) expression() hclsyntax.Expression {
	start := p.pos
	switch c := p.peekByte(); {
	case c == '"':
		value, all, inner := p.quoted()
		if p.skipping {
			return skippedValue
		}
		if len(value) == 0 {
			// hclsyntax gives an empty string one empty part, just after
			// the closing quote.
			inner = hcl.Range{Filename: p.filename, Start: all.End, End: all.End}
		}
		return &hclsyntax.TemplateExpr{
			Parts:    []hclsyntax.Expression{&hclsyntax.LiteralValueExpr{Val: cty.StringVal(string(value)), SrcRange: inner}},
			SrcRange: all,
		}
	case c >= '0' && c <= '9':
		from := p.i
		p.digits()
		if p.peekByte() == '.' && p.i+1 < len(p.src) && p.src[p.i+1] >= '0' && p.src[p.i+1] <= '9' {
			p.advance(1)
			p.digits()
		}
		if p.i < len(p.src) && (isIdentByte(p.src[p.i]) || p.src[p.i] == '.') {
			p.fail()
		}
		if p.skipping {
			return skippedValue // digits with at most one fraction always parse
		}
		v, err := cty.ParseNumberVal(string(p.src[from:p.i]))
		if err != nil {
			p.fail()
		}
		return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: p.rangeFrom(start)}
	case isIdentStart(c):
		name, rng := p.ident()
		if n := p.peekByte(); n == '.' || n == '[' || n == '(' || n == ':' {
			p.fail() // a traversal or a function call
		}
		var keyword cty.Value
		isKeyword := true
		switch string(name) {
		case "true":
			keyword = cty.True
		case "false":
			keyword = cty.False
		case "null":
			keyword = cty.NullVal(cty.DynamicPseudoType)
		case "for":
			p.fail()
		default:
			isKeyword = false
		}
		switch {
		case p.skipping:
			return skippedValue
		case isKeyword:
			return &hclsyntax.LiteralValueExpr{Val: keyword, SrcRange: rng}
		}
		return &hclsyntax.ScopeTraversalExpr{
			Traversal: hcl.Traversal{hcl.TraverseRoot{Name: string(name), SrcRange: rng}},
			SrcRange:  rng,
		}
	case c == '[':
		return p.tuple()
	case c == '{':
		return p.object()
	}
	p.fail()
	return nil
}

func (p *literalParser) digits() {
	for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
		p.advance(1)
	}
}

func (p *literalParser) tuple() hclsyntax.Expression {
	open := p.token('[')
	var exprs []hclsyntax.Expression
	for {
		p.skipBlank()
		if p.peekByte() == ']' {
			break
		}
		e := p.expression()
		if !p.skipping {
			exprs = append(exprs, e)
		}
		p.skipBlank()
		if p.peekByte() == ']' {
			break
		}
		p.token(',')
	}
	closing := p.token(']')
	if p.skipping {
		return skippedTuple
	}
	return &hclsyntax.TupleConsExpr{Exprs: exprs, SrcRange: hcl.RangeBetween(open, closing), OpenRange: open}
}

func (p *literalParser) object() hclsyntax.Expression {
	open := p.token('{')
	var items []hclsyntax.ObjectConsItem
	for {
		p.spaces()
		if _, ok := p.lineEnd(); ok {
			continue
		}
		if p.peekByte() == '}' {
			break
		}
		key := p.expression()
		switch key.(type) {
		case *hclsyntax.TupleConsExpr, *hclsyntax.ObjectConsExpr:
			p.fail()
		}
		p.spaces()
		switch c := p.peekByte(); {
		case c == '=' && !(p.i+1 < len(p.src) && p.src[p.i+1] == '='):
			p.advance(1)
		case c == ':':
			p.advance(1)
		default:
			p.fail()
		}
		p.spaces()
		value := p.expression()
		if !p.skipping {
			items = append(items, hclsyntax.ObjectConsItem{
				KeyExpr:   &hclsyntax.ObjectConsKeyExpr{Wrapped: key},
				ValueExpr: value,
			})
		}
		p.spaces()
		if p.peekByte() == '}' {
			break
		}
		if p.peekByte() == ',' {
			p.advance(1)
			continue
		}
		if _, ok := p.lineEnd(); !ok {
			p.fail()
		}
	}
	closing := p.token('}')
	if p.skipping {
		return skippedObject
	}
	return &hclsyntax.ObjectConsExpr{Items: items, SrcRange: hcl.RangeBetween(open, closing), OpenRange: open}
}
