package assign

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkCooperative1000x10Over100 times one cooperative round for 1,000
// connectors with 10 tasks each over 100 workers: in a steady group, and
// right after a worker joins (the revocation round).
func BenchmarkCooperative1000x10Over100(b *testing.B) {
	c := newCluster()
	c.maxDelay = 300 * time.Second
	tasks := make(map[string]int, 1000)
	for i := range 1000 {
		tasks[fmt.Sprintf("connector-%04d", i)] = 10
	}
	c.setConfig(1, tasks)
	for i := range 100 {
		if err := c.join(fmt.Sprintf("worker-%03d", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := c.settle(4); err != nil {
		b.Fatal(err)
	}
	b.Run("steady", func(b *testing.B) { benchmarkRound(b, c.input()) })
	if err := c.join("worker-new"); err != nil {
		b.Fatal(err)
	}
	b.Run("join", func(b *testing.B) { benchmarkRound(b, c.input()) })
}

func benchmarkRound(b *testing.B, in Input) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Cooperative(in); err != nil {
			b.Fatal(err)
		}
	}
}
