package wire

import (
	"slices"
	"testing"
)

func TestWorkPlusAndMinus(t *testing.T) {
	a := Work{Connectors: []string{"c1", "c2"}, Tasks: []TaskID{{"c1", 0}, {"c1", 1}}}
	b := Work{Connectors: []string{"c2", "c3"}, Tasks: []TaskID{{"c1", 1}, {"c3", 0}}}
	plus := a.Plus(b)
	if !slices.Equal(plus.Connectors, []string{"c1", "c2", "c3"}) || !slices.Equal(plus.Tasks, []TaskID{{"c1", 0}, {"c1", 1}, {"c3", 0}}) {
		t.Errorf("Plus = %+v", plus)
	}
	minus := a.Minus(b)
	if !slices.Equal(minus.Connectors, []string{"c1"}) || !slices.Equal(minus.Tasks, []TaskID{{"c1", 0}}) {
		t.Errorf("Minus = %+v", minus)
	}
}
