package httpsink

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// keyedRec is a record of partition 0 with a key, as read from Kafka.
func keyedRec(offset int64, key string) plugin.Record {
	r := rec(0, offset)
	r.Key = key
	r.Consumed = &kafka.Message{Topic: "orders", Partition: 0, Offset: offset, Key: []byte(key)}
	return r
}

// deliveries is an app that answers 503 to the records of the keys it is
// told to fail, and remembers the ids it was sent, in order.
type deliveries struct {
	mu      sync.Mutex
	failing map[string]bool
	arrived []string
	each    chan string // every id it takes
}

func newDeliveries(failing ...string) *deliveries {
	d := &deliveries{failing: map[string]bool{}, each: make(chan string, 10000)}
	for _, k := range failing {
		d.failing[k] = true
	}
	return d
}

func (d *deliveries) handle(_ *http.Request, req appRequest) answer {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.arrived = append(d.arrived, req.ids...)
	for k := range d.failing {
		if strings.Contains(string(req.body), `"key":"`+k+`"`) {
			return answer{status: http.StatusServiceUnavailable}
		}
	}
	for _, id := range req.ids {
		d.each <- id
	}
	return ok
}

func (d *deliveries) recover(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.failing, key)
}

// await waits until the app has taken ids, in any order.
func (d *deliveries) await(t *testing.T, ids ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for len(want) > 0 {
		select {
		case id := <-d.each:
			delete(want, id)
		case <-time.After(10 * time.Second):
			t.Fatalf("the app never took %v", want)
		}
	}
}

func (d *deliveries) sent() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.arrived)
}

// With key ordering, a key whose record keeps failing holds back its own
// later records only; its partition's offset stays at that record until
// it is delivered.
func TestKeyOrderingHoldsBackOnlyItsKey(t *testing.T) {
	d := newDeliveries("a")
	app := newApp(t, d.handle)
	s := start(t, app.URL, map[string]string{OrderingConfig: OrderKey, BatchMaxRecordsConfig: "1"})
	s.put(t, keyedRec(0, "a"), keyedRec(1, "b"), keyedRec(2, "a"), keyedRec(3, "b"), keyedRec(4, "c"))
	d.await(t, "orders-0-1", "orders-0-3", "orders-0-4")
	s.obs.waitRetry(t)
	offsets := map[plugin.TopicPartition]int64{tp("orders", 0): 5}
	if got := s.flush(t, offsets); got[tp("orders", 0)] != 0 {
		t.Errorf("Flush = %v while orders-0-0 is failing, want 0", got)
	}
	d.recover("a")
	s.waitFlush(t, offsets, offsets)
	// orders-0-0's last attempt is the one the app took.
	sent := d.sent()
	last := len(sent) - 1
	for last >= 0 && sent[last] != "orders-0-0" {
		last--
	}
	if first := slices.Index(sent, "orders-0-2"); first < last {
		t.Errorf("the app was sent %v: orders-0-2 while orders-0-0, of the same key, was failing", sent)
	}
}

// Each ordering lets a partition have as many requests in flight as its
// order allows, up to max.in.flight.per.partition.
func TestRequestsInFlightPerPartition(t *testing.T) {
	for _, c := range []struct {
		ordering string
		want     int
	}{
		{OrderPartition, 1},
		{OrderKey, 3},
		{OrderNone, 3},
	} {
		t.Run(c.ordering, func(t *testing.T) {
			g := gate(make(chan struct{}))
			app := newApp(t, func(r *http.Request, _ appRequest) answer { g.wait(r); return ok })
			s := start(t, app.URL, map[string]string{OrderingConfig: c.ordering, BatchMaxRecordsConfig: "1",
				PartitionMaxInFlightConfig: "3", MaxInFlightConfig: "8"})
			s.put(t, keyedRec(0, "a"), keyedRec(1, "b"), keyedRec(2, "c"), keyedRec(3, "d"), keyedRec(4, "e"))
			for range c.want {
				app.next(t)
			}
			app.none(t, 100*time.Millisecond)
			g.open()
			for range 5 - c.want {
				app.next(t)
			}
		})
	}
}

// A batch under key ordering takes records in offset order, a key's later
// records with its first; the next batch leaves out the keys in flight.
func TestKeyOrderingBatches(t *testing.T) {
	g := gate(make(chan struct{}))
	app := newApp(t, func(r *http.Request, _ appRequest) answer { g.wait(r); return ok })
	s := start(t, app.URL, map[string]string{OrderingConfig: OrderKey, BatchMaxRecordsConfig: "3"})
	s.put(t, keyedRec(0, "a"), keyedRec(1, "a"), keyedRec(2, "b"), keyedRec(3, "a"), keyedRec(4, "c"))
	// Both are in flight at once, in either order.
	batches := [][]string{app.next(t).ids, app.next(t).ids}
	slices.SortFunc(batches, func(a, b []string) int { return len(b) - len(a) })
	if want := [][]string{ids(0, 0, 3), ids(0, 4, 5)}; !slices.EqualFunc(batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v: c's alone while a and b are in flight", batches, want)
	}
	app.none(t, 50*time.Millisecond)
	g.open()
	if got := app.next(t).ids; !slices.Equal(got, ids(0, 3, 4)) {
		t.Errorf("third batch %v", got)
	}
}

// A key stuck in retries holds its records, and every record after the
// first of them until it can be committed: the buffer fills and Put
// waits, so memory stays bounded however long the key is stuck. Other
// keys are delivered meanwhile.
func TestAStuckKeyFillsTheBuffer(t *testing.T) {
	d := newDeliveries("a")
	app := newApp(t, d.handle)
	others := recs(0, 1, 21)
	for i := range others {
		others[i] = keyedRec(others[i].Offset, "b")
	}
	s := start(t, app.URL, map[string]string{OrderingConfig: OrderKey, BatchMaxRecordsConfig: "1",
		BufferMaxBytesConfig: itoa(held(append([]plugin.Record{keyedRec(0, "a")}, others[:4]...)...))})
	s.put(t, keyedRec(0, "a"))
	returned := make(chan int, len(others))
	go func() {
		for i := range others {
			if err := s.Put(context.Background(), others[i:i+1]); err != nil {
				t.Error(err)
			}
			returned <- i
		}
	}()
	n := 0
	for blocked := false; !blocked; {
		select {
		case <-returned:
			n++
		case <-time.After(500 * time.Millisecond):
			blocked = true // an absence cannot be awaited
		}
	}
	if n == 0 || n == len(others) {
		t.Fatalf("%d of %d Puts returned while key a was stuck, want some but not all", n, len(others))
	}
	d.await(t, ids(0, 1, int64(n)+1)...)
	d.recover("a")
	for range len(others) - n {
		<-returned
	}
	offsets := map[plugin.TopicPartition]int64{tp("orders", 0): 21}
	s.waitFlush(t, offsets, offsets)
}

// partitionObserver is an observer that also keeps what it is told per
// partition.
type partitionObserver struct {
	*observer
	states chan partitionState
}

type partitionState struct {
	tp                plugin.TopicPartition
	inFlight, waiting int
	oldest            time.Duration
	closed            bool
}

func (o partitionObserver) OnPartition(_ string, topic string, partition int32, inFlight, waiting int, oldest time.Duration) {
	o.tell(partitionState{tp(topic, partition), inFlight, waiting, oldest, false})
}

func (o partitionObserver) OnPartitionClosed(_ string, topic string, partition int32) {
	o.tell(partitionState{tp: tp(topic, partition), closed: true})
}

// tell drops what the test does not read in time: the task must not wait.
func (o partitionObserver) tell(s partitionState) {
	select {
	case o.states <- s:
	default:
	}
}

// await waits until it is told want.
func (o partitionObserver) await(t *testing.T, want func(partitionState) bool) {
	t.Helper()
	for {
		select {
		case got := <-o.states:
			if want(got) {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the observer was not told what the test waits for")
		}
	}
}

var _ PartitionObserver = partitionObserver{}

// A PartitionObserver hears, per partition, of requests in flight,
// records waiting and how long the first record not done has been held,
// and of the partition's close.
func TestPartitionObserver(t *testing.T) {
	g := gate(make(chan struct{}))
	app := newApp(t, func(r *http.Request, _ appRequest) answer { g.wait(r); return ok })
	obs := partitionObserver{newObserver(), make(chan partitionState, 100)}
	task := newTask(def(Defaults{URL: DefaultURL, Egress: loopback}), obs, loopback)
	if err := task.Start(context.Background(), map[string]string{nameConfig: "orders-sink", URLConfig: app.URL,
		OrderingConfig: OrderKey, BatchMaxRecordsConfig: "1", BatchLingerConfig: "0"}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	if err := task.Put(context.Background(), []plugin.Record{keyedRec(0, "a"), keyedRec(1, "b"), keyedRec(2, "a")}); err != nil {
		t.Fatal(err)
	}
	app.next(t)
	app.next(t)
	// a's first and b's in flight, a's second waiting for a's first.
	obs.await(t, func(s partitionState) bool {
		return s.tp == tp("orders", 0) && s.inFlight == 2 && s.waiting == 1 && s.oldest > 0
	})
	g.open()
	if err := task.Close(context.Background(), []plugin.TopicPartition{tp("orders", 0)}); err != nil {
		t.Fatal(err)
	}
	obs.await(t, func(s partitionState) bool { return s.tp == tp("orders", 0) && s.closed })
}

// Every ordering sends the same bytes, those the encoder wrote for a
// CloudEvent's data included.
func TestOrderingsSendTheSameBodies(t *testing.T) {
	for _, o := range []string{OrderPartition, OrderKey, OrderNone} {
		t.Run(o, func(t *testing.T) {
			app := newApp(t, always(ok))
			s := start(t, app.URL, map[string]string{FormatConfig: FormatCloudEvents, OrderingConfig: o, BatchMaxRecordsConfig: "1"})
			number, text := rec(0, 1), rec(0, 2)
			number.Value = int64(12)
			s.put(t, number, text)
			got := []string{string(app.next(t).body), string(app.next(t).body)}
			slices.Sort(got)
			if want := []string{"12", "order 2"}; !slices.Equal(got, want) {
				t.Errorf("bodies %q, want %q", got, want)
			}
		})
	}
}
