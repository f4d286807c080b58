package kafkaclient

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
)

// ConnObserver is told about the connections a transport opens and the
// bytes they carry: the figures Java's clients report as connection-count,
// incoming-byte-total and outgoing-byte-total. It is called from the
// transport's goroutines, so it must be safe for concurrent use and must
// not block.
type ConnObserver interface {
	ConnOpened()
	ConnClosed()
	BytesRead(n int)
	BytesWritten(n int)
}

// NewTransport returns a transport with the worker's settings but a pool
// of connections of its own, under clientID. A source task's producer uses
// one, as each Java task has a producer of its own, so that its
// connections and bytes can be told apart from the worker's; obs (may be
// nil) observes them. Close it with CloseIdleConnections when done.
func (c *Clients) NewTransport(clientID string, obs ConnObserver) *kafka.Transport {
	shared := c.Transport
	t := &kafka.Transport{
		DialTimeout: shared.DialTimeout,
		IdleTimeout: shared.IdleTimeout,
		MetadataTTL: shared.MetadataTTL,
		ClientID:    clientID,
		TLS:         shared.TLS,
		SASL:        shared.SASL,
	}
	if obs != nil {
		t.Dial = observedDial(obs)
	}
	return t
}

// SharedConnections is how many connections the shared Transport has open.
func (c *Clients) SharedConnections() int64 { return c.shared.n.Load() }

// observedDial dials as kafka-go's default dialer does (3 s an address,
// within the transport's DialTimeout for all) and reports each connection
// to obs. The transport wraps what Dial returns in TLS itself, so the
// bytes counted are those on the wire.
func observedDial(obs ConnObserver) func(context.Context, string, string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 3 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		obs.ConnOpened()
		return &observedConn{Conn: conn, obs: obs}, nil
	}
}

// connCount counts open connections and ignores their bytes.
type connCount struct{ n atomic.Int64 }

func (c *connCount) ConnOpened()      { c.n.Add(1) }
func (c *connCount) ConnClosed()      { c.n.Add(-1) }
func (c *connCount) BytesRead(int)    {}
func (c *connCount) BytesWritten(int) {}

// observedConn reports its traffic and its closing (once) to obs.
type observedConn struct {
	net.Conn
	obs    ConnObserver
	closed atomic.Bool
}

func (c *observedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.obs.BytesRead(n)
	}
	return n, err
}

func (c *observedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.obs.BytesWritten(n)
	}
	return n, err
}

func (c *observedConn) Close() error {
	if !c.closed.Swap(true) {
		c.obs.ConnClosed()
	}
	return c.Conn.Close()
}
