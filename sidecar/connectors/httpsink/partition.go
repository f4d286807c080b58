package httpsink

import (
	"time"
	"unsafe"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// entryOverhead is what a held record costs besides its bytes: the entry,
// and its places in the partition's queue, its lane and a heap. It counts
// against buffer.max.bytes until the record's offset can be committed.
const entryOverhead = int(unsafe.Sizeof(entry{})) + 4*int(unsafe.Sizeof(uintptr(0)))

// partition is the delivery state of one partition. Every record the task
// holds is in queue, in offset order, from the first one not done
// (delivered or dead-lettered) on: that one's offset is what may be
// committed, whatever order the others are done in. Besides, each record
// not done is in exactly one place: waiting for its first attempt (in its
// lane, and in ready once it may go), in a running job, or in a retry.
type partition struct {
	tp    plugin.TopicPartition
	queue fifo[*entry]

	// Lanes keep order: byKey has one per key, byPartition one for all.
	// Unordered records have none and are ready at once.
	lanes map[string]*lane
	one   *lane

	ready      minHeap[*entry] // records that may go now, by offset
	fresh      int             // records waiting for their first attempt
	freshBytes int             // and their fragments' bytes
	retries    minHeap[*retry] // by notBefore
	expired    fifo[*retry]    // for the dead letter queue
	retrying   int             // records in retries, expired ones too
	running    int             // jobs
	bytes      int             // charged against buffer.max.bytes (see entry.size)
}

func newPartition(tp plugin.TopicPartition, o ordering) *partition {
	p := &partition{tp: tp, ready: minHeap[*entry]{less: byOffset}, retries: minHeap[*retry]{less: retryFirst}}
	switch o {
	case byKey:
		p.lanes = map[string]*lane{}
	case byPartition:
		p.one = &lane{}
	}
	return p
}

func byOffset(a, b *entry) bool { return a.at.offset < b.at.offset }

func retryFirst(a, b *retry) bool { return a.notBefore.Before(b.notBefore) }

// lane is records that go in offset order, one batch at a time: none of
// them goes while an earlier one is in a job or waiting for a retry.
type lane struct {
	key     string
	waiting fifo[*entry] // for their first attempt
	busy    int          // records in a job or a retry
}

// retry is records of a failed job waiting for their next attempt, or,
// once expired, for the dead letter queue. They go together, on their
// own, and hold back the later records of their lanes meanwhile.
type retry struct {
	entries   []*entry
	attempts  int
	since     time.Duration // healthy time (see loop.clock) of the first failure
	notBefore time.Time
	expire    bool
	why       failure // of the last attempt
}

// add takes a record put after the ones the partition holds.
func (p *partition) add(e *entry) {
	p.queue.push(e)
	p.bytes += e.size + entryOverhead
	p.fresh++
	p.freshBytes += len(e.frag)
	switch {
	case p.lanes != nil:
		l := p.lanes[string(e.key)]
		if l == nil {
			l = &lane{key: string(e.key)}
			p.lanes[l.key] = l
		}
		e.lane = l
	case p.one != nil:
		e.lane = p.one
	default:
		p.ready.push(e)
		return
	}
	e.lane.waiting.push(e)
	if e.lane.busy == 0 && e.lane.waiting.len() == 1 {
		p.ready.push(e)
	}
}

// next takes the next batch for a first attempt: ready records and those
// of their lanes that follow them, in offset order, up to maxRecords whose
// request body stays within maxBytes, and at least one.
func (p *partition) next(maxRecords, maxBytes int) []*entry {
	var batch []*entry
	size := batchOverhead
	// Records whose lane's earlier records are in this batch.
	follow := minHeap[*entry]{less: byOffset}
	for len(batch) < maxRecords {
		from := &p.ready
		if follow.len() > 0 && (p.ready.len() == 0 || byOffset(follow.top(), p.ready.top())) {
			from = &follow
		}
		if from.len() == 0 {
			break
		}
		e := from.top()
		size += len(e.frag) + 1 // and a comma
		if len(batch) > 0 && size > maxBytes {
			break
		}
		from.pop()
		batch = append(batch, e)
		p.fresh--
		p.freshBytes -= len(e.frag)
		if l := e.lane; l != nil {
			l.waiting.shift()
			l.busy++
			if n, ok := l.waiting.first(); ok && len(batch) < maxRecords {
				follow.push(n)
			}
		}
	}
	return batch
}

// settle takes a job's outcome: its done records free their lanes and
// their bytes, and the others, returned in offset order, stay in the way
// of their lanes for a retry.
func (p *partition) settle(entries []*entry, done []bool) (left []*entry) {
	for i, e := range entries {
		if !done[i] {
			left = append(left, e)
			continue
		}
		e.done = true
		p.bytes -= e.size
		e.release()
		if l := e.lane; l != nil {
			l.busy--
			p.free(l)
		}
	}
	for {
		e, ok := p.queue.first()
		if !ok || !e.done {
			break
		}
		p.queue.shift()
		p.bytes -= entryOverhead
	}
	return left
}

// free lets a lane's next record go once none of its records is in a job
// or a retry, and forgets a key that has nothing left.
func (p *partition) free(l *lane) {
	if l.busy > 0 {
		return
	}
	if e, ok := l.waiting.first(); ok {
		p.ready.push(e)
	} else if l != p.one {
		delete(p.lanes, l.key)
	}
}

// first is the first record not done: nothing from it on may be
// committed.
func (p *partition) first() (*entry, bool) { return p.queue.first() }

// fifo is a queue that reuses its array.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) len() int { return len(q.items) - q.head }

func (q *fifo[T]) push(x T) { q.items = append(q.items, x) }

func (q *fifo[T]) first() (T, bool) {
	if q.head == len(q.items) {
		var zero T
		return zero, false
	}
	return q.items[q.head], true
}

func (q *fifo[T]) shift() {
	var zero T
	q.items[q.head] = zero
	q.head++
	// Reclaim the front once it is half the array.
	if q.head*2 >= len(q.items) {
		k := copy(q.items, q.items[q.head:])
		clear(q.items[k:])
		q.items, q.head = q.items[:k], 0
	}
}

// minHeap is a binary heap ordered by less.
type minHeap[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (h *minHeap[T]) len() int { return len(h.items) }

func (h *minHeap[T]) top() T { return h.items[0] }

func (h *minHeap[T]) push(x T) {
	h.items = append(h.items, x)
	for i := len(h.items) - 1; i > 0; {
		up := (i - 1) / 2
		if !h.less(h.items[i], h.items[up]) {
			break
		}
		h.items[i], h.items[up] = h.items[up], h.items[i]
		i = up
	}
}

func (h *minHeap[T]) pop() T {
	top, n := h.items[0], len(h.items)-1
	h.items[0] = h.items[n]
	var zero T
	h.items[n] = zero
	h.items = h.items[:n]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < n && h.less(h.items[l], h.items[least]) {
			least = l
		}
		if r < n && h.less(h.items[r], h.items[least]) {
			least = r
		}
		if least == i {
			return top
		}
		h.items[i], h.items[least] = h.items[least], h.items[i]
		i = least
	}
}
