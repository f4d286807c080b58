package file

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// BenchmarkSourcePoll reads a 100 MB file of 100-byte lines through Poll,
// as the runtime would, with no Kafka behind it. One op is the whole file.
func BenchmarkSourcePoll(b *testing.B) {
	const lineLen, size = 100, 100 << 20
	path := filepath.Join(b.TempDir(), "in.txt")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	line := strings.Repeat("0123456789", lineLen/10-1) + "abcdefghi\n"
	lines := size / lineLen
	for range lines {
		w.WriteString(line)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()

	ctx := context.Background()
	b.SetBytes(int64(lines * lineLen))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		task := newSourceTask(anywhere)
		task.idle = time.Millisecond
		if err := task.Start(ctx, map[string]string{FileConfig: path, TopicConfig: "t"}, &fakeOffsets{}); err != nil {
			b.Fatal(err)
		}
		var n int
		var last plugin.Record
		for n < lines {
			recs, err := task.Poll(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n += len(recs)
			if len(recs) > 0 {
				last = recs[len(recs)-1]
			}
		}
		if last.SourceOffset[PositionField] != int64(lines*lineLen) {
			b.Fatalf("ended at %v", last.SourceOffset)
		}
		task.Stop()
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkSinkPut writes 100-byte string values, 2000 per Put, flushing
// (with fsync) every 50 Puts.
func BenchmarkSinkPut(b *testing.B) {
	task := newSinkTask(anywhere)
	path := filepath.Join(b.TempDir(), "out.txt")
	if err := task.Start(context.Background(), map[string]string{FileConfig: path}); err != nil {
		b.Fatal(err)
	}
	defer task.Stop()
	recs := make([]plugin.Record, 2000)
	for i := range recs {
		recs[i].Value = strings.Repeat("x", 99)
	}
	b.SetBytes(int64(len(recs) * 100))
	b.ReportAllocs()
	for i := range b.N {
		if err := task.Put(context.Background(), recs); err != nil {
			b.Fatal(err)
		}
		if i%50 == 49 {
			task.Flush(context.Background(), nil)
		}
	}
	b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
