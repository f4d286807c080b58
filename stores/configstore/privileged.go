package configstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

// PrivilegedWriteError is a leader's transactional config write that failed:
// most often because a newer leader (or a zombie of an older one) claimed the
// config topic's transactional id. Nothing of the write is visible; the
// request may be retried, and the next privileged write claims the id again.
type PrivilegedWriteError struct{ Err error }

func (e *PrivilegedWriteError) Error() string {
	return "failed to write to the config topic as leader; this may be a transient error and the request can be retried: " + e.Err.Error()
}

func (e *PrivilegedWriteError) Unwrap() error { return e.Err }

// Fenced reports whether a newer holder of the leader's transactional id
// fenced this write: this worker no longer leads, or will not once it
// hears of the rebalance that elected the other.
func (e *PrivilegedWriteError) Fenced() bool { return kafkaclient.Fenced(e.Err) }

// abortTimeout bounds aborting a failed write's transaction; one not
// aborted in time is aborted by the next claim, or by the coordinator.
const abortTimeout = 5 * time.Second

// leaderWriter writes the records only the leader writes (connector and
// task configs, deletions, task-count records, session keys, restart
// requests) in transactions under connect-cluster-<group.id>, as Java's
// leader does when exactly.once.source.support is preparing or enabled.
// Claiming the id fences any earlier leader still writing.
type leaderWriter struct {
	clients *kafkaclient.Clients
	id      string
	topic   string

	mu sync.Mutex
	cl *kgo.Client // nil until claimed, and after a failed write
}

// claim (re)creates the transactional producer and initializes it, which
// fences every other holder of the id.
func (w *leaderWriter) claim(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.claimLocked(ctx)
}

func (w *leaderWriter) claimLocked(ctx context.Context) error {
	w.releaseLocked()
	cl, err := w.clients.TransactionalProducer(w.id,
		kgo.DefaultProduceTopic(w.topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return fmt.Errorf("claim transactional id %s for the config topic: %w", w.id, err)
	}
	w.cl = cl
	return nil
}

func (w *leaderWriter) releaseLocked() {
	if w.cl != nil {
		w.cl.Close()
		w.cl = nil
	}
}

func (w *leaderWriter) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.releaseLocked()
}

// send writes recs in one transaction. On failure the producer is dropped:
// its transaction is aborted (by the next claim if not now).
func (w *leaderWriter) send(ctx context.Context, recs []*kgo.Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cl == nil {
		if err := w.claimLocked(ctx); err != nil {
			return &PrivilegedWriteError{Err: err}
		}
	}
	err := w.cl.BeginTransaction()
	if err == nil {
		err = w.cl.ProduceSync(ctx, recs...).FirstErr()
	}
	if err == nil {
		err = w.cl.EndTransaction(ctx, kgo.TryCommit)
	}
	if err != nil {
		// Aborted now rather than at the next claim: read_committed readers
		// wait at an open transaction.
		abortCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
		abortErr := w.cl.EndTransaction(abortCtx, kgo.TryAbort)
		cancel()
		w.releaseLocked()
		return &PrivilegedWriteError{Err: errors.Join(err, abortErr)}
	}
	return nil
}
