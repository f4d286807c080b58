package datagen

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// idleWait is how long Poll waits when it has nothing to give: after
// max.records, or at most this long for the next record of a slow rate.
const idleWait = time.Second

// task makes its share of the connector's records at its share of the rate.
type task struct {
	gen    *generator
	cfg    config
	seq    int64   // the next record's sequence number
	limit  int64   // seq at which to stop; -1 for none
	perSec float64 // this task's rate; 0 for no limit
	tokens float64 // records that may go out now (token bucket)
	last   time.Time

	stop     chan struct{}
	stopOnce sync.Once

	// Seams for tests.
	now   func() time.Time
	sleep func(ctx context.Context, stop <-chan struct{}, d time.Duration)
	idle  time.Duration
}

var _ plugin.SourceTask = (*task)(nil)

func newTask() *task {
	return &task{stop: make(chan struct{}), now: time.Now, sleep: sleep, idle: idleWait}
}

func sleep(ctx context.Context, stop <-chan struct{}, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	case <-stop:
	}
}

// Start reads the settings and the task's stored offset.
func (t *task) Start(ctx context.Context, props map[string]string, offsets plugin.OffsetReader) error {
	cfg, err := parseConfig(props)
	if err != nil {
		return err
	}
	index, count, err := taskNumber(props)
	if err != nil {
		return err
	}
	t.cfg = cfg
	t.gen = newGenerator(cfg, index, count)
	off, err := offsets.Offset(ctx, t.gen.partition)
	if err != nil {
		return fmt.Errorf("read offset of task %d: %w", index, err)
	}
	if t.seq, err = seqOf(off); err != nil {
		return err
	}
	t.limit = -1
	if cfg.maxRecords > 0 {
		share := cfg.maxRecords / int64(count)
		if int64(index) < cfg.maxRecords%int64(count) {
			share++
		}
		t.limit = share
	}
	t.perSec = cfg.rate / float64(count)
	t.tokens = 1 // the first record goes out at once
	return nil
}

// taskNumber reads the task's number and how many tasks there are; a task
// started without them is task 0 of 1.
func taskNumber(props map[string]string) (index, count int, err error) {
	index, count = 0, 1
	if s, ok := props[taskIndexConfig]; ok {
		if index, err = strconv.Atoi(s); err != nil {
			return 0, 0, fmt.Errorf("bad %s %q", taskIndexConfig, s)
		}
	}
	if s, ok := props[taskCountConfig]; ok {
		if count, err = strconv.Atoi(s); err != nil {
			return 0, 0, fmt.Errorf("bad %s %q", taskCountConfig, s)
		}
	}
	if count < 1 || index < 0 || index >= count {
		return 0, 0, fmt.Errorf("task %d of %d is out of range", index, count)
	}
	return index, count, nil
}

// seqOf reads {"seq": N}; no offset means 0.
func seqOf(off map[string]any) (int64, error) {
	var seq int64
	switch v := off[SeqField].(type) {
	case nil:
		return 0, nil
	case int64:
		seq = v
	case int:
		seq = int64(v)
	case int32:
		seq = int64(v)
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return 0, fmt.Errorf("offset seq %v is not an integer", v)
		}
		seq = n
	default:
		return 0, fmt.Errorf("offset seq %v is not an integer", v)
	}
	if seq < 0 {
		return 0, fmt.Errorf("offset seq %d is negative", seq)
	}
	return seq, nil
}

// Poll returns the records that are due, up to batch.size. With nothing
// due it waits for the next record (at most a second) first; after
// max.records it waits a second and returns nothing.
func (t *task) Poll(ctx context.Context) ([]plugin.Record, error) {
	if t.stopped() {
		return nil, nil
	}
	n := int64(t.cfg.batchSize)
	if t.limit >= 0 {
		if n = min(n, t.limit-t.seq); n <= 0 {
			t.sleep(ctx, t.stop, t.idle)
			return nil, nil
		}
	}
	if t.perSec > 0 {
		due := t.take(n)
		if due == 0 {
			wait := time.Duration((1 - t.tokens) / t.perSec * float64(time.Second))
			t.sleep(ctx, t.stop, min(max(wait, time.Millisecond), t.idle))
			if ctx.Err() != nil || t.stopped() {
				return nil, nil
			}
			if due = t.take(n); due == 0 {
				return nil, nil
			}
		}
		n = due
	}
	recs := t.gen.records(t.seq, int(n))
	t.seq += n
	return recs, nil
}

// take tops the bucket up for the time since the last call and takes up
// to n whole records from it. The bucket holds at most a second's worth
// (or a batch, if more), so a stall is not followed by a long burst.
func (t *task) take(n int64) int64 {
	now := t.now()
	if !t.last.IsZero() {
		burst := max(float64(t.cfg.batchSize), t.perSec)
		t.tokens = min(burst, t.tokens+now.Sub(t.last).Seconds()*t.perSec)
	}
	t.last = now
	k := min(n, int64(math.Floor(t.tokens)))
	t.tokens -= float64(k)
	return k
}

// Stop ends a waiting Poll; later Polls return nothing.
func (t *task) Stop() error {
	t.stopOnce.Do(func() { close(t.stop) })
	return nil
}

func (t *task) stopped() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}
