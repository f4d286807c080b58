package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

const (
	fetchMaxWait   = 500 * time.Millisecond // long poll, as a Java consumer's fetch.max.wait.ms
	fetchMaxBytes  = 16 << 20               // per response
	fetchPartBytes = 1 << 20                // per partition (Java: max.partition.fetch.bytes)
	requestTimeout = 30 * time.Second       // on top of the long poll
)

// loopState belongs to the fetch loop goroutine.
type loopState struct {
	next    []int64 // positions; l.pos is their published copy
	end     []int64 // high watermark (last stable offset if read committed) of the last answer
	fresh   []bool  // answered without error in this round
	errs    []error // last error; l.lastErr is the published copy
	retryAt []time.Time
	backoff []backoff
	idle    backoff // rounds that return at once with nothing
	failed  bool    // a partition failed in this round
	rounds  int
}

// run is the fetch loop, the only goroutine that fetches, calls apply and
// moves positions. Each round fetches the partitions known to have records
// past their position; when none has, it long-polls all of them.
func (l *Log) run(ctx context.Context, n int, done chan struct{}) {
	defer close(done)
	s := &loopState{
		next:    make([]int64, n),
		end:     make([]int64, n),
		fresh:   make([]bool, n),
		errs:    make([]error, n),
		retryAt: make([]time.Time, n),
		backoff: make([]backoff, n),
	}
	l.mu.Lock()
	copy(s.next, l.pos)
	l.mu.Unlock()
	for ctx.Err() == nil {
		l.round(ctx, s)
	}
}

func (l *Log) round(ctx context.Context, s *loopState) {
	roundCtx, cancel := context.WithTimeout(ctx, fetchMaxWait+requestTimeout)
	defer cancel()
	req, tail, wait := l.plan(s, time.Now(), cancel)
	if len(req.parts) == 0 {
		sleep(ctx, wait) // every partition is backing off
		return
	}
	start := time.Now()
	resp, err := l.clients.RoundTripper.RoundTrip(roundCtx, l.clients.Client.Addr, req)
	if tail {
		l.mu.Lock()
		l.tail = nil
		l.mu.Unlock()
	}
	if ctx.Err() != nil {
		return
	}
	if tail && errors.Is(roundCtx.Err(), context.Canceled) {
		return // ReadToEnd wants the partitions that are behind now
	}
	before := append([]int64(nil), s.next...)
	if err != nil {
		for _, p := range req.parts {
			l.failed(s, int(p.partition), err)
		}
	} else {
		for _, pr := range resp.(*fetchResponse).parts {
			l.handle(ctx, s, pr)
		}
	}
	moved := l.publish(s, before)
	// Failed partitions wait out their own backoff; a round that returns at
	// once with nothing and no error must not repeat at once either.
	if !moved && !s.failed && time.Since(start) < fetchMaxWait/2 {
		sleep(ctx, s.idle.step())
	} else {
		s.idle = backoff{}
	}
	s.failed = false
}

// plan picks the partitions of the next round. A tail round registers
// cancel so that ReadToEnd can cut its long poll short.
func (l *Log) plan(s *loopState, now time.Time, cancel context.CancelFunc) (req *fetchRequest, tail bool, wait time.Duration) {
	req = &fetchRequest{
		clientID:  l.clients.Transport.ClientID,
		topic:     l.cfg.Topic,
		maxWait:   fetchMaxWait,
		maxBytes:  fetchMaxBytes,
		partBytes: fetchPartBytes,
	}
	if l.cfg.ReadCommitted {
		req.isolation = 1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	wait = maxBackoff
	var all, behind []fetchPartition
	n := len(s.next)
	s.rounds++
	// Start at a different partition each round: a broker that fills the
	// response with the first partitions would otherwise starve the others.
	for i := range n {
		p := (i + s.rounds) % n
		if now.Before(s.retryAt[p]) {
			wait = min(wait, s.retryAt[p].Sub(now))
			continue
		}
		fp := fetchPartition{partition: int32(p), offset: s.next[p]}
		all = append(all, fp)
		if s.next[p] < max(s.end[p], l.target[p]) {
			behind = append(behind, fp)
		}
	}
	if len(behind) > 0 {
		req.parts = behind
		return req, false, 0
	}
	req.parts = all
	if len(all) > 0 {
		l.tail = cancel
	}
	return req, len(all) > 0, wait
}

// handle takes one partition's answer: records go to apply in order, the
// position moves past everything the answer covered.
func (l *Log) handle(ctx context.Context, s *loopState, pr partitionResult) {
	p := int(pr.partition)
	if p < 0 || p >= len(s.next) {
		return
	}
	if pr.err != nil {
		if errors.Is(pr.err, kafka.OffsetOutOfRange) {
			l.reset(ctx, s, p)
			return
		}
		l.failed(s, p, pr.err)
		return
	}
	s.end[p] = pr.highWatermark
	if l.cfg.ReadCommitted {
		s.end[p] = pr.lastStable
	}
	batches, err := decodeBatches(p, pr.records)
	pos := s.next[p]
	s.next[p] = advance(pos, batches, l.cfg.ReadCommitted, pr.aborted, l.apply)
	if err != nil && s.next[p] == pos {
		l.failed(s, p, err) // the broken batch is next: retry it, later
		return
	}
	s.fresh[p] = true
	if s.errs[p] != nil {
		l.log.Info("fetching again", "partition", p, "offset", s.next[p])
	}
	s.errs[p] = nil
	s.backoff[p] = backoff{}
	s.retryAt[p] = time.Time{}
}

// reset moves a partition whose position is out of range to its log
// start, as a Java consumer with auto.offset.reset=earliest does: records
// were deleted below it, or the log was truncated above it.
func (l *Log) reset(ctx context.Context, s *loopState, p int) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		l.cfg.Topic: {{Partition: p, Timestamp: kafka.FirstOffset}},
	}}
	resp, err := l.clients.Client.ListOffsets(ctx, req)
	if err == nil {
		err = kafka.UnknownTopicOrPartition
		for _, po := range resp.Topics[l.cfg.Topic] {
			if po.Partition == p {
				err = po.Error
				if err == nil {
					l.log.Warn("offset out of range; reading the partition from its log start", "partition", p, "offset", s.next[p], "log_start", po.FirstOffset)
					s.next[p] = po.FirstOffset
					return
				}
			}
		}
	}
	l.failed(s, p, fmt.Errorf("offset %d out of range; log start offset: %w", s.next[p], err))
}

// failed makes partition p wait before its next fetch.
func (l *Log) failed(s *loopState, p int, err error) {
	if s.errs[p] == nil {
		l.log.Warn("fetch failed; retrying", "partition", p, "offset", s.next[p], "err", err)
	} else {
		l.log.Debug("fetch failed again", "partition", p, "offset", s.next[p], "err", err)
	}
	s.errs[p] = err
	s.failed = true
	s.retryAt[p] = time.Now().Add(s.backoff[p].step())
}

// publish shares positions and errors with ReadToEnd, waking it when a
// position moved.
func (l *Log) publish(s *loopState, before []int64) (moved bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for p, next := range s.next {
		moved = moved || next != before[p]
		l.pos[p] = next
		// The broker says the partition ends here: a larger target can
		// only come from a log that was truncated since, so drop it rather
		// than fetch for it forever.
		if s.fresh[p] && s.end[p] <= next && l.target[p] > next {
			l.target[p] = next
		}
		s.fresh[p] = false
	}
	copy(l.lastErr, s.errs)
	if moved {
		close(l.progress)
		l.progress = make(chan struct{})
	}
	return moved
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
