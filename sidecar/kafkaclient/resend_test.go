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
