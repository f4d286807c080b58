package runtime

import (
	"context"
	"sync"

	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
)

// tracker keeps a source task's records in poll order per source
// partition until Kafka acknowledges them, and tells which offsets may be
// committed: per source partition, the offset of the last record of the
// contiguous acknowledged prefix (Java's SubmittedRecords). A record
// acknowledged out of order waits for those polled before it. The task's
// goroutine submits; the producer's goroutines acknowledge.
type tracker struct {
	mu     sync.Mutex
	queues map[string]*sourceQueue
}

// sourceQueue holds one source partition's records not yet committable.
type sourceQueue struct {
	key       string
	partition map[string]any
	recs      []*submitted
}

// submitted is one record on its way to Kafka.
type submitted struct {
	queue  *sourceQueue
	offset map[string]any
	acked  bool
}

// committable is a source partition's offset that may now be committed.
type committable struct {
	partition, offset map[string]any
}

func newTracker() *tracker { return &tracker{queues: map[string]*sourceQueue{}} }

// submit records a record in poll order; key identifies its source
// partition by content.
func (t *tracker) submit(key string, partition, offset map[string]any) *submitted {
	t.mu.Lock()
	defer t.mu.Unlock()
	q := t.queues[key]
	if q == nil {
		q = &sourceQueue{key: key, partition: partition}
		t.queues[key] = q
	}
	s := &submitted{queue: q, offset: offset}
	q.recs = append(q.recs, s)
	return s
}

// ack marks records acknowledged and returns, for each source partition
// whose acknowledged prefix grew, the offset to commit.
func (t *tracker) ack(recs ...*submitted) []committable {
	t.mu.Lock()
	defer t.mu.Unlock()
	var moved []*sourceQueue
	for _, s := range recs {
		s.acked = true
		if q := s.queue; len(q.recs) > 0 && q.recs[0] == s {
			moved = append(moved, q)
		}
	}
	var out []committable
	for _, q := range moved {
		n := 1 // the head is acknowledged
		for n < len(q.recs) && q.recs[n].acked {
			n++
		}
		out = append(out, committable{partition: q.partition, offset: q.recs[n-1].offset})
		q.recs = q.recs[n:]
		if len(q.recs) == 0 {
			delete(t.queues, q.key)
		}
	}
	return out
}

// offsetReader gives a source task its committed offsets, looked up by
// content in the offsets topic after catching up with it.
type offsetReader struct {
	store     *offsetstore.Store
	connector string
}

func (r offsetReader) Offset(ctx context.Context, partition map[string]any) (map[string]any, error) {
	offset, ok, err := r.store.Offset(ctx, r.connector, partition)
	if err != nil || !ok || offset == nil {
		return nil, err
	}
	return offset.Plain(), nil
}
