package file

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// valueSchema is Connect's STRING_SCHEMA, the schema of every line. Records
// share it; it is never changed.
var valueSchema = &plugin.Schema{Type: plugin.String}

// idleWait is how long a Poll that found nothing new waits before it
// returns, as Java's task waits one second.
const idleWait = time.Second

// readBuffer is the splitter's first buffer size; it grows for longer lines.
const readBuffer = 64 << 10

// sourceTask is FileStreamSourceTask: it tails one file (or standard
// input) and turns each complete line into a record.
//
// Offsets: the partition is {"filename": <file as configured, trimmed>}
// and each record's offset is {"position": <byte position just after its
// line terminator>}, an int64, which is where a restart resumes. Java
// counts that position in UTF-16 units while it skips bytes on restart, so
// for ASCII text both agree; for other text Go stores true byte positions
// and, given a position Java stored, skips the same bytes Java would.
type sourceTask struct {
	allowed   AllowedPaths
	cfg       sourceConfig
	offsets   plugin.OffsetReader
	partition map[string]any // shared by all records; read-only

	stop     chan struct{}
	stopOnce sync.Once

	mu    sync.Mutex // held by Poll and Stop
	in    input      // nil until the file is opened
	lines *splitter
	arena []byte // the current batch's lines, end to end
	spans []span // where each line of the batch is in arena

	// Seams for tests.
	idle  time.Duration
	stdin io.Reader
	now   func() time.Time
}

var _ plugin.SourceTask = (*sourceTask)(nil)

func newSourceTask(allowed AllowedPaths) *sourceTask {
	return &sourceTask{allowed: allowed, stop: make(chan struct{}), idle: idleWait, stdin: os.Stdin, now: time.Now}
}

// Start reads the task's settings. Standard input is opened at once; a
// file is opened by Poll, which also waits for it to appear.
func (t *sourceTask) Start(_ context.Context, props map[string]string, offsets plugin.OffsetReader) error {
	cfg, err := parseSource(props)
	if err != nil {
		return err
	}
	t.cfg, t.offsets = cfg, offsets
	if cfg.file == "" {
		// Java keys stdin records by a null filename and null positions.
		t.partition = map[string]any{FilenameField: nil}
		t.in = newStreamInput(t.stdin)
		t.lines = newSplitter(readBuffer, 0)
		return nil
	}
	t.partition = map[string]any{FilenameField: cfg.file}
	return nil
}

// Poll returns up to batch.size lines. When there is no complete line, or
// the file does not exist yet, it waits up to a second (less if ctx ends
// or the task stops) and returns nothing.
func (t *sourceTask) Poll(ctx context.Context) ([]plugin.Record, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped() {
		return nil, nil
	}
	if t.in == nil {
		opened, err := t.open(ctx)
		if err != nil || !opened {
			return nil, err
		}
	}
	records, err := t.readLines()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		t.in.wait(ctx, t.stop, t.idle)
		return nil, nil
	}
	return records, nil
}

// open opens the file and moves to the stored position. A missing file is
// no error: Java waits for it to be created.
func (t *sourceTask) open(ctx context.Context) (bool, error) {
	// Resolved at each try: a link may appear where the file will be.
	path, err := t.allowed.Resolve(t.cfg.file)
	if err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, fs.ErrNotExist) {
		wait(ctx, t.stop, t.idle, nil)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", t.cfg.file, err)
	}
	pos, err := t.storedPosition(ctx)
	if err == nil && pos > 0 {
		// Past the end is fine: reads find nothing until the file grows
		// past pos, which is how Java's skip loop behaves too.
		_, err = f.Seek(pos, io.SeekStart)
	}
	if err != nil {
		f.Close()
		if ctx.Err() != nil {
			return false, nil
		}
		return false, err
	}
	t.in = fileInput{f}
	t.lines = newSplitter(readBuffer, pos)
	return true, nil
}

// ErrPositionType fails a task whose stored position is not an integer,
// as Java's "Offset position is the incorrect type" does.
var ErrPositionType = errors.New("offset position is the incorrect type")

func (t *sourceTask) storedPosition(ctx context.Context) (int64, error) {
	off, err := t.offsets.Offset(ctx, t.partition)
	if err != nil {
		return 0, fmt.Errorf("read offset of %s: %w", t.cfg.file, err)
	}
	return positionOf(off)
}

// positionOf reads {"position": N}; no offset or a null position is 0.
func positionOf(off map[string]any) (int64, error) {
	var pos int64
	switch v := off[PositionField].(type) {
	case nil:
		return 0, nil
	case int64:
		pos = v
	case int:
		pos = int64(v)
	case int32:
		pos = int64(v)
	case json.Number:
		p, err := v.Int64()
		if err != nil {
			return 0, ErrPositionType
		}
		pos = p
	default:
		return 0, ErrPositionType
	}
	if pos < 0 {
		return 0, fmt.Errorf("offset position %d is negative", pos)
	}
	return pos, nil
}

// readLines turns what can be read now into at most batch.size records.
// The batch's lines are gathered in one buffer and become one string, of
// which each record's value is a part: one allocation per batch rather
// than one per line.
func (t *sourceTask) readLines() ([]plugin.Record, error) {
	t.arena, t.spans = t.arena[:0], t.spans[:0]
	for len(t.spans) < t.cfg.batchSize {
		line, next, ok := t.lines.Next()
		if !ok {
			n, err := t.in.read(t.lines.Space())
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", t.logName(), err)
			}
			if n == 0 {
				break
			}
			t.lines.Wrote(n)
			continue
		}
		from := len(t.arena)
		t.arena = append(t.arena, line...)
		t.spans = append(t.spans, span{from, len(t.arena), next})
	}
	if len(t.spans) == 0 {
		return nil, nil
	}
	text := string(t.arena)
	valid := utf8.ValidString(text)
	ts := t.now()
	records := make([]plugin.Record, len(t.spans))
	for i, sp := range t.spans {
		line := text[sp.from:sp.to]
		if !valid {
			line = decodeLine(line)
		}
		var position any
		if t.cfg.file != "" {
			position = sp.next
		}
		records[i] = plugin.Record{
			Topic:           t.cfg.topic,
			Partition:       plugin.NoPartition,
			ValueSchema:     valueSchema,
			Value:           line,
			Timestamp:       ts,
			SourcePartition: t.partition,
			SourceOffset:    map[string]any{PositionField: position},
		}
	}
	return records, nil
}

// span is one line of a batch: its bytes in the arena and the position
// after it.
type span struct {
	from, to int
	next     int64
}

// decodeLine reads a line as UTF-8, as Java's reader does, with each byte
// that is not valid UTF-8 replaced by U+FFFD. (Java's decoder sometimes
// replaces a whole malformed sequence by one U+FFFD instead.)
func decodeLine(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		out = utf8.AppendRune(out, r)
		s = s[n:]
	}
	return string(out)
}

// Stop closes the file; a Poll waiting at the time returns at once.
func (t *sourceTask) Stop() error {
	t.stopOnce.Do(func() { close(t.stop) })
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.in == nil {
		return nil
	}
	err := t.in.close()
	t.in = nil
	return err
}

func (t *sourceTask) stopped() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}

func (t *sourceTask) logName() string {
	if t.cfg.file == "" {
		return "stdin"
	}
	return t.cfg.file
}

// input is where a source task's bytes come from.
type input interface {
	// read copies bytes that are available now into p, without blocking;
	// 0 and no error when there are none yet.
	read(p []byte) (int, error)
	// wait returns when more bytes may have arrived, after at most d, or
	// when ctx ends or stop closes.
	wait(ctx context.Context, stop <-chan struct{}, d time.Duration)
	close() error
}

// fileInput reads a regular file; at its end it reports no bytes, and a
// later read sees what was appended.
type fileInput struct{ f *os.File }

func (in fileInput) read(p []byte) (int, error) {
	n, err := in.f.Read(p)
	if err == io.EOF {
		err = nil
	}
	return n, err
}

func (in fileInput) wait(ctx context.Context, stop <-chan struct{}, d time.Duration) {
	wait(ctx, stop, d, nil)
}

func (in fileInput) close() error { return in.f.Close() }

// streamInput reads a stream whose reads block (standard input) on its own
// goroutine. That goroutine ends after close, once its pending read
// returns; a read blocked on a terminal cannot be cut short.
type streamInput struct {
	chunks chan []byte
	done   chan struct{}
	cur    []byte
}

func newStreamInput(r io.Reader) *streamInput {
	s := &streamInput{chunks: make(chan []byte, 1), done: make(chan struct{})}
	go s.pump(r)
	return s
}

func (s *streamInput) pump(r io.Reader) {
	for {
		b := make([]byte, 32<<10)
		n, err := r.Read(b)
		if n > 0 {
			select {
			case s.chunks <- b[:n]:
			case <-s.done:
				return
			}
		}
		if err != nil {
			// At the end of the stream Java's reader simply stays idle.
			return
		}
	}
}

func (s *streamInput) read(p []byte) (int, error) {
	if len(s.cur) == 0 {
		select {
		case s.cur = <-s.chunks:
		default:
			return 0, nil
		}
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

func (s *streamInput) wait(ctx context.Context, stop <-chan struct{}, d time.Duration) {
	if len(s.cur) > 0 {
		return
	}
	s.cur = wait(ctx, stop, d, s.chunks)
}

func (s *streamInput) close() error {
	close(s.done)
	return nil
}

// wait blocks for d, or until ctx ends, stop closes or a chunk arrives on
// ch, which it returns. A nil ch never delivers.
func wait(ctx context.Context, stop <-chan struct{}, d time.Duration, ch <-chan []byte) []byte {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case c := <-ch:
		return c
	case <-timer.C:
	case <-ctx.Done():
	case <-stop:
	}
	return nil
}
