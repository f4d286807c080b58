package offsetstore

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/stores/javajson"
)

func startStore(t testing.TB, w config.Worker) *Store {
	t.Helper()
	s := NewStore(kafkatest.Clients(t, w), w, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
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
