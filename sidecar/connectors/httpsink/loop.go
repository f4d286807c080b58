package httpsink

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// position is where a record was read: its partition and offset before any
// transform renamed its topic. Offsets are committed, and ids given, by it.
type position struct {
	tp     plugin.TopicPartition
	offset int64
}

// id is the record id, <topic>-<partition>-<offset> of the record as read.
func (at position) id() string {
	return at.tp.Topic + "-" + strconv.Itoa(int(at.tp.Partition)) + "-" + strconv.FormatInt(at.offset, 10)
}

// entry is a record a task holds, from Put until its offset may be
// committed.
type entry struct {
	rec     plugin.Record
	at      position
	frag    []byte // the record as a batch has it (see encoder.record)
	data    []byte // cloudevents: the value as JSON, when the encoder wrote it
	key     []byte // byKey: the key as read from Kafka, which names its lane
	arrived time.Time
	// size counts against buffer.max.bytes until the record is done: its
	// fragment and its bytes as read, which the runtime keeps in it.
	size int
	lane *lane
	done bool // delivered or dead-lettered
}

// release lets go of a done record's data; only its offset matters now.
func (e *entry) release() {
	e.rec, e.frag, e.data, e.key = plugin.Record{}, nil, nil, nil
}

// job is one batch on its way: a request to the app, or, when expired,
// records that ran out of retry.timeout.ms going to the dead letter queue.
type job struct {
	p       *partition
	entries []*entry
	retry   *retry // the retry it is an attempt of; nil for a first attempt
	expired bool
	why     failure // expired: the last attempt's
	ctx     context.Context
	cancel  context.CancelFunc
	// answered is closed once the app has answered, or the request has
	// failed: all the job may still do is dead-letter records.
	answered chan struct{}
}

// result is how a job ended.
type result struct {
	job   *job
	done  []bool        // per entry: delivered or dead-lettered
	dead  int           // how many of them were dead-lettered
	why   failure       // of the others, which are to be retried
	after time.Duration // the app's Retry-After; negative when it gave none
	err   error         // a record could not be reported: the task fails
}

// failure is why an attempt did not deliver a record.
type failure struct {
	status int // 0: no response
	reason string
}

// loop is a task's delivery state: the records held per partition, what
// is in flight, retries and the app's health. One goroutine owns it (see
// sinkTask.run); Put, Flush, Close, jobs and the health checker talk to it
// through channels, so nothing in it is locked. It does no I/O: jobs run
// through start.
type loop struct {
	cfg   *config
	obs   Observer
	held  PartitionObserver // obs, if it is one
	log   *slog.Logger
	start func(*job) // hands a job to a goroutine that runs it

	parts map[plugin.TopicPartition]*partition
	order []*partition // dispatch order; round robin from next
	next  int
	jobs  map[*job]struct{} // running, closed partitions' included

	// Bytes held (see entry.size); Put waits while they are above
	// buffer.max.bytes.
	bytes   int
	waiting []chan<- error

	// Healthy time is what retry.timeout.ms counts: upFor, plus the time
	// since upSince while healthy.
	healthy bool
	checked bool // a health check has answered
	upFor   time.Duration
	upSince time.Time

	failed error

	// Failed attempts not yet warned about, and when the next warning
	// may go out.
	unwarned int
	nextWarn time.Time
}

func newLoop(cfg *config, obs Observer, log *slog.Logger, start func(*job), now time.Time) *loop {
	held, _ := obs.(PartitionObserver)
	return &loop{
		cfg:     cfg,
		obs:     obs,
		held:    held,
		log:     log,
		start:   start,
		parts:   map[plugin.TopicPartition]*partition{},
		jobs:    map[*job]struct{}{},
		healthy: cfg.healthURL == "", // else unknown until the first check
		upSince: now,
	}
}

// put queues records, grouped by partition; reply gets nil once the
// buffer is within its bound, or the task's failure.
func (l *loop) put(groups [][]*entry, reply chan<- error) {
	if l.failed != nil || len(groups) == 0 {
		// An empty put asks only whether the task still works: it never
		// waits for room, so the runtime keeps committing meanwhile.
		reply <- l.failed
		return
	}
	for _, entries := range groups {
		if len(entries) == 0 {
			continue
		}
		p := l.partition(entries[0].at.tp)
		before := p.bytes
		for _, e := range entries {
			p.add(e)
		}
		l.bytes += p.bytes - before
	}
	l.waiting = append(l.waiting, reply)
	l.release()
}

func (l *loop) partition(tp plugin.TopicPartition) *partition {
	p := l.parts[tp]
	if p == nil {
		p = newPartition(tp, l.cfg.ordering)
		l.parts[tp] = p
		l.order = append(l.order, p)
	}
	return p
}

// release answers the Puts waiting for room, if there is room.
func (l *loop) release() {
	if l.bytes > l.cfg.bufferBytes {
		return
	}
	for _, w := range l.waiting {
		w <- nil
	}
	clear(l.waiting)
	l.waiting = l.waiting[:0]
}

// fail records the task's failure and stops all sending.
func (l *loop) fail(err error) {
	if l.failed != nil {
		return
	}
	l.failed = err
	for _, w := range l.waiting {
		w <- err
	}
	l.waiting = nil
}

// flush is the offsets that may be committed: for each partition, the
// first record not done (never past one), capped by what the runtime gave.
func (l *loop) flush(offsets map[plugin.TopicPartition]int64) (map[plugin.TopicPartition]int64, error) {
	if l.failed != nil {
		return nil, l.failed
	}
	out := make(map[plugin.TopicPartition]int64, len(offsets))
	for tp, off := range offsets {
		if p := l.parts[tp]; p != nil {
			if e, ok := p.first(); ok {
				off = min(off, e.at.offset)
			}
		}
		out[tp] = off
	}
	return out, nil
}

// close forgets partitions and their records, and returns their running
// jobs, whose results will be ignored.
func (l *loop) close(tps []plugin.TopicPartition) []*job {
	closing := map[*partition]bool{}
	for _, tp := range tps {
		if p := l.parts[tp]; p != nil {
			delete(l.parts, tp)
			l.bytes -= p.bytes
			closing[p] = true
			l.forget(p)
		}
	}
	var jobs []*job
	for j := range l.jobs {
		if closing[j.p] {
			jobs = append(jobs, j)
		}
	}
	l.order = slices.DeleteFunc(l.order, func(p *partition) bool { return closing[p] })
	l.next = 0
	l.release()
	return jobs
}

// observe tells the PartitionObserver, if any, what each partition holds.
func (l *loop) observe(now time.Time) {
	if l.held == nil {
		return
	}
	for _, p := range l.order {
		var age time.Duration
		if e, ok := p.first(); ok {
			age = now.Sub(e.arrived)
		}
		l.held.OnPartition(l.cfg.name, p.tp.Topic, p.tp.Partition, p.running, p.fresh+p.retrying, age)
	}
}

// forget tells the PartitionObserver, if any, that the task no longer
// delivers p.
func (l *loop) forget(p *partition) {
	if l.held != nil {
		l.held.OnPartitionClosed(l.cfg.name, p.tp.Topic, p.tp.Partition)
	}
}

// setHealth takes a health check's answer.
func (l *loop) setHealth(ok bool, now time.Time) {
	if l.checked && ok == l.healthy {
		return
	}
	l.checked = true
	l.obs.OnAppHealth(l.cfg.name, ok)
	if ok == l.healthy {
		return // the first check confirmed the assumption
	}
	l.healthy = ok
	if !ok {
		l.upFor += now.Sub(l.upSince)
		return
	}
	l.upSince = now
	// The app is back: what waited for it goes now, not after a backoff
	// that ran while it was down. All equal, the heaps stay heaps.
	for _, p := range l.order {
		for _, r := range p.retries.items {
			r.notBefore = now
		}
	}
}

// clock is the healthy time so far.
func (l *loop) clock(now time.Time) time.Duration {
	if l.healthy {
		return l.upFor + now.Sub(l.upSince)
	}
	return l.upFor
}

// finish takes a job's result.
func (l *loop) finish(r result, now time.Time) {
	j, p := r.job, r.job.p
	delete(l.jobs, j)
	p.running--
	if l.parts[p.tp] != p {
		return // closed meanwhile: its records were dropped
	}
	if r.err != nil {
		l.fail(r.err)
	}
	before := p.bytes
	left := p.settle(j.entries, r.done)
	l.bytes += p.bytes - before
	l.release()
	if len(left) == 0 || l.failed != nil {
		return
	}
	rt := j.retry
	if rt == nil {
		rt = &retry{since: l.clock(now)}
	}
	rt.entries, rt.why = left, r.why
	rt.attempts++
	p.retrying += len(left)
	l.schedule(rt, r.after, now)
	if rt.expire {
		p.expired.push(rt)
	} else {
		p.retries.push(rt)
	}
}

// schedule decides when a retry goes: after a backoff, or the app's
// Retry-After (negative: none), or to the dead letter queue at once when
// it has run out of retry.timeout.ms.
func (l *loop) schedule(rt *retry, after time.Duration, now time.Time) {
	spent := l.clock(now) - rt.since
	if l.cfg.retryTimeout >= 0 && spent >= l.cfg.retryTimeout {
		rt.expire = true
		return
	}
	delay := after
	if delay < 0 {
		delay = backoff(rt.attempts, l.cfg.backoff, l.cfg.backoffMax)
	}
	if l.cfg.retryTimeout >= 0 {
		delay = min(delay, l.cfg.retryTimeout-spent) // a last attempt when the time is up
	}
	rt.notBefore = now.Add(delay)
	l.obs.OnRetry(l.cfg.name, len(rt.entries))
	l.warnRetry(rt.why, len(rt.entries), delay, max(delay, backoffLimit(rt.attempts, l.cfg.backoff, l.cfg.backoffMax)), now)
}

// warnRetry says that the app did not take records, at most once per
// backoff period however many batches fail: a sidecar's app often starts
// after it, and retrying in silence looks like a hang.
func (l *loop) warnRetry(why failure, records int, retryIn, period time.Duration, now time.Time) {
	l.unwarned++
	if now.Before(l.nextWarn) {
		return
	}
	l.log.Warn("the app did not take records; retrying", "url", l.cfg.url, "status", why.status, "err", why.reason,
		"records", records, "failed_attempts", l.unwarned, "retry_in", retryIn)
	l.unwarned, l.nextWarn = 0, now.Add(period)
}

// dispatch starts the jobs that are due, a partition at a time, round
// robin, and returns when the next one will be (zero: none until
// something else happens).
func (l *loop) dispatch(now time.Time) (wake time.Time) {
	if l.failed != nil {
		return time.Time{}
	}
	for started := true; started; {
		started, wake = false, time.Time{}
		n, first := len(l.order), l.next
		for i := range n {
			if len(l.jobs) >= l.cfg.maxInFlight {
				return time.Time{} // a job's end dispatches again
			}
			k := (first + i) % n
			p := l.order[k]
			at, ok := l.due(p, now)
			switch {
			case !ok:
			case !at.After(now):
				l.run(p, now)
				l.next, started = (k+1)%n, true
			case wake.IsZero() || at.Before(wake):
				wake = at
			}
		}
	}
	return wake
}

// due reports whether p has a job to run, and from when: an expired retry
// at once, even while the app is unhealthy; its first retry; or a batch of
// records for their first attempt once it is full or its first record has
// lingered.
func (l *loop) due(p *partition, now time.Time) (at time.Time, ok bool) {
	switch {
	case p.running >= l.cfg.perPartition:
		return time.Time{}, false
	case p.expired.len() > 0:
		return now, true // the dead letter queue does not need the app
	case !l.healthy:
		return time.Time{}, false
	case p.retries.len() > 0:
		at, ok = p.retries.top().notBefore, true
	}
	if p.ready.len() == 0 {
		return at, ok
	}
	fresh := now
	if p.fresh < l.cfg.maxRecords && p.freshBytes < l.cfg.maxBytes {
		fresh = p.ready.top().arrived.Add(l.cfg.linger)
	}
	if !ok || fresh.Before(at) {
		at, ok = fresh, true
	}
	return at, ok
}

// run starts p's next job (see due): an expired retry, else its first
// retry if that is due, else a batch for a first attempt.
func (l *loop) run(p *partition, now time.Time) {
	j := &job{p: p, answered: make(chan struct{})}
	var r *retry
	switch {
	case p.expired.len() > 0:
		r, _ = p.expired.first()
		p.expired.shift()
	case p.retries.len() > 0 && !p.retries.top().notBefore.After(now):
		r = p.retries.pop()
	default:
		j.entries = p.next(l.cfg.maxRecords, l.cfg.maxBytes)
	}
	if r != nil {
		p.retrying -= len(r.entries)
		j.entries, j.retry, j.expired, j.why = r.entries, r, r.expire, r.why
	}
	p.running++
	l.jobs[j] = struct{}{}
	l.start(j)
}
