package datagen

import (
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// ValueSchemaName names the struct schema of generated values.
const ValueSchemaName = "io.connectsidecar.connect.datagen.Value"

// valueSchema is the schema of values when schemas is true:
//
//	id      int64   unique across the connector's tasks: seq × tasks + task
//	task    int32   the task that made the record
//	seq     int64   the record's number within its task, from 0
//	payload string  record.size bytes of text
//
// Schemas are shared by all records and never changed.
var valueSchema = &plugin.Schema{Type: plugin.Struct, Name: ValueSchemaName, Fields: []plugin.Field{
	{Name: "id", Index: 0, Schema: &plugin.Schema{Type: plugin.Int64}},
	{Name: "task", Index: 1, Schema: &plugin.Schema{Type: plugin.Int32}},
	{Name: "seq", Index: 2, Schema: &plugin.Schema{Type: plugin.Int64}},
	{Name: "payload", Index: 3, Schema: &plugin.Schema{Type: plugin.String}},
}}

var keySchema = &plugin.Schema{Type: plugin.String}

// Field names of schemaless values, boxed once.
var fieldNames = [4]any{"id", "task", "seq", "payload"}

// poolLen is how much random text payloads are cut from: enough that
// payloads in one producer batch rarely share bytes, so compression gains
// about what it would on random text, not on repeats.
const poolLen = 1 << 20

// precomputedKeys is how many keys are made (and boxed) up front.
const precomputedKeys = 1 << 16

// generator makes one task's records. Record seq depends only on the
// settings, the task's number and seq.
type generator struct {
	cfg         config
	task, tasks int64
	pool        string // random ASCII; payloads are windows of it
	keys        []any  // key-0, key-1, ... boxed, for the first keys
	partition   map[string]any
	headers     []plugin.Header // shared by every record; nobody changes them
}

func newGenerator(cfg config, task, tasks int) *generator {
	g := &generator{cfg: cfg, task: int64(task), tasks: int64(tasks),
		partition: map[string]any{TaskField: int64(task)},
		headers:   []plugin.Header{{Key: PIDHeader, Schema: pidSchema, Value: int32(os.Getpid())}}}
	if cfg.recordSize > 0 {
		g.pool = randomText(poolLen + cfg.recordSize)
	}
	for k := range min(cfg.cardinality, precomputedKeys) {
		g.keys = append(g.keys, keyText(k))
	}
	return g
}

// randomText is n bytes from a 64-letter alphabet, the same every time.
func randomText(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	r := rand.New(rand.NewPCG(0x6461746167656e, 1))
	b := make([]byte, n)
	for i := 0; i < n; {
		x := r.Uint64()
		for j := 0; j < 10 && i < n; j, i = j+1, i+1 {
			b[i] = alphabet[x&63]
			x >>= 6
		}
	}
	return string(b)
}

func keyText(k int64) string { return "key-" + strconv.FormatInt(k, 10) }

// mix is splitmix64's finalizer: it spreads ids over the pool.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// records makes records seq .. seq+n-1. Structs, maps and their value
// slices are allocated once for the batch.
func (g *generator) records(seq int64, n int) []plugin.Record {
	out := make([]plugin.Record, n)
	vals := make([]any, 4*n)
	var structs []plugin.StructValue
	var maps []plugin.MapValue
	var entries []plugin.MapEntry
	if g.cfg.schemas {
		structs = make([]plugin.StructValue, n)
	} else {
		maps = make([]plugin.MapValue, n)
		entries = make([]plugin.MapEntry, 4*n)
	}
	for i := range out {
		s := seq + int64(i)
		id := s*g.tasks + g.task
		v := vals[4*i : 4*i+4 : 4*i+4]
		v[0], v[2], v[3] = id, s, g.payload(id)
		r := &out[i]
		r.Topic, r.Partition = g.cfg.topic, plugin.NoPartition
		if g.cfg.schemas {
			v[1] = int32(g.task)
			structs[i] = plugin.StructValue{Schema: valueSchema, Values: v}
			r.ValueSchema, r.Value = valueSchema, &structs[i]
		} else {
			v[1] = g.task
			e := entries[4*i : 4*i+4 : 4*i+4]
			for f := range e {
				e[f] = plugin.MapEntry{Key: fieldNames[f], Value: v[f]}
			}
			maps[i] = plugin.MapValue{Entries: e}
			r.Value = &maps[i]
		}
		if g.cfg.cardinality > 0 {
			r.Key = g.key(id % g.cfg.cardinality)
			if g.cfg.schemas {
				r.KeySchema = keySchema
			}
		}
		r.SourcePartition = g.partition
		r.SourceOffset = map[string]any{SeqField: s + 1}
		r.Headers = g.headers
	}
	return out
}

// PIDHeader names the header that carries the worker process id, so tests
// and operators can see which worker produced a record: a task that ran on
// two workers at once shows up as two pids interleaved in time.
const PIDHeader = "datagen.pid"

var pidSchema = &plugin.Schema{Type: plugin.Int32}

func (g *generator) payload(id int64) string {
	if g.cfg.recordSize == 0 {
		return ""
	}
	at := mix(uint64(id)) % poolLen
	return g.pool[at : at+uint64(g.cfg.recordSize)]
}

func (g *generator) key(k int64) any {
	if k < int64(len(g.keys)) {
		return g.keys[k]
	}
	return keyText(k)
}
