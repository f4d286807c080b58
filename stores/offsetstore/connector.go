package offsetstore

import (
	"context"
	"log/slog"
	"sync"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/kafkaclient"
)

// Stores gives a source connector the stores of its offsets, as Java's
// ConnectorOffsetBackingStore does: the worker's offsets topic, and the
// connector's own when its offsets.storage.topic names another topic
// (KIP-618). Stores of connector topics are opened when first asked for
// and kept until Close, since a worker's connectors name few of them.
type Stores struct {
	Worker  *Store
	clients *kafkaclient.Clients
	w       config.Worker
	logger  *slog.Logger

	mu     sync.Mutex
	topics map[string]*Store
}

// NewStores returns the stores of a worker whose own offsets store is
// worker; it does no I/O.
func NewStores(clients *kafkaclient.Clients, w config.Worker, worker *Store, logger *slog.Logger) *Stores {
	return &Stores{Worker: worker, clients: clients, w: w, logger: logger, topics: map[string]*Store{}}
}

// Connector is where a connector's offsets live: primary is read and
// written first; secondary, when not nil, is the worker's topic, which
// gets a copy of what the connector's own topic gets, as Java writes it.
type Connector struct {
	Primary, Secondary *Store
}

// For returns the stores of a connector whose offsets.storage.topic is
// topic ("" for none), starting the store of a connector topic (creating
// the topic if need be and reading it to its end) the first time.
func (s *Stores) For(ctx context.Context, topic string) (Connector, error) {
	if topic == "" || topic == s.Worker.topic {
		return Connector{Primary: s.Worker}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.topics[topic]
	if !ok {
		st = newStore(s.clients, s.w, topic, "offsets.storage.topic", s.logger)
		if err := st.Start(ctx); err != nil {
			return Connector{}, err
		}
		s.topics[topic] = st
	}
	return Connector{Primary: st, Secondary: s.Worker}, nil
}

// Close stops the stores of connector topics; the worker's own is the
// worker's to stop.
func (s *Stores) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.topics {
		st.Stop()
	}
	clear(s.topics)
}

// Write writes offsets where Java's ConnectorOffsetBackingStore writes
// them: with a connector topic, tombstones to the worker's topic first,
// then everything to the connector's, then the other offsets to the
// worker's, so that neither topic ever holds an offset the other has
// deleted.
func (c Connector) Write(ctx context.Context, connector string, offsets []Offset) error {
	return c.WriteWith(ctx, connector, offsets, func(ctx context.Context, primary *Store, offsets []Offset) error {
		return primary.Write(ctx, connector, offsets)
	})
}

// WriteWith is Write with primary's part written by write: in a
// transaction, for an exactly-once connector.
func (c Connector) WriteWith(ctx context.Context, connector string, offsets []Offset, write func(context.Context, *Store, []Offset) error) error {
	if c.Secondary == nil {
		return write(ctx, c.Primary, offsets)
	}
	var tombstones, values []Offset
	for _, o := range offsets {
		if o.Offset == nil {
			tombstones = append(tombstones, o)
		} else {
			values = append(values, o)
		}
	}
	if len(tombstones) > 0 {
		if err := c.Secondary.Write(ctx, connector, tombstones); err != nil {
			return err
		}
	}
	if err := write(ctx, c.Primary, offsets); err != nil {
		return err
	}
	if len(values) == 0 {
		return nil
	}
	return c.Secondary.Write(ctx, connector, values)
}
