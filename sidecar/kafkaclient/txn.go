package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TransactionTimeout is Java's producer default transaction.timeout.ms:
// how long the coordinator lets a transaction stay open before aborting it.
const TransactionTimeout = time.Minute

// TransactionalProducer returns a franz-go client that writes in
// transactions under id, idempotent and with acks=all as Java's
// transactional producers are. Its first transaction (or ProducerID) fences
// every earlier producer of the same id. franz-go rather than kafka-go:
// kafka-go has the messages but no transaction state machine, and
// franz-go's (KIP-360 epoch bumps, KIP-890) is the one Kafka's own tests
// exercise against Java clients.
func (c *Clients) TransactionalProducer(id string, opts ...kgo.Opt) (*kgo.Client, error) {
	return kgo.NewClient(slices.Concat(c.Franz, []kgo.Opt{
		kgo.TransactionalID(id),
		kgo.TransactionTimeout(TransactionTimeout),
		kgo.RequiredAcks(kgo.AllISRAcks()),
	}, opts)...)
}

// Fenced reports whether err says a newer producer of the same
// transactional id fenced this one. INVALID_TXN_STATE says it too: a
// fencing InitProducerId aborts the old producer's open transaction, and a
// broker that verifies transactions (KIP-890) answers the old producer's
// next produce so.
func Fenced(err error) bool {
	return errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) || errors.Is(err, kerr.InvalidTxnState)
}

// FenceProducers fences the transactional producers of ids, as Java's
// Admin.fenceProducers does: an InitProducerId with each id and no producer
// id or epoch bumps the id's epoch, so whoever holds it can no longer write
// and its open transaction is aborted. It retries what the coordinator
// reports as retriable until ctx ends.
func (c *Clients) FenceProducers(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(c.Franz...)
	if err != nil {
		return err
	}
	defer cl.Close()
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { errs[i] = fenceOne(ctx, cl, id) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

func fenceOne(ctx context.Context, cl *kgo.Client, id string) error {
	backoff := 50 * time.Millisecond
	for {
		req := kmsg.NewPtrInitProducerIDRequest()
		req.TransactionalID = &id
		req.TransactionTimeoutMillis = int32(TransactionTimeout.Milliseconds())
		req.ProducerID, req.ProducerEpoch = -1, -1
		resp, err := req.RequestWith(ctx, cl)
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		if err == nil {
			return nil
		}
		if !kerr.IsRetriable(err) && !errors.Is(err, kerr.ConcurrentTransactions) {
			return fmt.Errorf("fence transactional id %q: %w", id, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fence transactional id %q: %w (last: %v)", id, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}
