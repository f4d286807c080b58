package runtime

import (
	"context"
	"net"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/produce"
)

// leasedTransport sends a source task's produce requests only while
// refuse says nothing against it: its worker holds the group lease and the
// task has not been abandoned. The producer is asynchronous, so records
// the task handed over while it owned its work can go out later; a worker
// frozen (SIGSTOP, a long pause) or cut off past its session would then
// produce them after the task moved to another worker. Refused records
// come back to the task as failed sends, which it never commits: it sends
// them again if it still owns them, else the task's next owner produces
// them.
type leasedTransport struct {
	kafka.RoundTripper
	refuse func() error // nil: send
}

// errNoLease refuses a produce request. While the task runs it is
// retriable: the lease may come back. Once the task is stopping it is not,
// so that the producer gives up at once instead of retrying into the
// graceful timeout: this run will never send those records.
type errNoLease struct{ stopping bool }

func (errNoLease) Error() string {
	return "not producing: this worker's group membership lapsed, the task may run elsewhere"
}

func (e errNoLease) Temporary() bool { return !e.stopping }

func (t *leasedTransport) RoundTrip(ctx context.Context, addr net.Addr, req kafka.Request) (kafka.Response, error) {
	if _, ok := req.(*produce.Request); ok {
		if err := t.refuse(); err != nil {
			return nil, err
		}
	}
	return t.RoundTripper.RoundTrip(ctx, addr, req)
}
