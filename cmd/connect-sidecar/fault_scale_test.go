//go:build fault

package main

import (
	"testing"
	"time"
)

// The platform scales the pipeline 1 → 4 → 1 workers, one replica at a
// time, with the sidecar's default delay and heartbeat, while data flows:
// each step moves work at once (a SIGTERMed worker releases it), nothing
// is lost, and no task or partition runs on two workers at once.
func TestFaultScaleOutAndIn(t *testing.T) {
	p := newPipeline(t)
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
}
