package kafkaclient

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/fetch"
	"github.com/segmentio/kafka-go/protocol/listoffsets"
	"github.com/segmentio/kafka-go/protocol/produce"
)

// maxResends bounds how many dead pooled connections one request may run
// into: a transport keeps a connection per broker plus a control one, and
// after a broker restart each of them is dead until used once.
const maxResends = 3

// Resending wraps rt so that a request that went out on a pooled
// connection the broker had already closed (a broker restart, an idle
// timeout on a load balancer) is sent again on a fresh one, instead of
// failing the operation with EOF. kafka-go does not notice a peer's close
// while a connection sits idle, so without this the first request after
// every broker restart fails.
//
// Only requests whose repetition changes nothing are resent: a produce
// that the broker wrote before the connection broke would be written
// twice, and a repeated InitProducerId would fence its own producer.
//
// When rt is a *kafka.Transport, Resending also makes it forget where
// partitions live once a broker cannot be reached or answers that it no
// longer leads a partition (see forgetting).
func Resending(rt kafka.RoundTripper) kafka.RoundTripper {
	r := &resending{RoundTripper: rt}
	if t, ok := rt.(*kafka.Transport); ok {
		r.forget = t.CloseIdleConnections
	}
	return r
}

type resending struct {
	kafka.RoundTripper
	forget    func() // nil: nothing to forget
	forgotten atomic.Int64
}

func (r *resending) RoundTrip(ctx context.Context, addr net.Addr, req kafka.Request) (kafka.Response, error) {
	resp, err := r.RoundTripper.RoundTrip(ctx, addr, req)
	for i := 0; i < maxResends && err != nil && deadConnection(err) && resendable(req) && ctx.Err() == nil; i++ {
		resp, err = r.RoundTripper.RoundTrip(ctx, addr, req)
	}
	if r.forget != nil && (unreachable(err) || err == nil && leaderMoved(resp)) {
		r.forgetRoutes()
	}
	return resp, err
}

// forgetInterval bounds how often a transport starts afresh: while a
// partition has no leader every request to it fails, and one new metadata
// fetch a second finds the new leader soon enough.
const forgetInterval = time.Second

// forgetRoutes drops the transport's connection pools, and with them its
// metadata. kafka-go refreshes metadata only every MetadataTTL and not on
// errors, so after a broker dies it keeps sending the broker's partitions
// to it for up to that long (30 s), well after KRaft elected new leaders
// (about 9 s, broker.session.timeout.ms). The next request builds a pool
// that asks for metadata first; requests in flight finish on the old one.
func (r *resending) forgetRoutes() {
	now := time.Now().UnixNano()
	last := r.forgotten.Load()
	if now-last < int64(forgetInterval) || !r.forgotten.CompareAndSwap(last, now) {
		return
	}
	r.forget()
}

// unreachable tells whether err means a broker could not be reached at
// all, or its connection broke: the routes to it may be stale.
func unreachable(err error) bool {
	var op *net.OpError
	return err != nil && (deadConnection(err) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.As(err, &op) && op.Op == "dial")
}

// PartitionErrors is what the answer of a request type defined outside
// kafka-go implements, so that Resending sees its partitions' errors: a
// kafka.Error from the broker, or the error of the sub-request to a broker
// that carried the partition.
type PartitionErrors interface{ PartitionErrors() []error }

// leaderMoved tells whether a produce, fetch or offsets answer says a
// partition is not (or no longer) led where it was sent: the errors on
// which Java's clients refresh metadata, or a broker that could not be
// reached for some of the partitions.
func leaderMoved(resp kafka.Response) bool {
	var errs []error
	code := func(c int16) {
		if c != 0 {
			errs = append(errs, kafka.Error(c))
		}
	}
	switch r := resp.(type) {
	case PartitionErrors:
		errs = r.PartitionErrors()
	case *produce.Response:
		for _, t := range r.Topics {
			for _, p := range t.Partitions {
				code(p.ErrorCode)
			}
		}
	case *fetch.Response:
		for _, t := range r.Topics {
			for _, p := range t.Partitions {
				code(p.ErrorCode)
			}
		}
	case *listoffsets.Response:
		for _, t := range r.Topics {
			for _, p := range t.Partitions {
				code(p.ErrorCode)
			}
		}
	}
	for _, err := range errs {
		var kerr kafka.Error
		if errors.As(err, &kerr) {
			switch kerr {
			case kafka.NotLeaderForPartition, kafka.LeaderNotAvailable, kafka.UnknownTopicOrPartition,
				kafka.KafkaStorageError, kafka.FencedLeaderEpoch, kafka.UnknownLeaderEpoch:
				return true
			}
		} else if unreachable(err) {
			return true
		}
	}
	return false
}

// deadConnection tells whether err means the connection was closed under
// the request, as opposed to an answer or a timeout.
func deadConnection(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func resendable(req kafka.Request) bool {
	switch req.ApiKey() {
	case protocol.Produce, protocol.InitProducerId, protocol.AddPartitionsToTxn, protocol.AddOffsetsToTxn,
		protocol.EndTxn, protocol.TxnOffsetCommit:
		return false
	}
	return true
}
