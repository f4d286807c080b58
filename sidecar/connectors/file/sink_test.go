package file

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func startSink(t *testing.T, props map[string]string) *sinkTask {
	t.Helper()
	task := newSinkTask(anywhere)
	if err := task.Start(context.Background(), props); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { task.Stop() })
	return task
}

func values(vs ...any) []plugin.Record {
	out := make([]plugin.Record, len(vs))
	for i, v := range vs {
		out[i] = plugin.Record{Topic: "t", Partition: 0, Value: v, Offset: int64(i)}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Values are written one per line, visible once Put returns; Flush hands
// back the offsets it was given.
func TestSinkWritesLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	task := startSink(t, map[string]string{FileConfig: path})
	ctx := context.Background()
	if err := task.Put(ctx, values("line1", "line2", nil)); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "line1\nline2\nnull\n" {
		t.Fatalf("after Put: %q", got)
	}
	offsets := map[plugin.TopicPartition]int64{{Topic: "t", Partition: 0}: 3}
	got, err := task.Flush(ctx, offsets)
	if err != nil || !maps.Equal(got, offsets) {
		t.Fatalf("Flush: %v, %v", got, err)
	}
	if err := task.Put(ctx, values("line3")); err != nil {
		t.Fatal(err)
	}
	if err := task.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "line1\nline2\nnull\nline3\n" {
		t.Fatalf("after Stop: %q", got)
	}
}

// The file is appended to, never truncated, and created when missing.
func TestSinkAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	os.WriteFile(path, []byte("before\n"), 0o644)
	task := startSink(t, map[string]string{FileConfig: " " + path + " "})
	task.Put(context.Background(), values("after"))
	task.Stop()
	if got := readFile(t, path); got != "before\nafter\n" {
		t.Errorf("got %q", got)
	}
}

// A Put bigger than the write buffer still writes whole lines.
func TestSinkLargePut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	task := startSink(t, map[string]string{FileConfig: path})
	line := strings.Repeat("x", 999)
	var recs []plugin.Record
	for range 3000 {
		recs = append(recs, plugin.Record{Value: line})
	}
	if err := task.Put(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != strings.Repeat(line+"\n", 3000) {
		t.Errorf("got %d bytes", len(got))
	}
}

// Tasks of one connector share the file; each line arrives whole.
func TestSinkTasksShareFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	c := &SinkConnector{allowed: anywhere}
	if err := c.Start(context.Background(), map[string]string{FileConfig: path, "name": "sink"}); err != nil {
		t.Fatal(err)
	}
	configs, _ := c.TaskConfigs(4)
	var wg sync.WaitGroup
	var want []string
	for i, cfg := range configs {
		task := c.NewTask()
		if err := task.Start(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		var recs []plugin.Record
		for j := range 2000 {
			v := fmt.Sprintf("task %d record %d %s", i, j, strings.Repeat("y", j%300))
			recs = append(recs, plugin.Record{Value: v})
			want = append(want, v)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range slices.Chunk(recs, 100) {
				if err := task.Put(context.Background(), b); err != nil {
					t.Error(err)
				}
			}
			if _, err := task.Flush(context.Background(), nil); err != nil {
				t.Error(err)
			}
			task.Stop()
		}()
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%d lines, want %d; lines were torn or lost", len(got), len(want))
	}
}

func TestSinkStdout(t *testing.T) {
	var out bytes.Buffer
	task := newSinkTask(anywhere)
	task.stdout = &out
	if err := task.Start(context.Background(), map[string]string{}); err != nil {
		t.Fatal(err)
	}
	task.Put(context.Background(), values("a", int32(7)))
	if _, err := task.Flush(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	task.Stop()
	if out.String() != "a\n7\n" {
		t.Errorf("got %q", out.String())
	}
}

func TestSinkCannotCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir.txt")
	err := newSinkTask(anywhere).Start(context.Background(), map[string]string{FileConfig: path})
	want := "Couldn't find or create file '" + path + "' for FileStreamSinkTask: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v", err)
	}
}

// Values print as Java's String.valueOf prints Connect's values.
func TestJavaText(t *testing.T) {
	structSchema := &plugin.Schema{Type: plugin.Struct, Fields: []plugin.Field{
		{Name: "a", Index: 0, Schema: &plugin.Schema{Type: plugin.Int32}},
		{Name: "b", Index: 1, Schema: &plugin.Schema{Type: plugin.String, Optional: true}},
		{Name: "c", Index: 2, Schema: &plugin.Schema{Type: plugin.String}},
	}}
	st := plugin.NewStruct(structSchema)
	st.Put("a", int32(1))
	st.Put("c", "x")
	dec := func(unscaled int64, scale int32) plugin.Decimal {
		return plugin.Decimal{Unscaled: big.NewInt(unscaled), Scale: scale}
	}
	cases := []struct {
		v    any
		want string
	}{
		{nil, "null"},
		{"text", "text"},
		{true, "true"},
		{int8(-8), "-8"},
		{int64(1) << 40, "1099511627776"},
		{1.0, "1.0"},
		{1e7, "1.0E7"},
		{1234567.5, "1234567.5"},
		{0.001, "0.001"},
		{0.0001, "1.0E-4"},
		{-2.5e-10, "-2.5E-10"},
		{float32(0.1), "0.1"},
		{float32(3e10), "3.0E10"},
		{[]byte("raw"), "raw"},
		{[]any{int32(1), "b", nil}, "[1, b, null]"},
		{&plugin.MapValue{Entries: []plugin.MapEntry{{Key: "k", Value: int64(1)}, {Key: "n", Value: nil}}}, "{k=1, n=null}"},
		{st, "Struct{a=1,c=x}"},
		{dec(12345, 2), "123.45"},
		{dec(-12345, 2), "-123.45"},
		{dec(12345, 0), "12345"},
		{dec(12345, 10), "0.0000012345"},
		{dec(1, 7), "1E-7"},
		{dec(123, -2), "1.23E+4"},
		{dec(5, -1), "5E+1"},
		{time.Unix(0, 0), "Thu Jan 01 00:00:00 UTC 1970"},
	}
	for _, c := range cases {
		if got := string(appendJavaText(nil, c.v)); got != c.want {
			t.Errorf("%#v: got %q, want %q", c.v, got, c.want)
		}
	}
}
