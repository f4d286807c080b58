package runtime

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/metadata"
	"github.com/segmentio/kafka-go/protocol/produce"
)

type countingTripper struct{ calls int }

func (c *countingTripper) RoundTrip(context.Context, net.Addr, kafka.Request) (kafka.Response, error) {
	c.calls++
	return nil, nil
}

// Without the lease a produce request is refused, with an error kafka-go
// and the runtime retry while the task runs and give up on once it stops;
// other requests go through.
func TestLeasedTransportRefusesProducesWithoutTheLease(t *testing.T) {
	next := &countingTripper{}
	var refusal error = errNoLease{}
	lt := &leasedTransport{RoundTripper: next, refuse: func() error { return refusal }}
	_, err := lt.RoundTrip(context.Background(), nil, &produce.Request{})
	var temp interface{ Temporary() bool }
	if !errors.As(err, &temp) || !temp.Temporary() || !retriable(err) {
		t.Errorf("produce without the lease: %v, want a retriable error", err)
	}
	if _, err := lt.RoundTrip(context.Background(), nil, &metadata.Request{}); err != nil || next.calls != 1 {
		t.Errorf("metadata without the lease: %v after %d calls, want it sent", err, next.calls)
	}
	refusal = errNoLease{stopping: true}
	if _, err := lt.RoundTrip(context.Background(), nil, &produce.Request{}); err == nil || retriable(err) || next.calls != 1 {
		t.Errorf("produce without the lease while stopping: %v after %d calls, want a final error", err, next.calls)
	}
	refusal = nil
	if _, err := lt.RoundTrip(context.Background(), nil, &produce.Request{}); err != nil || next.calls != 2 {
		t.Errorf("produce with the lease: %v after %d calls, want it sent", err, next.calls)
	}
}
