package kafkalog

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	fetchapi "github.com/segmentio/kafka-go/protocol/fetch"
)

// Fetch requests go through the shared kafka.Transport (its connections,
// TLS, SASL and cluster layout) but their responses are read here rather than
// by kafka-go: its decoder drops each batch's last offset delta, and without
// it a reader cannot step over records compaction removed from the end of a
// batch, nor over empty batches, and stalls (see batch.go).
//
// fetchRequest is split by the transport into one fetchLeader message per
// partition leader, and the answers are merged back into a fetchResponse.

const (
	fetchMinVersion = 4  // isolation level, last stable offset, aborted transactions
	fetchMaxVersion = 11 // the last version before flexible encoding; kafka-go's maximum too
	maxResponseSize = 256 << 20
)

// fetchRequest asks for some partitions of one topic.
type fetchRequest struct {
	clientID  string
	topic     string
	maxWait   time.Duration
	maxBytes  int32 // per response
	partBytes int32 // per partition
	isolation int8  // 0 read_uncommitted, 1 read_committed
	parts     []fetchPartition
}

type fetchPartition struct {
	partition int32
	offset    int64
}

// fetchResponse holds one result per requested partition.
type fetchResponse struct {
	parts []partitionResult
}

// partitionResult is what a fetch answered for one partition. err is a
// kafka.Error from the broker or the error of the request that carried it.
type partitionResult struct {
	partition     int32
	err           error
	highWatermark int64
	lastStable    int64
	logStart      int64
	aborted       []abortedTxn
	records       []byte
}

// PartitionErrors lets the worker's transport see that a partition's
// leader moved (kafkaclient.Resending).
func (r *fetchResponse) PartitionErrors() []error {
	var errs []error
	for _, p := range r.parts {
		if p.err != nil {
			errs = append(errs, p.err)
		}
	}
	return errs
}

func (*fetchRequest) ApiKey() protocol.ApiKey  { return protocol.Fetch }
func (*fetchResponse) ApiKey() protocol.ApiKey { return protocol.Fetch }

// Split groups the partitions by leader, using the transport's layout.
// Partitions it cannot route are answered right away with an error.
func (r *fetchRequest) Split(c protocol.Cluster) ([]protocol.Message, protocol.Merger, error) {
	m := &fetchMerger{}
	byLeader := map[int32]*fetchLeader{}
	var msgs []protocol.Message
	topic, known := c.Topics[r.topic]
	for _, p := range r.parts {
		part, ok := topic.Partitions[p.partition]
		if !known || !ok {
			m.unrouted = append(m.unrouted, partitionResult{partition: p.partition, err: kafka.UnknownTopicOrPartition})
			continue
		}
		broker, ok := c.Brokers[part.Leader]
		if !ok {
			m.unrouted = append(m.unrouted, partitionResult{partition: p.partition, err: kafka.LeaderNotAvailable})
			continue
		}
		l := byLeader[part.Leader]
		if l == nil {
			l = &fetchLeader{broker: broker, clientID: r.clientID, req: fetchapi.Request{
				ReplicaID:      -1,
				MaxWaitTime:    int32(r.maxWait / time.Millisecond),
				MinBytes:       1,
				MaxBytes:       r.maxBytes,
				IsolationLevel: r.isolation,
				SessionID:      0, // with epoch -1: no fetch session, as a Java consumer without one
				SessionEpoch:   -1,
				Topics:         []fetchapi.RequestTopic{{Topic: r.topic}},
			}}
			byLeader[part.Leader] = l
			msgs = append(msgs, l)
		}
		l.req.Topics[0].Partitions = append(l.req.Topics[0].Partitions, fetchapi.RequestPartition{
			Partition:          p.partition,
			CurrentLeaderEpoch: -1,
			FetchOffset:        p.offset,
			LogStartOffset:     -1,
			PartitionMaxBytes:  r.partBytes,
		})
	}
	return msgs, m, nil
}

type fetchMerger struct {
	unrouted []partitionResult
}

// Merge never fails: a request that failed fails each of its partitions.
func (m *fetchMerger) Merge(msgs []protocol.Message, results []any) (protocol.Message, error) {
	out := &fetchResponse{parts: slices.Clone(m.unrouted)}
	for i, res := range results {
		resp, err := protocol.Result(res)
		if err != nil {
			for _, p := range msgs[i].(*fetchLeader).req.Topics[0].Partitions {
				out.parts = append(out.parts, partitionResult{partition: p.Partition, err: err})
			}
			continue
		}
		out.parts = append(out.parts, resp.(*fetchResponse).parts...)
	}
	return out, nil
}

// fetchLeader is the request for the partitions one broker leads. It
// writes itself to the connection and reads the raw answer
// (protocol.RawExchanger), so the record bytes reach decodeBatches whole.
type fetchLeader struct {
	broker   protocol.Broker
	clientID string
	req      fetchapi.Request
	version  int16
}

var correlationIDs atomic.Int32

func (*fetchLeader) ApiKey() protocol.ApiKey { return protocol.Fetch }

func (l *fetchLeader) Broker(protocol.Cluster) (protocol.Broker, error) { return l.broker, nil }

// Required is told the versions negotiated on the connection; the request
// uses the highest one this file can read.
func (l *fetchLeader) Required(versions map[protocol.ApiKey]int16) bool {
	l.version = min(versions[protocol.Fetch], fetchMaxVersion)
	return true
}

func (l *fetchLeader) RawExchange(rw io.ReadWriter) (protocol.Message, error) {
	if l.version < fetchMinVersion {
		return nil, fmt.Errorf("fetch v%d: need a broker that supports fetch v%d or later", l.version, fetchMinVersion)
	}
	id := correlationIDs.Add(1)
	if err := protocol.WriteRequest(rw, l.version, id, l.clientID, &l.req); err != nil {
		return nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(rw, size[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(size[:]))
	if n < 4 || n > maxResponseSize {
		return nil, fmt.Errorf("fetch response of %d bytes", n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(rw, body); err != nil {
		return nil, err
	}
	return parseFetchResponse(body, l.version, id)
}

// parseFetchResponse reads a fetch response body (after its size), v4 to v11.
func parseFetchResponse(b []byte, version int16, correlationID int32) (*fetchResponse, error) {
	r := wireReader{b: b}
	if id := r.int32(); r.err == nil && id != correlationID {
		return nil, fmt.Errorf("fetch response for request %d, want %d", id, correlationID)
	}
	r.int32() // throttle time
	var topErr error
	if version >= 7 {
		topErr = codeError(r.int16())
		r.int32() // session id
	}
	out := &fetchResponse{}
	for range r.array() {
		r.string() // topic: we ask for one
		for range r.array() {
			p := partitionResult{partition: r.int32()}
			p.err = codeError(r.int16())
			p.highWatermark = r.int64()
			p.lastStable = r.int64()
			p.logStart = -1
			if version >= 5 {
				p.logStart = r.int64()
			}
			for range r.array() {
				p.aborted = append(p.aborted, abortedTxn{producerID: r.int64(), first: r.int64()})
			}
			slices.SortFunc(p.aborted, func(a, b abortedTxn) int { return cmp.Compare(a.first, b.first) })
			if version >= 11 {
				r.int32() // preferred read replica
			}
			p.records = r.bytes()
			if topErr != nil {
				p.err = topErr
			}
			out.parts = append(out.parts, p)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("fetch response: %w", r.err)
	}
	return out, nil
}

func codeError(code int16) error {
	if code == 0 {
		return nil
	}
	return kafka.Error(code)
}

// wireReader reads big-endian protocol fields; the first error sticks.
type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *wireReader) int16() int16 {
	if v := r.take(2); v != nil {
		return int16(binary.BigEndian.Uint16(v))
	}
	return 0
}

func (r *wireReader) int32() int32 {
	if v := r.take(4); v != nil {
		return int32(binary.BigEndian.Uint32(v))
	}
	return 0
}

func (r *wireReader) int64() int64 {
	if v := r.take(8); v != nil {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

func (r *wireReader) string() string {
	n := r.int16()
	if n < 0 {
		return ""
	}
	return string(r.take(int(n)))
}

func (r *wireReader) bytes() []byte {
	n := r.int32()
	if n < 0 {
		return nil
	}
	return r.take(int(n))
}

// array returns the element count of an array (0 for null). It stops at
// the first error, so a corrupt count cannot make a caller loop for long.
func (r *wireReader) array() int {
	n := r.int32()
	if r.err != nil || n < 0 {
		return 0
	}
	if int(n) > len(r.b) { // every element takes at least a byte
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	return int(n)
}
