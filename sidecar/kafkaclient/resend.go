package kafkaclient

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
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
func Resending(rt kafka.RoundTripper) kafka.RoundTripper { return resending{rt} }

type resending struct{ kafka.RoundTripper }

func (r resending) RoundTrip(ctx context.Context, addr net.Addr, req kafka.Request) (kafka.Response, error) {
	resp, err := r.RoundTripper.RoundTrip(ctx, addr, req)
	for i := 0; i < maxResends && err != nil && deadConnection(err) && resendable(req) && ctx.Err() == nil; i++ {
		resp, err = r.RoundTripper.RoundTrip(ctx, addr, req)
	}
	return resp, err
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
