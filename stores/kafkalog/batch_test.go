package kafkalog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go/compress"
	"github.com/segmentio/kafka-go/protocol"
)

// testBatch is a v2 record batch written by encode, so tests can build
// what a compacted or transactional log holds.
type testBatch struct {
	base       int64
	lastDelta  int32 // -1: the last record's delta
	attrs      uint16
	producerID int64
	firstTS    int64
	records    []testRecord
	codec      compress.Compression
}

type testRecord struct {
	offsetDelta int64
	key, value  []byte
}

func (b testBatch) encode(t *testing.T) []byte {
	t.Helper()
	var recs bytes.Buffer
	for _, r := range b.records {
		var body []byte
		body = append(body, 0)              // attributes
		body = binary.AppendVarint(body, 0) // timestamp delta
		body = binary.AppendVarint(body, r.offsetDelta)
		body = appendVarBytes(body, r.key)
		body = appendVarBytes(body, r.value)
		body = binary.AppendVarint(body, 0) // headers
		recs.Write(binary.AppendVarint(nil, int64(len(body))))
		recs.Write(body)
	}
	payload := recs.Bytes()
	attrs := b.attrs
	if b.codec != compress.None {
		var z bytes.Buffer
		w := b.codec.Codec().NewWriter(&z)
		if _, err := w.Write(payload); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		payload = z.Bytes()
		attrs |= uint16(b.codec)
	}
	lastDelta := b.lastDelta
	if lastDelta < 0 && len(b.records) > 0 {
		lastDelta = int32(b.records[len(b.records)-1].offsetDelta)
	}
	h := make([]byte, headerSize)
	binary.BigEndian.PutUint64(h[0:], uint64(b.base))
	binary.BigEndian.PutUint32(h[8:], uint32(headerSize-batchOverhead+len(payload)))
	h[magicAt] = 2
	binary.BigEndian.PutUint16(h[21:], attrs)
	binary.BigEndian.PutUint32(h[23:], uint32(lastDelta))
	binary.BigEndian.PutUint64(h[27:], uint64(b.firstTS))
	binary.BigEndian.PutUint64(h[35:], uint64(b.firstTS))
	binary.BigEndian.PutUint64(h[43:], uint64(b.producerID))
	binary.BigEndian.PutUint32(h[57:], uint32(len(b.records)))
	raw := append(h, payload...)
	binary.BigEndian.PutUint32(raw[crcAt:], crc32.Checksum(raw[attributesAt:], castagnoli))
	return raw
}

func appendVarBytes(b, v []byte) []byte {
	if v == nil {
		return binary.AppendVarint(b, -1)
	}
	return append(binary.AppendVarint(b, int64(len(v))), v...)
}

func rec(delta int64, key, value string) testRecord {
	r := testRecord{offsetDelta: delta, key: []byte(key)}
	if value != "<nil>" {
		r.value = []byte(value)
	}
	return r
}

// abortMarker is a control batch with an ABORT (0) or COMMIT (1) record.
func marker(base, producerID int64, commit bool) testBatch {
	typ := []byte{0, 0, 0, 0}
	if commit {
		typ[3] = 1
	}
	return testBatch{base: base, lastDelta: -1, attrs: attrControl | attrTransaction, producerID: producerID,
		records: []testRecord{{key: typ, value: []byte{0, 0, 0, 0, 0, 0}}}}
}

func concat(t *testing.T, bs ...testBatch) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b.encode(t)...)
	}
	return out
}

// render prints what advance emitted and where it stopped.
func render(pos int64, batches []batch, readCommitted bool, aborted []abortedTxn) string {
	var out []string
	next := advance(pos, batches, readCommitted, aborted, func(r Record) {
		v := "<nil>"
		if r.Value != nil {
			v = string(r.Value)
		}
		out = append(out, fmt.Sprintf("%d:%s=%s", r.Offset, r.Key, v))
	})
	return fmt.Sprintf("%s next=%d", strings.Join(out, " "), next)
}

func TestAdvance(t *testing.T) {
	plain := testBatch{base: 0, lastDelta: -1, producerID: -1, records: []testRecord{rec(0, "a", "1"), rec(1, "b", "<nil>"), rec(2, "c", "")}}
	tests := []struct {
		name          string
		pos           int64
		batches       []testBatch
		readCommitted bool
		aborted       []abortedTxn
		want          string
	}{
		{"plain", 0, []testBatch{plain}, false, nil, "0:a=1 1:b=<nil> 2:c= next=3"},
		{"batch starts before the position", 1, []testBatch{plain}, false, nil, "1:b=<nil> 2:c= next=3"},
		{"batch wholly before the position", 5, []testBatch{plain}, false, nil, " next=5"},
		// Compaction removed offsets 12..15 but kept the batch's last offset:
		// a reader that only counts records would ask for 12 forever.
		{"compacted tail", 12, []testBatch{{base: 10, lastDelta: 5, producerID: -1, records: []testRecord{rec(0, "a", "1"), rec(1, "b", "2")}}}, false, nil, " next=16"},
		{"compacted tail read from its start", 10, []testBatch{{base: 10, lastDelta: 5, producerID: -1, records: []testRecord{rec(0, "a", "1"), rec(1, "b", "2")}}}, false, nil, "10:a=1 11:b=2 next=16"},
		{"empty batch kept for its producer", 3, []testBatch{{base: 3, lastDelta: 4, producerID: 9}}, false, nil, " next=8"},
		{"gap between batches", 0, []testBatch{plain, {base: 7, lastDelta: -1, producerID: -1, records: []testRecord{rec(0, "d", "4")}}}, false, nil, "0:a=1 1:b=<nil> 2:c= 7:d=4 next=8"},
		{"commit marker is skipped", 0, []testBatch{
			{base: 0, lastDelta: -1, attrs: attrTransaction, producerID: 7, records: []testRecord{rec(0, "a", "1"), rec(1, "b", "2")}},
			marker(2, 7, true),
		}, false, nil, "0:a=1 1:b=2 next=3"},
		{"aborted records, read uncommitted", 0, []testBatch{
			{base: 0, lastDelta: -1, attrs: attrTransaction, producerID: 7, records: []testRecord{rec(0, "a", "1")}},
			marker(1, 7, false),
			{base: 2, lastDelta: -1, producerID: -1, records: []testRecord{rec(0, "b", "2")}},
		}, false, []abortedTxn{{producerID: 7, first: 0}}, "0:a=1 2:b=2 next=3"},
		{"aborted records, read committed", 0, []testBatch{
			{base: 0, lastDelta: -1, attrs: attrTransaction, producerID: 7, records: []testRecord{rec(0, "a", "1")}},
			{base: 1, lastDelta: -1, attrs: attrTransaction, producerID: 8, records: []testRecord{rec(0, "x", "9")}},
			marker(2, 7, false),
			{base: 3, lastDelta: -1, attrs: attrTransaction, producerID: 7, records: []testRecord{rec(0, "c", "3")}},
			marker(4, 8, true),
			marker(5, 7, true),
		}, true, []abortedTxn{{producerID: 7, first: 0}}, "1:x=9 3:c=3 next=6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batches, err := decodeBatches(0, concat(t, tt.batches...))
			if err != nil {
				t.Fatal(err)
			}
			if got := render(tt.pos, batches, tt.readCommitted, tt.aborted); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDecodeBatchesCompressed(t *testing.T) {
	for _, c := range []compress.Compression{compress.Gzip, compress.Snappy, compress.Lz4, compress.Zstd} {
		t.Run(c.String(), func(t *testing.T) {
			b := testBatch{base: 40, lastDelta: -1, producerID: -1, codec: c, records: []testRecord{rec(0, "k", "v"), rec(1, "k", "<nil>")}}
			batches, err := decodeBatches(3, b.encode(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := render(0, batches, false, nil); got != "40:k=v 41:k=<nil> next=42" {
				t.Errorf("got %q", got)
			}
			if p := batches[0].records[0].Partition; p != 3 {
				t.Errorf("partition %d, want 3", p)
			}
		})
	}
}

// kafka-go's own encoder, v2 with every codec and the legacy v1 format,
// must decode to the same records.
func TestDecodeBatchesFromKafkaGo(t *testing.T) {
	ts := time.UnixMilli(1700000000123)
	for _, version := range []int8{1, 2} {
		for _, c := range []compress.Compression{compress.None, compress.Gzip, compress.Snappy, compress.Lz4, compress.Zstd} {
			if version == 1 && c == compress.Zstd {
				continue // zstd needs v2
			}
			t.Run(fmt.Sprintf("v%d-%s", version, c), func(t *testing.T) {
				rs := protocol.RecordSet{Version: version, Attributes: protocol.Attributes(c), Records: protocol.NewRecordReader(
					protocol.Record{Offset: 0, Time: ts, Key: protocol.NewBytes([]byte("a")), Value: protocol.NewBytes([]byte("1"))},
					protocol.Record{Offset: 1, Time: ts, Key: protocol.NewBytes([]byte("b")), Value: nil},
				)}
				var buf bytes.Buffer
				if _, err := rs.WriteTo(&buf); err != nil {
					t.Fatal(err)
				}
				raw := buf.Bytes()[4:] // drop the record set's size
				batches, err := decodeBatches(0, raw)
				if err != nil {
					t.Fatal(err)
				}
				if got := render(0, batches, false, nil); got != "0:a=1 1:b=<nil> next=2" {
					t.Errorf("got %q", got)
				}
				if got := batches[0].records[0].Timestamp; !got.Equal(ts) {
					t.Errorf("timestamp %v, want %v", got, ts)
				}
			})
		}
	}
}

func TestDecodeBatchesStopsAtACutBatch(t *testing.T) {
	whole := testBatch{base: 0, lastDelta: -1, producerID: -1, records: []testRecord{rec(0, "a", "1")}}.encode(t)
	next := testBatch{base: 1, lastDelta: -1, producerID: -1, records: []testRecord{rec(0, "b", "2")}}.encode(t)
	for cut := range len(next) {
		batches, err := decodeBatches(0, slices.Concat(whole, next[:cut]))
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if len(batches) != 1 {
			t.Fatalf("cut at %d: %d batches", cut, len(batches))
		}
	}
}

func TestDecodeBatchesRejectsCorruption(t *testing.T) {
	good := testBatch{base: 0, lastDelta: -1, producerID: -1, records: []testRecord{rec(0, "a", "1")}}.encode(t)
	bad := testBatch{base: 1, lastDelta: -1, producerID: -1, records: []testRecord{rec(0, "b", "2")}}.encode(t)
	bad[len(bad)-2] ^= 0xff
	batches, err := decodeBatches(0, slices.Concat(good, bad))
	if !errors.Is(err, errCorrupt) || !strings.Contains(err.Error(), "offset 1") {
		t.Errorf("err = %v, want a crc error at offset 1", err)
	}
	if len(batches) != 1 {
		t.Errorf("%d batches before the broken one, want 1", len(batches))
	}
}

func TestParseFetchResponse(t *testing.T) {
	records := testBatch{base: 5, lastDelta: -1, producerID: -1, records: []testRecord{rec(0, "a", "1")}}.encode(t)
	for _, version := range []int16{4, 5, 7, 11} {
		t.Run(fmt.Sprintf("v%d", version), func(t *testing.T) {
			var b []byte
			b = binary.BigEndian.AppendUint32(b, 42) // correlation id
			b = binary.BigEndian.AppendUint32(b, 0)  // throttle
			if version >= 7 {
				b = binary.BigEndian.AppendUint16(b, 0) // error
				b = binary.BigEndian.AppendUint32(b, 0) // session
			}
			b = binary.BigEndian.AppendUint32(b, 1) // topics
			b = binary.BigEndian.AppendUint16(b, 1)
			b = append(b, 't')
			b = binary.BigEndian.AppendUint32(b, 2) // partitions
			// partition 3: records, two aborted transactions out of order
			b = binary.BigEndian.AppendUint32(b, 3)
			b = binary.BigEndian.AppendUint16(b, 0)
			b = binary.BigEndian.AppendUint64(b, 9) // high watermark
			b = binary.BigEndian.AppendUint64(b, 8) // last stable
			if version >= 5 {
				b = binary.BigEndian.AppendUint64(b, 2) // log start
			}
			b = binary.BigEndian.AppendUint32(b, 2)
			b = binary.BigEndian.AppendUint64(b, 7)
			b = binary.BigEndian.AppendUint64(b, 6)
			b = binary.BigEndian.AppendUint64(b, 4)
			b = binary.BigEndian.AppendUint64(b, 1)
			if version >= 11 {
				b = binary.BigEndian.AppendUint32(b, 0xffffffff)
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(records)))
			b = append(b, records...)
			// partition 4: OFFSET_OUT_OF_RANGE, null aborted list and records
			b = binary.BigEndian.AppendUint32(b, 4)
			b = binary.BigEndian.AppendUint16(b, 1)
			b = binary.BigEndian.AppendUint64(b, 0)
			b = binary.BigEndian.AppendUint64(b, 0)
			if version >= 5 {
				b = binary.BigEndian.AppendUint64(b, 0)
			}
			b = binary.BigEndian.AppendUint32(b, 0xffffffff)
			if version >= 11 {
				b = binary.BigEndian.AppendUint32(b, 0xffffffff)
			}
			b = binary.BigEndian.AppendUint32(b, 0xffffffff)

			resp, err := parseFetchResponse(b, version, 42)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.parts) != 2 {
				t.Fatalf("%d partitions", len(resp.parts))
			}
			p := resp.parts[0]
			if p.partition != 3 || p.err != nil || p.highWatermark != 9 || p.lastStable != 8 || !bytes.Equal(p.records, records) {
				t.Errorf("partition 3: %+v", p)
			}
			if want := []abortedTxn{{4, 1}, {7, 6}}; !slices.Equal(p.aborted, want) {
				t.Errorf("aborted %v, want %v sorted by first offset", p.aborted, want)
			}
			if p := resp.parts[1]; p.partition != 4 || p.err == nil || p.records != nil {
				t.Errorf("partition 4: %+v", p)
			}
			if _, err := parseFetchResponse(b[:len(b)-3], version, 42); err == nil {
				t.Error("no error for a cut response")
			}
			if _, err := parseFetchResponse(b, version, 43); err == nil {
				t.Error("no error for another request's response")
			}
		})
	}
}
