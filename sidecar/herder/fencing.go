package herder

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/offsetstore"
)

// Transactions fences transactional producers by id and makes them
// (*kafkaclient.Clients).
type Transactions interface {
	FenceProducers(ctx context.Context, ids []string) error
	TransactionalProducer(id string, opts ...kgo.Opt) (*kgo.Client, error)
}

// ExactlyOnce is what the leader needs for zombie fencing (KIP-618): the
// group id that task transactional ids start with, and a way to fence them.
type ExactlyOnce struct {
	GroupID      string
	Transactions Transactions
	// SyncTimeout bounds reading the config topic to its end around a
	// fencing (worker.sync.timeout.ms).
	SyncTimeout time.Duration
}

// fenceTimeout bounds a fencing round, as Java bounds it by its REST
// request timeout.
const fenceTimeout = 90 * time.Second

// fencings shares one fencing round per connector among the requests that
// arrive while it runs, as Java's leader does.
type fencings struct {
	mu      sync.Mutex
	running map[string]*fencing
}

type fencing struct {
	done chan struct{}
	err  error
}

// FenceZombies is the leader's fencing round for a source connector
// (PUT /connectors/{c}/fence, and exactly-once tasks starting here): once
// new task configs were committed, fence the producers of the generation
// the last task-count record names, then record the new task count, so no
// task of an older generation can commit another transaction.
func (a *API) FenceZombies(ctx context.Context, connector string) error {
	if a.exactlyOnce.Transactions == nil {
		return &rest.BadRequestError{Message: "Exactly-once source support is not enabled on this worker"}
	}
	if asg, ok := a.h.Assignment(); !ok || !asg.Leader() {
		return &rest.NotLeaderError{LeaderURL: asg.LeaderURL, Message: "Only the leader may perform zombie fencing."}
	}
	snap := a.snapshot()
	conf, ok := snap.ConnectorConfig(connector)
	if !ok {
		return notFound(connector)
	}
	if a.connectorType(Plain(conf)) != rest.TypeSource {
		return &rest.BadRequestError{Message: "Connector " + connector + " is not a source connector"}
	}
	if err := a.readConfigToEnd(ctx); err != nil {
		return err
	}
	snap = a.snapshot()
	if !snap.PendingFencing(connector) {
		return nil // every older generation was fenced already
	}
	taskCount := snap.TaskCount(connector)
	recorded, hasRecord := snap.TaskCountRecord(connector)
	if !hasRecord || (recorded == 1 && taskCount == 1) {
		// No transactional producer ran yet, or the single new task's own
		// producer fences the single old one when it starts.
		return a.h.d.Configs.PutTaskCountRecord(ctx, connector, taskCount)
	}
	generation, _ := snap.TaskConfigGeneration(connector)
	return a.fencing.join(ctx, connector, func() error {
		// Its own time, not the first caller's: others wait for it too.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fenceTimeout)
		defer cancel()
		return a.fence(ctx, connector, recorded, taskCount, generation)
	})
}

// join runs round unless one for the connector runs already, and waits for
// whichever runs.
func (f *fencings) join(ctx context.Context, connector string, round func() error) error {
	f.mu.Lock()
	if f.running == nil {
		f.running = map[string]*fencing{}
	}
	r, ok := f.running[connector]
	if !ok {
		r = &fencing{done: make(chan struct{})}
		f.running[connector] = r
		go func() {
			r.err = round()
			f.mu.Lock()
			delete(f.running, connector)
			f.mu.Unlock()
			close(r.done)
		}()
	}
	f.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *API) fence(ctx context.Context, connector string, fenceTasks, taskCount, generation int32) error {
	ids := make([]string, fenceTasks)
	for i := range ids {
		ids[i] = runtime.TaskTransactionalID(a.exactlyOnce.GroupID, runtime.TaskID{Connector: connector, Task: int32(i)})
	}
	if err := a.exactlyOnce.Transactions.FenceProducers(ctx, ids); err != nil {
		return fmt.Errorf("failed to perform round of zombie fencing for connector %s: %w", connector, err)
	}
	if err := a.readConfigToEnd(ctx); err != nil {
		return err
	}
	if now, _ := a.snapshot().TaskConfigGeneration(connector); now != generation {
		return &rest.ConflictError{Message: "Fencing failed because new task configurations were generated for the connector"}
	}
	return a.h.d.Configs.PutTaskCountRecord(ctx, connector, taskCount)
}

func (a *API) readConfigToEnd(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, a.exactlyOnce.SyncTimeout)
	defer cancel()
	if err := a.h.d.Configs.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("failed to read to end of config topic before performing zombie fencing: %w", err)
	}
	return nil
}

// writeOffsets alters or resets the offsets of a stopped exactly-once
// source connector as Java's leader does: a fencing round first, so no
// task of it can commit again, then one transaction under the
// transactional id of its task 0.
func (a *API) writeOffsets(ctx context.Context, stores offsetstore.Connector, name string, offsets []offsetstore.Offset) error {
	if err := a.FenceZombies(ctx, name); err != nil {
		return fmt.Errorf("failed to perform zombie fencing for source connector prior to modifying offsets: %w", err)
	}
	cl, err := a.exactlyOnce.Transactions.TransactionalProducer(
		runtime.TaskTransactionalID(a.exactlyOnce.GroupID, runtime.TaskID{Connector: name}),
		kgo.RecordPartitioner(offsetstore.JavaPartitioner))
	if err != nil {
		return err
	}
	defer cl.Close()
	return stores.WriteWith(ctx, name, offsets, func(ctx context.Context, primary *offsetstore.Store, offsets []offsetstore.Offset) error {
		return primary.WriteInTransaction(ctx, cl, name, offsets)
	})
}

// PrepareTask is an exactly-once source task's preflight before its
// producer starts: a fencing round, on this worker if it leads, else by the
// leader over Connect's internal, signed PUT /connectors/{c}/fence.
func (a *API) PrepareTask(ctx context.Context, id runtime.TaskID) error {
	err := a.FenceZombies(ctx, id.Connector)
	nl, ok := err.(*rest.NotLeaderError)
	if !ok {
		return err
	}
	if a.h.d.Publisher == nil || nl.LeaderURL == "" {
		return fmt.Errorf("this worker cannot reach the leader of the cluster, which exactly-once source tasks need for zombie fencing")
	}
	var key []byte
	if k, ok := a.snapshot().SessionKey(); ok {
		key = k.Key
	}
	return a.h.d.Publisher.FenceZombies(ctx, nl.LeaderURL, id.Connector, key)
}

// StillOwns is an exactly-once source task's last check before it starts,
// after its producer fenced older ones: the config topic read to its end
// still has the task configs it was started with, and the task is still
// assigned here.
func (a *API) StillOwns(ctx context.Context, id runtime.TaskID, generation int32) error {
	if err := a.h.d.Configs.ReadToEnd(ctx); err != nil {
		return fmt.Errorf("failed to read to end of config topic: %w", err)
	}
	if now, _ := a.snapshot().TaskConfigGeneration(id.Connector); now != generation {
		return fmt.Errorf("cannot start source task %s-%d with exactly-once support as the connector has already generated a new set of task configs", id.Connector, id.Task)
	}
	asg, _ := a.h.Assignment()
	for _, t := range asg.Work.Tasks {
		if t.Connector == id.Connector && t.Task == id.Task {
			return nil
		}
	}
	return fmt.Errorf("cannot start source task %s-%d as it has already been revoked from this worker", id.Connector, id.Task)
}
