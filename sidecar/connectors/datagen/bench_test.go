package datagen

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkPoll is the cost of generating records through Poll with no
// rate limit: ns/op is ns per record.
func BenchmarkPoll(b *testing.B) {
	for _, c := range []struct {
		schemas     string
		size        int
		cardinality int
	}{
		{"true", 100, 0}, {"true", 1024, 1000}, {"false", 100, 0}, {"false", 1024, 1000},
	} {
		name := fmt.Sprintf("schemas=%s/size=%d/keys=%d", c.schemas, c.size, c.cardinality)
		b.Run(name, func(b *testing.B) {
			p := props(SchemasConfig, c.schemas, RecordSizeConfig, fmt.Sprint(c.size),
				KeyCardinalityConfig, fmt.Sprint(c.cardinality), BatchSizeConfig, "1000")
			tk := newTask()
			if err := tk.Start(context.Background(), p, fakeOffsets{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for n := 0; n < b.N; {
				recs, err := tk.Poll(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				n += len(recs)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
