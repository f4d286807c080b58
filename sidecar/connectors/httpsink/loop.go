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

// entry is a record waiting to be delivered.
type entry struct {
	rec     plugin.Record
	at      position
	frag    []byte // the record as a batch has it (see encoder.record)
	data    []byte // cloudevents: the value as JSON, when the encoder wrote it
	arrived time.Time
}

// partition is the delivery state of one partition. Its records wait in
// queue[head:] in offset order; a running job has the first ones.
type partition struct {
	tp    plugin.TopicPartition
	queue []*entry
	head  int
	bytes int  // of queue[head:]'s fragments
	job   *job // running, or nil

	// After a failure, the first retry records (what is left of the batch)
	// go again on their own, not before notBefore; or, once expire is set,
	// to the dead letter queue.
	retry     int
	attempts  int
	since     time.Duration // healthy time (see loop.clock) of the first failure
	notBefore time.Time
	expire    bool
	why       failure // of the last attempt
}

func (p *partition) pending() []*entry { return p.queue[p.head:] }

// job is one batch on its way: a request to the app, or, when expired,
// records that ran out of retry.timeout.ms going to the dead letter queue.
type job struct {
	p       *partition
	entries []*entry // the head of p's queue, which stays put while the job runs
	expired bool
	why     failure // expired: the last attempt's
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed when the job's goroutine ends
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

// loop is a task's delivery state: the records waiting per partition,
// what is in flight, retries and the app's health. One goroutine owns it
// (see sinkTask.run); Put, Flush, Close, jobs and the health checker talk
// to it through channels, so nothing in it is locked.
type loop struct {
	cfg   *config
	obs   Observer
	log   *slog.Logger
	start func(*job) // runs a job on a goroutine of its own

	parts   map[plugin.TopicPartition]*partition
	order   []*partition // dispatch order; round robin from next
	next    int
	running int // jobs

	// Records and fragment bytes held, in flight included. Put waits
	// while they are above the bounds.
	records, bytes       int
	maxRecords, maxBytes int
	waiting              []chan<- error

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

// bufferedBatches is how many full batches per request in flight a task
// holds before Put waits: enough that the next batch of every partition is
// ready when its request returns.
const bufferedBatches = 2

func newLoop(cfg *config, obs Observer, log *slog.Logger, start func(*job), now time.Time) *loop {
	return &loop{
		cfg:        cfg,
		obs:        obs,
		log:        log,
		start:      start,
		parts:      map[plugin.TopicPartition]*partition{},
		maxRecords: bufferedBatches * cfg.maxInFlight * cfg.maxRecords,
		maxBytes:   bufferedBatches * cfg.maxInFlight * cfg.maxBytes,
		healthy:    cfg.healthURL == "", // else unknown until the first check
		upSince:    now,
	}
}

// put queues records, grouped by partition; reply gets nil once the
// buffer is within its bounds, or the task's failure.
func (l *loop) put(groups [][]entry, reply chan<- error) {
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
		for i := range entries {
			e := &entries[i]
			p.queue = append(p.queue, e)
			p.bytes += len(e.frag)
			l.bytes += len(e.frag)
		}
		l.records += len(entries)
	}
	l.waiting = append(l.waiting, reply)
	l.release()
}

func (l *loop) partition(tp plugin.TopicPartition) *partition {
	p := l.parts[tp]
	if p == nil {
		p = &partition{tp: tp}
		l.parts[tp] = p
		l.order = append(l.order, p)
	}
	return p
}

// release answers the Puts waiting for room, if there is room.
func (l *loop) release() {
	if l.records > l.maxRecords || l.bytes > l.maxBytes {
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
// first record still held (never past one), capped by what the runtime
// gave.
func (l *loop) flush(offsets map[plugin.TopicPartition]int64) (map[plugin.TopicPartition]int64, error) {
	if l.failed != nil {
		return nil, l.failed
	}
	out := make(map[plugin.TopicPartition]int64, len(offsets))
	for tp, off := range offsets {
		if p := l.parts[tp]; p != nil && len(p.pending()) > 0 {
			off = min(off, p.pending()[0].at.offset)
		}
		out[tp] = off
	}
	return out, nil
}

// close forgets partitions and their records, and returns their running
// jobs, whose results will be ignored.
func (l *loop) close(tps []plugin.TopicPartition) []*job {
	var jobs []*job
	for _, tp := range tps {
		p := l.parts[tp]
		if p == nil {
			continue
		}
		delete(l.parts, tp)
		l.records -= len(p.pending())
		l.bytes -= p.bytes
		if p.job != nil {
			jobs = append(jobs, p.job)
		}
	}
	l.order = slices.DeleteFunc(l.order, func(p *partition) bool { return l.parts[p.tp] != p })
	l.next = 0
	l.release()
	return jobs
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
	// that ran while it was down.
	for _, p := range l.order {
		p.notBefore = now
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
	l.running--
	p := r.job.p
	if l.parts[p.tp] != p {
		return // closed meanwhile: its records were dropped
	}
	p.job = nil
	if r.err != nil {
		l.fail(r.err)
	}
	left, freed := p.settle(r)
	l.records -= len(r.done) - left
	l.bytes -= freed
	l.release()
	if left == 0 || l.failed != nil {
		p.retry, p.attempts, p.expire = 0, 0, false
		return
	}
	p.retry, p.why = left, r.why
	p.attempts++
	if p.attempts == 1 {
		p.since = l.clock(now)
	}
	spent := l.clock(now) - p.since
	if l.cfg.retryTimeout >= 0 && spent >= l.cfg.retryTimeout {
		p.expire, p.notBefore = true, now
		return
	}
	delay := r.after
	if delay < 0 {
		delay = backoff(p.attempts, l.cfg.backoff, l.cfg.backoffMax)
	}
	if l.cfg.retryTimeout >= 0 {
		delay = min(delay, l.cfg.retryTimeout-spent) // a last attempt when the time is up
	}
	p.notBefore = now.Add(delay)
	l.obs.OnRetry(l.cfg.name, left)
	l.warnRetry(r.why, left, delay, max(delay, backoffLimit(p.attempts, l.cfg.backoff, l.cfg.backoffMax)), now)
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

// settle drops the job's done entries from the head of the queue, keeping
// the others, in order, as the new head. It returns how many are left and
// the fragment bytes dropped.
func (p *partition) settle(r result) (left, freed int) {
	n := len(r.done)
	w := p.head + n
	for i := n - 1; i >= 0; i-- {
		e := p.queue[p.head+i]
		if r.done[i] {
			freed += len(e.frag)
			continue
		}
		w--
		p.queue[w] = e
	}
	clear(p.queue[p.head:w])
	left = p.head + n - w
	p.head = w
	p.bytes -= freed
	// Reclaim the front once it is half the queue; no job holds it now.
	if p.head > 0 && p.head*2 >= len(p.queue) {
		k := copy(p.queue, p.queue[p.head:])
		clear(p.queue[k:])
		p.queue, p.head = p.queue[:k], 0
	}
	return left, freed
}

// dispatch starts the jobs that are due and returns when the next one
// will be (zero: none until something else happens).
func (l *loop) dispatch(now time.Time) (wake time.Time) {
	if l.failed != nil {
		return time.Time{}
	}
	n, first := len(l.order), l.next
	for i := 0; i < n && l.running < l.cfg.maxInFlight; i++ {
		k := (first + i) % n
		p := l.order[k]
		at, ok := l.due(p)
		switch {
		case !ok:
		case !at.After(now):
			l.run(p)
			l.next = (k + 1) % n
		case wake.IsZero() || at.Before(wake):
			wake = at
		}
	}
	return wake
}

// due reports whether p has a job to run, and from when.
func (l *loop) due(p *partition) (time.Time, bool) {
	pending := p.pending()
	switch {
	case p.job != nil || len(pending) == 0:
		return time.Time{}, false
	case p.expire:
		return p.notBefore, true // the dead letter queue does not need the app
	case !l.healthy:
		return time.Time{}, false
	case p.retry > 0 || len(pending) >= l.cfg.maxRecords || p.bytes >= l.cfg.maxBytes:
		return p.notBefore, true
	}
	lingered := pending[0].arrived.Add(l.cfg.linger)
	if lingered.After(p.notBefore) {
		return lingered, true
	}
	return p.notBefore, true
}

// run starts p's next job.
func (l *loop) run(p *partition) {
	j := &job{p: p, done: make(chan struct{}), answered: make(chan struct{})}
	switch {
	case p.expire:
		j.entries, j.expired, j.why = p.pending()[:p.retry], true, p.why
	case p.retry > 0:
		j.entries = p.pending()[:p.retry]
	default:
		j.entries = p.pending()[:l.batchSize(p.pending())]
	}
	p.job = j
	l.running++
	l.start(j)
}

// batchSize is how many of the pending records the next batch takes:
// up to batch.max.records whose request body stays within
// batch.max.bytes, and at least one.
func (l *loop) batchSize(pending []*entry) int {
	size := batchOverhead
	for i, e := range pending {
		if i == l.cfg.maxRecords {
			return i
		}
		size += len(e.frag) + 1 // and a comma
		if i > 0 && size > l.cfg.maxBytes {
			return i
		}
	}
	return len(pending)
}
