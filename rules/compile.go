package rules

import (
	"errors"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"
)

// compile compiles a `when` expression against Env, reporting errors at
// their position in the YAML file: the scalar's position plus expr's
// position inside the expression.
func (d *decoder) compile(n *yaml.Node, when string) *vm.Program {
	p, err := expr.Compile(when, compileOptions(d.exprOpts)...)
	if err == nil {
		return p
	}
	line, col := n.Line, n.Column
	msg := err.Error()
	var fe *file.Error
	if errors.As(err, &fe) {
		msg = fe.Message
		if fe.Line > 0 {
			line, col = scalarPosition(d.src, n, when, exprOffset(when, fe.Line, fe.Column))
		}
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Column: col, Msg: "when: " + msg})
	return nil
}

// exprOffset converts expr's 1-based line and 0-based column (in runes)
// into a rune offset in the expression.
func exprOffset(s string, line, col int) int {
	off := 0
	for i, l := range strings.Split(s, "\n") {
		if i == line-1 {
			return off + col
		}
		off += len([]rune(l)) + 1
	}
	return off
}
