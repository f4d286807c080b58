package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
)

const (
	// gapPartitions and gapTasks: the sink of the gap rows, 4 tasks on 8
	// partitions, two and two when a second worker runs.
	gapPartitions = 8
	gapTasks      = 4
	// gapRate is records/s over all partitions: one every 10 ms on each,
	// so a stop of a partition shows as a gap between its lines.
	gapRate = 800
	// stopped is the gap that counts as a partition stopping.
	stopped = 200 * time.Millisecond
	// gapWindow is how long after the event gaps are looked for.
	gapWindow = 15 * time.Second
)

// gapToken is a record as the gap rows write it: its partition and number.
var gapToken = regexp.MustCompile(`gap-p(\d+)-\d+`)

// lineTail follows a file that sinks append to and notes, per partition, when
// each new line of it appeared (polled every 5 ms).
type lineTail struct {
	mu      sync.Mutex
	arrived map[int][]time.Time
	stop    chan struct{}
	done    chan struct{}
}

func tailFile(path string) *lineTail {
	t := &lineTail{arrived: map[int][]time.Time{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		var off int64
		var rest []byte
		buf := make([]byte, 1<<20)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-t.stop:
				return
			case <-tick.C:
			}
			f, err := os.Open(path)
			if err != nil {
				continue
			}
			for {
				n, _ := f.ReadAt(buf, off)
				if n == 0 {
					break
				}
				off += int64(n)
				data := append(rest, buf[:n]...)
				// A token cut at the end of what was read waits for the rest.
				cut := len(data)
				if i := lastIndexByte(data, 'g'); i >= 0 && !gapToken.Match(data[i:]) {
					cut = i
				}
				now := time.Now()
				t.mu.Lock()
				for _, m := range gapToken.FindAllSubmatch(data[:cut], -1) {
					p, _ := strconv.Atoi(string(m[1]))
					t.arrived[p] = append(t.arrived[p], now)
				}
				t.mu.Unlock()
				rest = slices.Clone(data[cut:])
			}
			f.Close()
		}
	}()
	return t
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func (t *lineTail) finish() {
	close(t.stop)
	<-t.done
}

// count is how many lines have arrived.
func (t *lineTail) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, at := range t.arrived {
		n += len(at)
	}
	return n
}

// gaps is each partition's longest time without a new line in [from, to],
// counted from its last line before from.
func (t *lineTail) gaps(from, to time.Time) []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]time.Duration, gapPartitions)
	for p := range gapPartitions {
		last := time.Time{}
		for _, at := range t.arrived[p] {
			if at.After(to) {
				break
			}
			if !last.IsZero() && !at.Before(from) {
				out[p] = max(out[p], at.Sub(last))
			}
			last = at
		}
		if !last.IsZero() {
			out[p] = max(out[p], to.Sub(last))
		}
	}
	return out
}

// stopCell sums up one event's gaps: the longest, and how many partitions
// stopped for longer than stopped.
func stopCell(gaps []time.Duration) cell {
	c := secs(slices.Max(gaps))
	n := 0
	for _, g := range gaps {
		if g > stopped {
			n++
		}
	}
	c.extra = fmt.Sprintf("%d of %d partitions stopped", n, len(gaps))
	return c
}

// sinkGap measures how a FileStreamSink's partitions stop when a second
// worker joins and when it leaves (SIGTERM), with records flowing: Java's
// sink consumers default to the eager range assignor, which stops every
// partition at each rebalance; the Go worker's are cooperative.
func (b *bench) sinkGap(ctx context.Context, im impl) error {
	r := &b.res
	s := spec{group: b.name(im, "gap", b.sample)}
	conn := s.group
	topic, err := b.topic(ctx, conn, gapPartitions)
	if err != nil {
		return err
	}
	out := filepath.Join(b.dir, conn+".txt")
	first, err := b.startWorker(ctx, im, s)
	if err != nil {
		return err
	}
	if _, err := first.waitReady(ctx, setupTimeout); err != nil {
		return err
	}
	if err := createConnector(ctx, first, conn, b.sinkConnector(conn, topic, out, gapTasks)); err != nil {
		return err
	}
	if _, err := waitSpread(ctx, setupTimeout, conn, gapTasks, first); err != nil {
		return err
	}
	pctx, stopProducing := context.WithCancel(ctx)
	produced := make(chan error, 1)
	go func() { produced <- b.kafka.producePartitioned(pctx, topic, gapPartitions, gapRate) }()
	defer func() {
		stopProducing()
		if err := <-produced; err != nil && !errors.Is(err, context.Canceled) {
			logf("producing to %s: %v", topic, err)
		}
	}()
	lines := tailFile(out)
	defer lines.finish()
	if _, err := waitFor(ctx, setupTimeout, 20*time.Millisecond, func() bool { return lines.count() >= gapRate }); err != nil {
		return fmt.Errorf("the sink wrote %d lines: %w", lines.count(), err)
	}

	measure := func(event func() error, settled func() bool) cell {
		if err := b.randomPhase(ctx, im); err != nil {
			return failed(err)
		}
		t0 := time.Now()
		if err := event(); err != nil {
			return failed(err)
		}
		_, err := waitFor(ctx, gapWindow, 20*time.Millisecond, settled)
		if err != nil && !errors.Is(err, errTimeout) {
			return failed(err)
		}
		// Settled by the status; let every partition show it delivers.
		if err := sleep(ctx, time.Second); err != nil {
			return failed(err)
		}
		c := stopCell(lines.gaps(t0, time.Now()))
		if err != nil {
			// Java's tasks wait out its lost-worker delay after a SIGTERM;
			// their partitions go to the tasks left in the consumer group.
			c.extra += fmt.Sprintf("; the tasks were not back on one worker within %s", human(gapWindow))
		}
		return c
	}
	var second *worker
	join := measure(func() error {
		var err error
		second, err = b.startWorker(ctx, im, s)
		return err
	}, func() bool {
		st, err := getStatus(ctx, first, conn)
		return err == nil && st.spread(gapTasks, first, second)
	})
	r.gapJoin[im] = append(r.gapJoin[im], join)
	if second == nil {
		return errors.New("the second worker did not start")
	}
	leave := measure(func() error { return second.signal(syscall.SIGTERM) }, func() bool {
		st, err := getStatus(ctx, first, conn)
		return err == nil && st.spread(gapTasks, first)
	})
	r.gapLeave[im] = append(r.gapLeave[im], leave)
	logf("%s: sink partitions stopped: join %s, SIGTERM %s", im, join.detail(), leave.detail())
	return nil
}

// producePartitioned writes "gap-p<partition>-<n>" records round robin
// over partitions at rate records/s until ctx ends.
func (k *broker) producePartitioned(ctx context.Context, topic string, partitions, rate int) error {
	w := &kafka.Writer{
		Addr: kafka.TCP(k.addr), Topic: topic, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireOne,
		Balancer: kafka.BalancerFunc(func(m kafka.Message, _ ...int) int { p, _ := strconv.Atoi(string(m.Key)); return p }),
	}
	defer w.Close()
	start := time.Now()
	sent := 0
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		due := int(float64(rate)*time.Since(start).Seconds()) - sent
		msgs := make([]kafka.Message, 0, max(due, 0))
		for i := range max(due, 0) {
			p := (sent + i) % partitions
			msgs = append(msgs, kafka.Message{Key: []byte(strconv.Itoa(p)), Value: fmt.Appendf(nil, "gap-p%d-%d", p, sent+i)})
		}
		if len(msgs) == 0 {
			continue
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return err
		}
		sent += len(msgs)
	}
}
