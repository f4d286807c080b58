package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// fakeOffsets is an OffsetReader holding offsets by filename; it counts
// lookups.
type fakeOffsets struct {
	mu      sync.Mutex
	byFile  map[string]map[string]any
	lookups int
	err     error
}

func (f *fakeOffsets) Offset(_ context.Context, partition map[string]any) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	name, _ := partition[FilenameField].(string)
	return f.byFile[name], f.err
}

var testTime = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// startSource starts a task on path with extra settings; idle Polls wait
// 5 ms.
func startSource(t *testing.T, offsets *fakeOffsets, props map[string]string) *sourceTask {
	t.Helper()
	task := newSourceTask(anywhere)
	task.idle = 5 * time.Millisecond
	task.now = func() time.Time { return testTime }
	if offsets == nil {
		offsets = &fakeOffsets{}
	}
	all := map[string]string{TopicConfig: "lines"}
	maps.Copy(all, props)
	if err := task.Start(context.Background(), all, offsets); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { task.Stop() })
	return task
}

func poll(t *testing.T, task *sourceTask) []plugin.Record {
	t.Helper()
	recs, err := task.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// lineAt is what a record should hold: its text and the position after it.
type lineAt struct {
	text string
	pos  int64
}

func checkRecords(t *testing.T, got []plugin.Record, file string, want ...lineAt) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d: %v", len(got), len(want), got)
	}
	for i, r := range got {
		w := plugin.Record{
			Topic: "lines", Partition: plugin.NoPartition,
			ValueSchema: &plugin.Schema{Type: plugin.String}, Value: want[i].text, Timestamp: testTime,
			SourcePartition: map[string]any{FilenameField: file},
			SourceOffset:    map[string]any{PositionField: want[i].pos},
		}
		if !reflect.DeepEqual(r, w) {
			t.Errorf("record %d:\n got %#v\nwant %#v", i, r, w)
		}
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// The sequence of Java's FileStreamSourceTaskTest.testNormalLifecycle: a
// partial line waits for its newline; "\n", "\r\n" and a lone "\r" end
// lines; a trailing "\r" waits for the next byte.
func TestSourceLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	appendTo(t, path, "")
	offsets := &fakeOffsets{}
	task := startSource(t, offsets, map[string]string{FileConfig: path})

	checkRecords(t, poll(t, task), path)
	appendTo(t, path, "partial line")
	checkRecords(t, poll(t, task), path)
	appendTo(t, path, " finished\n")
	checkRecords(t, poll(t, task), path, lineAt{"partial line finished", 22})
	checkRecords(t, poll(t, task), path)

	appendTo(t, path, "line1\rline2\r\nline3\nline4\n\r")
	checkRecords(t, poll(t, task), path,
		lineAt{"line1", 28}, lineAt{"line2", 35}, lineAt{"line3", 41}, lineAt{"line4", 47})
	appendTo(t, path, "subsequent text")
	checkRecords(t, poll(t, task), path, lineAt{"", 48})

	if offsets.lookups != 1 {
		t.Errorf("%d offset lookups, want 1", offsets.lookups)
	}
}

func TestSourceEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.txt")
	appendTo(t, path, "")
	task := startSource(t, nil, map[string]string{FileConfig: path})
	for range 3 {
		checkRecords(t, poll(t, task), path)
	}
}

// Java waits for a missing file to be created, returning nothing; the
// offset is looked up once the file opens.
func TestSourceMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "later.txt")
	offsets := &fakeOffsets{}
	task := startSource(t, offsets, map[string]string{FileConfig: path})
	for range 3 {
		checkRecords(t, poll(t, task), path)
	}
	if offsets.lookups != 0 {
		t.Fatalf("offset read before the file exists")
	}
	appendTo(t, path, "hello\n")
	checkRecords(t, poll(t, task), path, lineAt{"hello", 6})
	if offsets.lookups != 1 {
		t.Errorf("%d offset lookups, want 1", offsets.lookups)
	}
}

// A restart resumes at the stored position: no line before it comes again.
func TestSourceResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	appendTo(t, path, "one\ntwo\nthree\n")
	for _, pos := range []any{int64(8), 8, int32(8), json.Number("8")} {
		t.Run(fmt.Sprintf("%T", pos), func(t *testing.T) {
			offsets := &fakeOffsets{byFile: map[string]map[string]any{path: {PositionField: pos}}}
			task := startSource(t, offsets, map[string]string{FileConfig: path})
			checkRecords(t, poll(t, task), path, lineAt{"three", 14})
		})
	}
}

// A first run, then a second task continuing from the last record's offset
// (as the runtime would store it) sees each line once.
func TestSourceRestartNoDuplicates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprintf("line-%d", i))
	}
	appendTo(t, path, strings.Join(want[:30], "\n")+"\n"+want[30]) // line 30 is partial
	first := startSource(t, nil, map[string]string{FileConfig: path, BatchSizeConfig: "7"})
	var got []string
	var last map[string]any
	for {
		recs := poll(t, first)
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			got = append(got, r.Value.(string))
			last = r.SourceOffset
		}
	}
	first.Stop()
	appendTo(t, path, "\n"+strings.Join(want[31:], "\n")+"\n")

	offsets := &fakeOffsets{byFile: map[string]map[string]any{path: last}}
	second := startSource(t, offsets, map[string]string{FileConfig: path})
	for _, r := range poll(t, second) {
		got = append(got, r.Value.(string))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

// A stored position past the end of the file (the file was replaced by a
// shorter one) gives nothing until the file grows past it, as Java's skip
// loop does.
func TestSourcePositionPastEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	appendTo(t, path, "short\n")
	offsets := &fakeOffsets{byFile: map[string]map[string]any{path: {PositionField: int64(10)}}}
	task := startSource(t, offsets, map[string]string{FileConfig: path})
	checkRecords(t, poll(t, task), path)
	appendTo(t, path, "0123456789\n") // bytes 6..16
	checkRecords(t, poll(t, task), path, lineAt{"456789", 17})
}

func TestSourceBadOffsets(t *testing.T) {
	cases := []struct {
		pos  any
		want string
	}{
		{1.5, "offset position is the incorrect type"},
		{"12", "offset position is the incorrect type"},
		{json.Number("1.5"), "offset position is the incorrect type"},
		{int64(-1), "offset position -1 is negative"},
	}
	path := filepath.Join(t.TempDir(), "in.txt")
	appendTo(t, path, "x\n")
	for _, c := range cases {
		offsets := &fakeOffsets{byFile: map[string]map[string]any{path: {PositionField: c.pos}}}
		task := startSource(t, offsets, map[string]string{FileConfig: path})
		if _, err := task.Poll(context.Background()); err == nil || err.Error() != c.want {
			t.Errorf("%#v: got %v, want %s", c.pos, err, c.want)
		}
	}
	// A null position, or no offset, starts at 0.
	for _, off := range []map[string]any{nil, {PositionField: nil}} {
		task := startSource(t, &fakeOffsets{byFile: map[string]map[string]any{path: off}}, map[string]string{FileConfig: path})
		checkRecords(t, poll(t, task), path, lineAt{"x", 2})
	}
	failing := &fakeOffsets{err: errors.New("store down")}
	task := startSource(t, failing, map[string]string{FileConfig: path})
	if _, err := task.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "store down") {
		t.Errorf("got %v", err)
	}
}

func TestSourceBatchSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	line := "Neque porro quisquam est qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit...\n"
	appendTo(t, path, strings.Repeat(line, 10000))
	for _, c := range []struct {
		batch string
		sizes []int
	}{
		{"5000", []int{5000, 5000, 0}},
		{"", []int{2000, 2000, 2000, 2000, 2000, 0}},
		{"0", []int{1, 1}}, // Java returns after the first record
	} {
		props := map[string]string{FileConfig: path}
		if c.batch != "" {
			props[BatchSizeConfig] = c.batch
		}
		task := startSource(t, nil, props)
		for i, n := range c.sizes {
			recs := poll(t, task)
			if len(recs) != n {
				t.Fatalf("batch.size %q poll %d: %d records, want %d", c.batch, i, len(recs), n)
			}
			for j, r := range recs {
				if r.Value != line[:len(line)-1] {
					t.Fatalf("record %d: %q", j, r.Value)
				}
			}
		}
	}
}

// Lines appended while the task runs all arrive once, in order, with
// positions matching the file.
func TestSourceTailsAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	appendTo(t, path, "")
	task := startSource(t, nil, map[string]string{FileConfig: path, BatchSizeConfig: "100"})
	const n = 3000
	done := make(chan struct{})
	go func() {
		defer close(done)
		f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		defer f.Close()
		for i := range n {
			// Lines arrive in pieces, as a writer without buffering would.
			s := fmt.Sprintf("record %d\n", i)
			f.WriteString(s[:3])
			f.WriteString(s[3:])
		}
	}()
	var pos int64
	for i := 0; i < n; {
		for _, r := range poll(t, task) {
			want := fmt.Sprintf("record %d", i)
			pos += int64(len(want) + 1)
			if r.Value != want || r.SourceOffset[PositionField] != pos {
				t.Fatalf("got %q at %v, want %q at %d", r.Value, r.SourceOffset, want, pos)
			}
			i++
		}
	}
	<-done
	if info, _ := os.Stat(path); info.Size() != pos {
		t.Errorf("last position %d, file size %d", pos, info.Size())
	}
}

// Bytes that are not UTF-8 become U+FFFD, as Java's reader decodes them.
func TestSourceInvalidUTF8(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	appendTo(t, path, "ok\xff\nété\n")
	task := startSource(t, nil, map[string]string{FileConfig: path})
	checkRecords(t, poll(t, task), path, lineAt{"ok\uFFFD", 4}, lineAt{"été", 10})
}

// Java trims the file setting; the partition holds the trimmed name.
func TestSourceTrimsFilename(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	appendTo(t, path, "a\n")
	task := startSource(t, nil, map[string]string{FileConfig: "  " + path + "\t", TopicConfig: " lines "})
	checkRecords(t, poll(t, task), path, lineAt{"a", 2})
}

// Without a file the task reads standard input, with Java's null filename
// and positions.
func TestSourceStdin(t *testing.T) {
	r, w := io.Pipe()
	task := newSourceTask(anywhere)
	task.stdin = r
	task.idle = time.Second
	if err := task.Start(context.Background(), map[string]string{TopicConfig: "lines", FileConfig: " "}, &fakeOffsets{}); err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write([]byte("first\nsec"))
		w.Write([]byte("ond\n"))
	}()
	var got []plugin.Record
	for len(got) < 2 {
		got = append(got, poll(t, task)...)
	}
	for i, want := range []string{"first", "second"} {
		r := got[i]
		if r.Value != want || !reflect.DeepEqual(r.SourcePartition, map[string]any{FilenameField: nil}) ||
			!reflect.DeepEqual(r.SourceOffset, map[string]any{PositionField: nil}) {
			t.Errorf("record %d: %#v", i, r)
		}
	}
	task.Stop()
	w.Close() // lets the reading goroutine end
}

// An idle Poll returns when its context ends or the task stops, well before
// its wait is over.
func TestSourcePollReturnsOnCancel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.txt")
	for _, missing := range []bool{true, false} {
		if !missing {
			appendTo(t, path, "")
		}
		task := startSource(t, nil, map[string]string{FileConfig: path})
		task.idle = time.Hour

		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		start := time.Now()
		if recs, err := task.Poll(ctx); recs != nil || err != nil {
			t.Fatalf("got %v, %v", recs, err)
		}
		cancel()
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Poll took %v after its context ended", d)
		}

		go func() {
			time.Sleep(20 * time.Millisecond)
			task.Stop()
		}()
		if recs, err := task.Poll(context.Background()); recs != nil || err != nil {
			t.Fatalf("got %v, %v", recs, err)
		}
		if recs, err := task.Poll(context.Background()); recs != nil || err != nil {
			t.Fatalf("after Stop: got %v, %v", recs, err)
		}
	}
}
