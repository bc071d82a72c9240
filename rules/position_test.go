package rules

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestScalarPosition(t *testing.T) {
	tests := []struct {
		name string
		src  string // a mapping with key "when"
		find string // position of this text in the value
		line int
		col  int
	}{
		{"plain", "when: a && b", "b", 1, 12},
		{"plain, start", "when: a && b", "a", 1, 7},
		{"double quoted", `when: "a && b"`, "b", 1, 13},
		{"double quoted escape", `when: "x == \"q\" && b"`, "b", 1, 22},
		{"single quoted", `when: 'x == ''q'' && b'`, "b", 1, 22},
		{"literal", "when: |\n  a &&\n    b\n", "b", 3, 5},
		{"literal with comment", "when: |  # c\n  a &&\n  b\n", "b", 3, 3},
		{"folded", "when: >\n  a &&\n  b\n", "b", 3, 3},
		{"plain multi-line", "when: a &&\n  b\n", "b", 2, 3},
		{"nested", "rules:\n  - when: a\n      && b\n", "b", 3, 10},
		{"non-ASCII", "when: x == \"é\" && b", "b", 1, 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.src), &doc); err != nil {
				t.Fatal(err)
			}
			n := find(&doc, "when")
			off := len([]rune(n.Value[:strings.LastIndex(n.Value, tt.find)]))
			line, col := scalarPosition([]rune(tt.src), n, n.Value, off)
			if line != tt.line || col != tt.col {
				t.Errorf("%q in %q: got %d:%d, want %d:%d", tt.find, n.Value, line, col, tt.line, tt.col)
			}
		})
	}
}

// find returns the value node of the first key named key.
func find(n *yaml.Node, key string) *yaml.Node {
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && c.Value == key {
			return n.Content[i+1]
		}
		if v := find(c, key); v != nil {
			return v
		}
	}
	return nil
}
