package httpsink

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// The delivery loop's promises, checked over random runs: records put in
// chunks, requests answered in any order with successes, retriable
// failures, 207s and rejections, the app's health coming and going, offsets
// committed at random times, and restarts that read again from the
// committed offsets, as a new owner of the partitions would.
//
//   - A request carries a record only once every earlier record of its
//     lane (its key, its partition, or nothing) is delivered or
//     dead-lettered, or is earlier in the same request.
//   - A committed offset never passes a record that is not done.
//   - Nothing is skipped: in the end every record is done and every
//     partition committed to its end.
//   - The task's and each partition's bound on requests in flight hold.
func TestOrderingProperties(t *testing.T) {
	for _, mode := range []string{OrderPartition, OrderKey, OrderNone} {
		t.Run(mode, func(t *testing.T) {
			for seed := range uint64(200) {
				if err := runOrdering(mode, seed); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
			}
		})
	}
}

// orderingRun is one random run: a log of records per partition and a
// task, restarted now and then, delivering it.
type orderingRun struct {
	rnd  *rand.Rand
	cfg  *config
	now  time.Time
	loop *loop

	log       [][]*entry // per partition, the records as Kafka has them
	read      []int64    // per partition, the next offset the task is given
	committed []int64
	done      map[position]bool // delivered or dead-lettered, ever
	fresh     []*job            // started since the last check
	started   []*job            // checked, by the current loop, not finished
	inFlight  map[position]bool // in started's jobs
}

func runOrdering(mode string, seed uint64) error {
	rnd := rand.New(rand.NewPCG(seed, 21))
	props := map[string]string{
		URLConfig: DefaultURL, OrderingConfig: mode,
		BatchMaxRecordsConfig: itoa(1 + rnd.IntN(4)), BatchLingerConfig: itoa(rnd.IntN(3)),
		MaxInFlightConfig: itoa(1 + rnd.IntN(8)), PartitionMaxInFlightConfig: itoa(1 + rnd.IntN(8)),
		RetryBackoffConfig: "1", RetryBackoffMaxConfig: "4",
		RetryTimeoutConfig: []string{"-1", "-1", "0", "20"}[rnd.IntN(4)],
	}
	cfg, err := parse(def(Defaults{URL: DefaultURL, Egress: loopback}), props)
	if err != nil {
		return err
	}
	r := &orderingRun{rnd: rnd, cfg: cfg, now: time.Unix(1700000000, 0), done: map[position]bool{}}
	partitions, keys, records := 1+rnd.IntN(3), 1+rnd.IntN(6), 20+rnd.IntN(60)
	for p := range partitions {
		var log []*entry
		for o := range int64(records) {
			key := "k" + strconv.Itoa(rnd.IntN(keys))
			log = append(log, &entry{at: position{tp("orders", int32(p)), o}, key: []byte(key)})
		}
		r.log = append(r.log, log)
	}
	r.read, r.committed = make([]int64, partitions), make([]int64, partitions)
	r.restart()
	for step := 0; step < 5000 && !r.finished(); step++ {
		settling := step >= 3000 // the app recovers for good
		if err := r.step(settling); err != nil {
			return fmt.Errorf("step %d (%s, %v): %w", step, mode, props, err)
		}
	}
	if !r.finished() {
		return fmt.Errorf("%s, %v: not everything was delivered and committed: committed %v of %d, %d requests in flight",
			mode, props, r.committed, records, len(r.started))
	}
	if r.loop.bytes != 0 {
		return fmt.Errorf("%s: %d bytes still held with everything committed", mode, r.loop.bytes)
	}
	return nil
}

// restart starts a new task that reads from the committed offsets; what
// the old one had in flight is forgotten.
func (r *orderingRun) restart() {
	r.loop = newLoop(r.cfg, nopObserver{}, slog.New(slog.DiscardHandler), func(j *job) { r.fresh = append(r.fresh, j) }, r.now)
	r.started, r.inFlight = nil, map[position]bool{}
	copy(r.read, r.committed)
}

func (r *orderingRun) finished() bool {
	for p, log := range r.log {
		if r.committed[p] != int64(len(log)) {
			return false
		}
	}
	return true
}

// step does one random thing, then lets the loop start what it will.
func (r *orderingRun) step(settling bool) error {
	switch x := r.rnd.IntN(100); {
	case x < 25:
		r.put()
	case x < 70 && len(r.started) > 0:
		r.answer(settling)
	case x < 80:
		if err := r.commit(); err != nil {
			return err
		}
	case x < 82 && !settling:
		r.restart()
	case x < 85:
		r.loop.setHealth(settling || r.rnd.IntN(3) > 0, r.now)
	default:
		r.now = r.now.Add(time.Duration(r.rnd.IntN(5)) * time.Millisecond)
	}
	wake := r.loop.dispatch(r.now)
	if len(r.started)+len(r.fresh) == 0 && !wake.IsZero() {
		r.now = wake // nothing else would happen
		r.loop.dispatch(r.now)
	}
	return r.check()
}

// put gives the task a chunk of a partition's next records.
func (r *orderingRun) put() {
	p := r.rnd.IntN(len(r.log))
	from := r.read[p]
	to := min(from+int64(1+r.rnd.IntN(8)), int64(len(r.log[p])))
	if from == to {
		return
	}
	var entries []*entry
	for _, e := range r.log[p][from:to] {
		c := *e
		c.frag = []byte(`{"id":"` + c.at.id() + `"}`)
		c.size, c.arrived = len(c.frag), r.now
		entries = append(entries, &c)
	}
	r.read[p] = to
	r.loop.put([][]*entry{entries}, make(chan error, 1))
}

// answer ends a random job the way the app, or the dead letter queue,
// might.
func (r *orderingRun) answer(settling bool) {
	i := r.rnd.IntN(len(r.started))
	j := r.started[i]
	r.started = slices.Delete(r.started, i, i+1)
	res := result{job: j, done: make([]bool, len(j.entries)), after: -1, why: failure{503, "busy"}}
	switch x := r.rnd.IntN(10); {
	case j.expired, settling, x < 6: // delivered, or dead-lettered
		for k := range res.done {
			res.done[k] = true
		}
	case x < 8: // a 207 answer
		for k := range res.done {
			res.done[k] = r.rnd.IntN(2) == 0
		}
	}
	for k, e := range j.entries {
		delete(r.inFlight, e.at)
		if res.done[k] {
			r.done[e.at] = true
		}
	}
	r.loop.finish(res, r.now)
}

// commit commits what Flush allows, and checks it is all done.
func (r *orderingRun) commit() error {
	offsets := map[plugin.TopicPartition]int64{}
	for p := range r.log {
		offsets[tp("orders", int32(p))] = r.read[p]
	}
	got, err := r.loop.flush(offsets)
	if err != nil {
		return err
	}
	for p := range r.log {
		off := got[tp("orders", int32(p))]
		for o := range off {
			if !r.done[position{tp("orders", int32(p)), o}] {
				return fmt.Errorf("partition %d committed up to %d, past %d, which is not done (flush of %v)", p, off, o, offsets)
			}
		}
		if off < r.committed[p] {
			return fmt.Errorf("partition %d committed %d after %d", p, off, r.committed[p])
		}
		r.committed[p] = off
	}
	return nil
}

// check looks at the jobs started since the last check.
func (r *orderingRun) check() error {
	for _, j := range r.fresh {
		if err := r.checkJob(j); err != nil {
			return err
		}
		for _, e := range j.entries {
			r.inFlight[e.at] = true
		}
	}
	r.started, r.fresh = append(r.started, r.fresh...), r.fresh[:0]
	if len(r.started) > r.cfg.maxInFlight {
		return fmt.Errorf("%d requests in flight, over max.in.flight %d", len(r.started), r.cfg.maxInFlight)
	}
	perPartition := map[plugin.TopicPartition]int{}
	for _, j := range r.started {
		if perPartition[j.p.tp]++; perPartition[j.p.tp] > r.cfg.perPartition {
			return fmt.Errorf("%d requests of %v in flight, over %d", perPartition[j.p.tp], j.p.tp, r.cfg.perPartition)
		}
	}
	return nil
}

// checkJob checks that a new job's records may all go.
func (r *orderingRun) checkJob(j *job) error {
	if len(j.entries) == 0 {
		return fmt.Errorf("an empty job of %v", j.p.tp)
	}
	in := map[int64]bool{}
	for _, e := range j.entries {
		if r.inFlight[e.at] {
			return fmt.Errorf("%s is in two requests at once", e.at.id())
		}
		p := e.at.tp.Partition
		for _, before := range r.log[p][:e.at.offset] {
			if !r.sameLane(before, e) || r.done[before.at] || in[before.at.offset] {
				continue
			}
			return fmt.Errorf("%s (key %s) went before %s, which is not done (job of %d records, retry %v)",
				e.at.id(), e.key, before.at.id(), len(j.entries), j.retry != nil)
		}
		in[e.at.offset] = true
	}
	return nil
}

func (r *orderingRun) sameLane(a, b *entry) bool {
	switch r.cfg.ordering {
	case byKey:
		return string(a.key) == string(b.key)
	case byPartition:
		return true
	}
	return false
}
