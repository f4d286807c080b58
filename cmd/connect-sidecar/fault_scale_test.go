//go:build fault

package main

import (
	"fmt"
	"testing"
	"time"
)

// The platform scales the pipeline (a datagen connector of 12 tasks and
// an HTTP sink) 1 → 4 → 1 workers, one replica at a time, with the
// sidecar's default delay and heartbeat, while data flows: each step
// moves work at once (a SIGTERMed worker releases it), nothing is lost,
// and no task or partition runs on two workers at once.
func TestFaultScaleOutAndIn(t *testing.T) {
	inEachMode(t, flow{partitions: 6, genTasks: 12, sinkTasks: 3, rate: 600}, func(t *testing.T, p *pipeline) {
		defaults := []string{"CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=10000", "CONNECT_HEARTBEAT_INTERVAL_MS=500"}
		ws := []*worker{p.startWorker(p.b.Addr, defaults...)}
		p.startConnectors(ws[0])
		p.awaitRunning(time.Minute, ws...)
		p.awaitDeliveries(500, time.Minute)

		var steps []string
		for len(ws) < 4 {
			started := time.Now()
			ws = append(ws, p.startWorker(p.b.Addr, defaults...))
			healthy := time.Since(started)
			took := p.awaitRunning(time.Minute, ws...)
			steps = append(steps, "+1 → "+(healthy+took).Round(10*time.Millisecond).String())
			p.awaitDeliveries(300, time.Minute)
		}
		for len(ws) > 1 {
			leaving := ws[len(ws)-1]
			ws = ws[:len(ws)-1]
			sigterm := time.Now()
			p.sigterm(leaving)
			p.awaitRunning(time.Minute, ws...)
			steps = append(steps, "-1 → "+time.Since(sigterm).Round(10*time.Millisecond).String())
			p.awaitExit(leaving)
			p.awaitDeliveries(300, time.Minute)
		}
		t.Logf("from each worker's start or SIGTERM until every task ran on the new set (delay 10 s): %v", steps)
		p.finish("scaled 1 → 4 → 1 one worker at a time", ws[0])
	})
}

// A sink's consumer group is cooperative: when a worker joins or leaves,
// only the partitions that change hands stop, and only for the handover;
// the others deliver on as if nothing happened. 4 sink tasks on 8
// partitions over 2 workers; a third joins, then one is SIGTERMed.
func TestFaultSinkPartitionsThatStayKeepFlowing(t *testing.T) {
	// 100 records/s a partition, so that a gap in deliveries is a stop
	// of the partition, not a pause of the producers.
	p := newFlowPipeline(t, flow{partitions: 8, genTasks: 6, sinkTasks: 4, rate: 800, sinkFirst: true})
	ws := []*worker{p.startWorker(p.b.Addr), p.startWorker(p.b.Addr)}
	p.startConnectors(ws[0])
	p.awaitRunning(time.Minute, ws...)
	p.awaitDeliveries(2000, time.Minute)

	const limit = 200 * time.Millisecond
	steady := p.sinkOwners(time.Minute)
	from := time.Now()
	p.awaitDeliveries(1000, time.Minute)
	baseline := p.deliveryGaps(from, time.Now())

	var report []string
	event := func(what string, do func() []*worker) {
		before := p.sinkOwners(time.Minute)
		began := time.Now()
		ws = do()
		p.awaitRunning(time.Minute, ws...)
		after := p.sinkOwners(time.Minute)
		p.awaitDeliveries(1000, time.Minute)
		gaps := p.deliveryGaps(began, time.Now())
		var stayed, moved []string
		for part := range p.flow.partitions {
			gap := gaps[part].Round(time.Millisecond).String()
			if before[part] != after[part] {
				moved = append(moved, fmt.Sprintf("p%d %s", part, gap))
				continue
			}
			stayed = append(stayed, fmt.Sprintf("p%d %s", part, gap))
			if gaps[part] > limit {
				t.Errorf("%s: partition %d stayed with its consumer but stopped for %v (limit %v)", what, part, gaps[part], limit)
			}
		}
		report = append(report, fmt.Sprintf("%s: longest gap per partition that stayed %v, that moved %v", what, stayed, moved))
		if len(moved) == 0 {
			t.Errorf("%s: no partition of the sink moved, so nothing was tested", what)
		}
	}
	event("a third worker joins", func() []*worker { return append(ws, p.startWorker(p.b.Addr)) })
	// The newcomer, which took sink tasks.
	event("a worker is SIGTERMed", func() []*worker {
		p.sigterm(ws[2])
		p.awaitExit(ws[2])
		return ws[:2]
	})
	var base []string
	for part := range p.flow.partitions {
		base = append(base, baseline[part].Round(time.Millisecond).String())
	}
	t.Logf("steady owners %v; longest gap per partition with nothing happening: %v", steady, base)
	for _, r := range report {
		t.Log(r)
	}
	p.finish("a worker joined and one left while 8 partitions flowed", ws[0])
}
