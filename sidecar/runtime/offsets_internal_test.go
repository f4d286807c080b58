package runtime

import (
	"fmt"
	"reflect"
	"testing"
)

// The tracker's contract, step by step: acknowledgements in any order,
// commits only over the contiguous acknowledged prefix of each source
// partition.
func TestTrackerCommitsContiguousPrefix(t *testing.T) {
	tr := newTracker()
	part := func(p string) map[string]any { return map[string]any{"file": p} }
	off := func(n int) map[string]any { return map[string]any{"n": n} }
	a := make([]*submitted, 4)
	for i := range a {
		a[i] = tr.submit("a", part("a"), off(i))
	}
	b0 := tr.submit("b", part("b"), off(0))

	steps := []struct {
		ack  []*submitted
		want []string
	}{
		{[]*submitted{a[2]}, nil},                   // waits for a0 and a1
		{[]*submitted{b0}, []string{"b:0"}},         // another partition is not held up
		{[]*submitted{a[0]}, []string{"a:0"}},       // a1 still outstanding
		{[]*submitted{a[3], a[1]}, []string{"a:3"}}, // closes the gap: a1..a3 at once
	}
	for i, s := range steps {
		var got []string
		for _, c := range tr.ack(s.ack...) {
			got = append(got, fmt.Sprintf("%s:%d", c.partition["file"], c.offset["n"]))
		}
		if !reflect.DeepEqual(got, s.want) {
			t.Errorf("step %d: committable %v, want %v", i, got, s.want)
		}
	}
	if len(tr.queues) != 0 {
		t.Errorf("%d source partitions still have records pending", len(tr.queues))
	}
}
