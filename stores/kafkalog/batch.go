package kafkalog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/segmentio/kafka-go/compress"
	"github.com/segmentio/kafka-go/protocol"
)

// This file is pure: it turns the record bytes of a fetch response into
// batches, and batches into the records a log hands on. It keeps what
// kafka-go's decoder drops and a Java consumer relies on: the last offset a
// batch covers (compaction removes records but keeps the batch's last
// offset, and may keep empty batches) and whether it is a transaction marker.

// batch is one record batch, or one legacy (v0/v1) message, of a partition.
type batch struct {
	base, last    int64 // offsets it covers, including records compaction removed
	control       bool  // a transaction marker: never delivered
	abort         bool  // control batch holding an ABORT marker
	transactional bool
	producerID    int64
	records       []Record
}

// Batch header layout (magic 2), offsets from the start of the batch.
const (
	batchOverhead   = 12 // base offset + batch length
	magicAt         = 16
	crcAt           = 17
	attributesAt    = 21
	headerSize      = 61
	attrCompression = 0x07
	attrLogAppend   = 0x08
	attrTransaction = 0x10
	attrControl     = 0x20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt marks bytes that cannot be a record batch.
var errCorrupt = errors.New("corrupt record batch")

// decodeBatches reads the complete batches in b. Brokers may cut the last
// batch of a response short; it is dropped and fetched again from its
// offset. On a broken batch it returns the batches before it and the error.
// The records' Key and Value are copies: callers may keep them.
func decodeBatches(partition int, b []byte) ([]batch, error) {
	var out []batch
	for len(b) >= batchOverhead {
		size := int(int32(binary.BigEndian.Uint32(b[8:12])))
		if size < 0 {
			return out, fmt.Errorf("%w: length %d", errCorrupt, size)
		}
		if len(b) < batchOverhead+size {
			break // cut short by the response size limit
		}
		raw := b[:batchOverhead+size]
		b = b[batchOverhead+size:]
		if len(raw) <= magicAt {
			return out, fmt.Errorf("%w: length %d", errCorrupt, size)
		}
		var (
			bt  batch
			err error
		)
		if raw[magicAt] >= 2 {
			bt, err = decodeBatchV2(partition, raw)
		} else {
			bt, err = decodeLegacy(partition, raw)
		}
		if err != nil {
			return out, fmt.Errorf("batch at offset %d: %w", int64(binary.BigEndian.Uint64(raw)), err)
		}
		out = append(out, bt)
	}
	return out, nil
}

func decodeBatchV2(partition int, raw []byte) (batch, error) {
	if len(raw) < headerSize {
		return batch{}, fmt.Errorf("%w: %d bytes", errCorrupt, len(raw))
	}
	if raw[magicAt] != 2 {
		return batch{}, fmt.Errorf("%w: magic %d", errCorrupt, raw[magicAt])
	}
	if want, got := binary.BigEndian.Uint32(raw[crcAt:]), crc32.Checksum(raw[attributesAt:], castagnoli); want != got {
		return batch{}, fmt.Errorf("%w: crc %08x, computed %08x", errCorrupt, want, got)
	}
	base := int64(binary.BigEndian.Uint64(raw[0:]))
	attrs := binary.BigEndian.Uint16(raw[21:])
	lastDelta := int32(binary.BigEndian.Uint32(raw[23:]))
	firstTS := int64(binary.BigEndian.Uint64(raw[27:]))
	maxTS := int64(binary.BigEndian.Uint64(raw[35:]))
	count := int32(binary.BigEndian.Uint32(raw[57:]))
	bt := batch{
		base:          base,
		last:          base + int64(lastDelta),
		control:       attrs&attrControl != 0,
		transactional: attrs&attrTransaction != 0,
		producerID:    int64(binary.BigEndian.Uint64(raw[43:])),
	}
	if lastDelta < 0 || count < 0 {
		return batch{}, fmt.Errorf("%w: last offset delta %d, %d records", errCorrupt, lastDelta, count)
	}
	body := raw[headerSize:]
	if c := compress.Compression(attrs & attrCompression); c != compress.None {
		codec := c.Codec()
		if codec == nil {
			return batch{}, fmt.Errorf("unknown compression %d", c)
		}
		r := codec.NewReader(bytes.NewReader(body))
		var err error
		body, err = io.ReadAll(r)
		r.Close()
		if err != nil {
			return batch{}, fmt.Errorf("%s: %w", c, err)
		}
	}
	logAppend := attrs&attrLogAppend != 0
	for range count {
		rec, rest, err := decodeRecordV2(body)
		if err != nil {
			return batch{}, err
		}
		body = rest
		if bt.control {
			// The key of a control record is version int16, type int16;
			// type 0 is ABORT, 1 is COMMIT.
			bt.abort = bt.abort || len(rec.key) >= 4 && binary.BigEndian.Uint16(rec.key[2:]) == 0
			continue
		}
		ts := firstTS + rec.tsDelta
		if logAppend {
			ts = maxTS
		}
		bt.records = append(bt.records, Record{
			Partition: partition,
			Offset:    base + rec.offsetDelta,
			Key:       clone(rec.key),
			Value:     clone(rec.value),
			Timestamp: millis(ts),
		})
	}
	return bt, nil
}

type recordV2 struct {
	tsDelta, offsetDelta int64
	key, value           []byte // nil when null
}

// decodeRecordV2 reads one record of a v2 batch and returns what follows it.
func decodeRecordV2(b []byte) (recordV2, []byte, error) {
	length, n := binary.Varint(b)
	if n <= 0 || length < 0 || length > int64(len(b)-n) {
		return recordV2{}, nil, fmt.Errorf("%w: record length", errCorrupt)
	}
	rest := b[n+int(length):]
	r := varReader{b: b[n : n+int(length)]}
	r.skip(1) // attributes, unused
	var rec recordV2
	rec.tsDelta = r.varint()
	rec.offsetDelta = r.varint()
	rec.key = r.varbytes()
	rec.value = r.varbytes()
	// Headers follow; Connect's internal topics carry none we need.
	if r.err != nil {
		return recordV2{}, nil, r.err
	}
	return rec, rest, nil
}

type varReader struct {
	b   []byte
	err error
}

func (r *varReader) skip(n int) {
	if r.err == nil && len(r.b) < n {
		r.err = fmt.Errorf("%w: record cut short", errCorrupt)
	}
	if r.err == nil {
		r.b = r.b[n:]
	}
}

func (r *varReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("%w: varint", errCorrupt)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *varReader) varbytes() []byte {
	n := r.varint()
	if r.err != nil || n < 0 {
		return nil
	}
	if n > int64(len(r.b)) {
		r.err = fmt.Errorf("%w: field longer than record", errCorrupt)
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// decodeLegacy reads one v0/v1 message (a compressed one wraps several)
// with kafka-go's decoder. Only topics older than Kafka 0.11 hold these.
func decodeLegacy(partition int, raw []byte) (batch, error) {
	framed := make([]byte, 4+len(raw))
	binary.BigEndian.PutUint32(framed, uint32(len(raw)))
	copy(framed[4:], raw)
	var rs protocol.RecordSet
	if _, err := rs.ReadFrom(bytes.NewBuffer(framed)); err != nil {
		return batch{}, err
	}
	// A broker gives a legacy entry the offset of its last inner message
	// (a producer may leave 0 there).
	last := int64(binary.BigEndian.Uint64(raw))
	bt := batch{base: last, last: last}
	if rs.Records == nil {
		return bt, nil
	}
	for {
		r, err := rs.Records.ReadRecord()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return batch{}, err
		}
		key, kerr := readBytes(r.Key)
		value, verr := readBytes(r.Value)
		if err := errors.Join(kerr, verr); err != nil {
			return batch{}, err
		}
		bt.base, bt.last = min(bt.base, r.Offset), max(bt.last, r.Offset)
		bt.records = append(bt.records, Record{Partition: partition, Offset: r.Offset, Key: key, Value: value, Timestamp: r.Time})
	}
	return bt, nil
}

// readBytes reads and releases b, keeping nil for a null field.
func readBytes(b protocol.Bytes) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	defer b.Close()
	v, err := protocol.ReadAll(b)
	if v == nil {
		v = []byte{}
	}
	return v, err
}

// clone copies b, keeping nil (null) and empty apart.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

func millis(ms int64) time.Time {
	if ms < 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// abortedTxn is an entry of a fetch response's aborted transactions: the
// producer's transaction that starts at first was aborted.
type abortedTxn struct {
	producerID, first int64
}

// advance hands on the records of batches at or after pos, in order, and
// returns the next offset to fetch. The position moves past every batch it
// sees, including transaction markers and records compaction removed, the
// way a Java consumer's does. With readCommitted it drops the records of
// aborted transactions as the Java consumer does, using the aborted list
// of the same fetch response (sorted by first offset).
func advance(pos int64, batches []batch, readCommitted bool, aborted []abortedTxn, emit func(Record)) int64 {
	abortedProducers := map[int64]bool{}
	for _, b := range batches {
		if b.last < pos {
			continue // the broker starts at the batch holding pos
		}
		if readCommitted && b.producerID >= 0 {
			for len(aborted) > 0 && aborted[0].first <= b.last {
				abortedProducers[aborted[0].producerID] = true
				aborted = aborted[1:]
			}
			switch {
			case b.control && b.abort:
				delete(abortedProducers, b.producerID)
			case b.transactional && abortedProducers[b.producerID]:
				pos = b.last + 1
				continue
			}
		}
		if !b.control {
			for _, r := range b.records {
				if r.Offset >= pos {
					emit(r)
				}
			}
		}
		pos = b.last + 1
	}
	return pos
}
