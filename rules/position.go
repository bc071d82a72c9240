package rules

import (
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// scalarPosition returns the file line and column (1-based) of the character
// at rune offset off in the value of the scalar node n, read from src.
//
// YAML changes a scalar on its way to a value: quotes and escapes go, block
// scalars lose their indentation, folded and plain multi-line scalars turn
// line breaks into spaces. So we walk the value and the raw text side by side,
// treating any run of white space in one as matching any run in the other.
// If the two disagree we fall back to the start of the node.
func scalarPosition(src []rune, n *yaml.Node, value string, off int) (line, col int) {
	v := []rune(strings.TrimRightFunc(value, unicode.IsSpace))
	off = min(off, len(v))

	c := cursor{src: src, line: 1, col: 1}
	for c.line < n.Line || c.col < n.Column {
		if !c.next() {
			return n.Line, n.Column
		}
	}
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		for c.ok() && c.peek() != '\n' { // the "|" or ">" header line
			c.next()
		}
		c.skipSpace()
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		c.next()
	}

	for k := 0; k < off; {
		if !c.ok() {
			return n.Line, n.Column
		}
		r := c.peek()
		switch {
		case unicode.IsSpace(v[k]):
			for k < off && unicode.IsSpace(v[k]) {
				k++
			}
			c.skipSpace()
		case n.Style == yaml.DoubleQuotedStyle && r == '\\':
			width := map[rune]int{'x': 4, 'u': 6, 'U': 10}[c.at(1)]
			for range max(width, 2) {
				c.next()
			}
			k++
		case n.Style == yaml.SingleQuotedStyle && r == '\'' && c.at(1) == '\'':
			c.next()
			c.next()
			k++
		case r == v[k]:
			k++
			c.next()
		default:
			return n.Line, n.Column
		}
	}
	return c.line, c.col
}

// cursor walks runes of a source, tracking 1-based line and column.
type cursor struct {
	src       []rune
	i         int
	line, col int
}

func (c *cursor) ok() bool   { return c.i < len(c.src) }
func (c *cursor) peek() rune { return c.at(0) }

func (c *cursor) at(k int) rune {
	if c.i+k < len(c.src) {
		return c.src[c.i+k]
	}
	return 0
}

func (c *cursor) next() bool {
	if !c.ok() {
		return false
	}
	if c.src[c.i] == '\n' {
		c.line++
		c.col = 1
	} else {
		c.col++
	}
	c.i++
	return true
}

func (c *cursor) skipSpace() {
	for c.ok() && unicode.IsSpace(c.peek()) {
		c.next()
	}
}
