package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/fetch"
	"github.com/segmentio/kafka-go/protocol/listoffsets"
	"github.com/segmentio/kafka-go/protocol/produce"
)

// deadConns fails the first n requests with err, then answers.
type deadConns struct {
	n    int
	err  error
	sent int
}

func (d *deadConns) RoundTrip(context.Context, net.Addr, kafka.Request) (kafka.Response, error) {
	d.sent++
	if d.sent <= d.n {
		return nil, fmt.Errorf("kafka-go: %w", d.err)
	}
	return &listoffsets.Response{}, nil
}

func TestResending(t *testing.T) {
	reset := &net.OpError{Op: "write", Net: "tcp", Err: syscall.ECONNRESET}
	for _, c := range []struct {
		name     string
		req      kafka.Request
		dead     int
		err      error
		wantSent int
		wantErr  bool
	}{
		{"EOF on a pooled connection is resent", &listoffsets.Request{}, 1, io.ErrUnexpectedEOF, 2, false},
		{"a reset connection is resent", &listoffsets.Request{}, 1, reset, 2, false},
		{"every dead connection of a pool", &listoffsets.Request{}, maxResends, io.EOF, maxResends + 1, false},
		{"but not forever", &listoffsets.Request{}, 100, io.EOF, maxResends + 1, true},
		{"a produce may have been written: not resent", &produce.Request{}, 1, io.EOF, 1, true},
		{"a refused connection is the caller's to retry", &listoffsets.Request{}, 1, syscall.ECONNREFUSED, 1, true},
		{"a timeout is not a dead connection", &listoffsets.Request{}, 1, context.DeadlineExceeded, 1, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &deadConns{n: c.dead, err: c.err}
			_, err := Resending(d).RoundTrip(context.Background(), kafka.TCP("x:9092"), c.req)
			if (err != nil) != c.wantErr || d.sent != c.wantSent {
				t.Fatalf("sent %d times, err %v; want %d times, error %v", d.sent, err, c.wantSent, c.wantErr)
			}
			if err != nil && !errors.Is(err, c.err) {
				t.Fatalf("err %v does not wrap %v", err, c.err)
			}
		})
	}
}

func TestResendingStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := &deadConns{n: 1, err: io.EOF}
	if _, err := Resending(d).RoundTrip(ctx, kafka.TCP("x:9092"), &listoffsets.Request{}); err == nil || d.sent != 1 {
		t.Fatalf("sent %d times, err %v; want one try and its error", d.sent, err)
	}
}

// answers fails with err, or answers resp.
type answers struct {
	resp kafka.Response
	err  error
}

func (a answers) RoundTrip(context.Context, net.Addr, kafka.Request) (kafka.Response, error) {
	return a.resp, a.err
}

// ownAnswer is the answer of a request type defined outside kafka-go.
type ownAnswer []error

func (ownAnswer) ApiKey() protocol.ApiKey    { return protocol.Fetch }
func (a ownAnswer) PartitionErrors() []error { return a }

func producedWith(code kafka.Error) *produce.Response {
	return &produce.Response{Topics: []produce.ResponseTopic{{Topic: "t", Partitions: []produce.ResponsePartition{
		{Partition: 0}, {Partition: 1, ErrorCode: int16(code)},
	}}}}
}

// A transport keeps sending a partition to the broker its metadata names
// until it forgets its routes; it must forget them when that broker is
// gone or says it no longer leads, and only then.
func TestResendingForgetsStaleRoutes(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		name   string
		answer answers
		forget bool
	}{
		{"a broker that refuses connections", answers{err: fmt.Errorf("kafka-go: %w", refused)}, true},
		{"a connection that broke", answers{err: io.EOF}, true},
		{"a partition's old leader", answers{resp: producedWith(kafka.NotLeaderForPartition)}, true},
		{"a partition without a leader", answers{resp: &fetch.Response{Topics: []fetch.ResponseTopic{{Partitions: []fetch.ResponsePartition{{ErrorCode: int16(kafka.LeaderNotAvailable)}}}}}}, true},
		{"a fenced leader epoch", answers{resp: &listoffsets.Response{Topics: []listoffsets.ResponseTopic{{Partitions: []listoffsets.ResponsePartition{{ErrorCode: int16(kafka.FencedLeaderEpoch)}}}}}}, true},
		{"a partition of a request type of our own whose broker is gone", answers{resp: ownAnswer{nil, fmt.Errorf("fetch: %w", refused)}}, true},
		{"a partition of a request type of our own whose leader moved", answers{resp: ownAnswer{kafka.NotLeaderForPartition}}, true},
		{"a partition of a request type of our own that is fine", answers{resp: ownAnswer{nil}}, false},
		{"a write the leader refused", answers{resp: producedWith(kafka.NotEnoughReplicas)}, false},
		{"an answer", answers{resp: producedWith(0)}, false},
		{"a timeout", answers{err: context.DeadlineExceeded}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			forgot := 0
			r := &resending{RoundTripper: c.answer, forget: func() { forgot++ }}
			_, _ = r.RoundTrip(context.Background(), kafka.TCP("x:9092"), &listoffsets.Request{})
			if want := map[bool]int{true: 1, false: 0}[c.forget]; forgot != want {
				t.Fatalf("forgot the routes %d times, want %d", forgot, want)
			}
		})
	}
}

// While a partition has no leader every request to it fails; starting
// afresh on each would reconnect to every broker for every request.
func TestResendingForgetsAtMostOnceASecond(t *testing.T) {
	forgot := 0
	r := &resending{RoundTripper: answers{resp: producedWith(kafka.NotLeaderForPartition)}, forget: func() { forgot++ }}
	for range 100 {
		_, _ = r.RoundTrip(context.Background(), kafka.TCP("x:9092"), &produce.Request{})
	}
	if forgot != 1 {
		t.Fatalf("forgot the routes %d times in a burst of 100 failures, want once", forgot)
	}
}
