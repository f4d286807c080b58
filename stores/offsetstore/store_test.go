package offsetstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

func startStore(t testing.TB, w config.Worker) *Store {
	t.Helper()
	return kafkatest.Started(t, NewStore(kafkatest.Clients(t, w), w, kafkatest.Quiet()))
}

func TestFlushedOffsetsAreFoundAfterARestart(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "g"))
	ctx := context.Background()
	wr := startStore(t, w).Writer("files")
	part := map[string]any{"filename": "/tmp/in.txt"}
	other := map[string]any{"filename": "/tmp/other.txt"}
	for pos := range int64(5) {
		if err := wr.Offset(part, map[string]any{"position": pos}); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Offset(other, map[string]any{"position": int64(7)}); err != nil {
		t.Fatal(err)
	}
	if err := wr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := wr.Flush(ctx); err != nil {
		t.Fatalf("empty flush: %v", err)
	}

	s := startStore(t, w)
	got, ok, err := s.Offset(ctx, "files", part)
	if err != nil || !ok || !equal(got, javajson.HashMap{{Key: "position", Value: int64(4)}}) {
		t.Fatalf("offset %v, %v, %v; want position 4, the last one recorded", got, ok, err)
	}
	if err := s.Write(ctx, "files", []Offset{{Partition: other}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := startStore(t, w).Offset(ctx, "files", other); ok {
		t.Error("deleted offset is still found")
	}
}

func TestOffsetsMayOnlyHoldPrimitives(t *testing.T) {
	b := kafkatest.Start(t)
	s := startStore(t, kafkatest.Worker(t, b, kafkatest.Name(t, "g")))
	err := s.Writer("c").Offset(map[string]any{"file": []any{"a"}}, nil)
	if err == nil {
		t.Fatal("a nested partition value was accepted")
	}
}

func equal(a, b javajson.HashMap) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFlushEveryCommitsPeriodicallyAndOnStop(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "g"))
	s := startStore(t, w)
	wr := s.Writer("files")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		wr.FlushEvery(ctx, 20*time.Millisecond, func(err error) { t.Error(err) })
	}()
	part := map[string]any{"filename": "a"}
	must(t, wr.Offset(part, map[string]any{"position": int64(1)}))
	kafkatest.Eventually(t, 10*time.Second, func() error {
		if _, ok, err := s.Offset(context.Background(), "files", part); !ok || err != nil {
			return fmt.Errorf("not flushed yet (%v)", err)
		}
		return nil
	})
	must(t, wr.Offset(part, map[string]any{"position": int64(2)}))
	cancel()
	<-done
	got, _, _ := s.Offset(context.Background(), "files", part)
	if !equal(got, javajson.HashMap{{Key: "position", Value: int64(2)}}) {
		t.Errorf("after stop: %v, want position 2 flushed on the way out", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
