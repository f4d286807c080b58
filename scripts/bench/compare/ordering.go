package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
)

// The HTTP sink at one record per request, in each delivery.ordering.
var orderings = [3]string{httpsink.OrderPartition, httpsink.OrderKey, httpsink.OrderNone}

// orderInput is what an ordering row's app does and what the sink reads.
type orderInput struct {
	takes            time.Duration // per request
	partitions, keys int
	share            int // of -http-records
}

// orderInputs: an app that answers at once, over the HTTP rows' 8
// partitions; and one that takes 2 ms, over one partition of 200 keys,
// where partition order has one request in flight (issue 21's case).
var orderInputs = [2]orderInput{
	{takes: 0, partitions: httpPartitions, keys: 1000, share: 3},
	{takes: 2 * time.Millisecond, partitions: 1, keys: 200, share: 20},
}

// orderInFlight is max.in.flight of the ordering rows, whatever the
// ordering.
const orderInFlight = 64

func (o options) orderRecords(in orderInput) int { return max(10, o.httpRecords/in.share) }

// orderings runs the HTTP sink over the keyed input in every ordering, on
// one Go worker.
func (b *bench) orderings(ctx context.Context) error {
	a, err := startApp()
	if err != nil {
		return err
	}
	defer a.close()
	w, err := b.startWorker(ctx, goWorker, spec{group: b.name("go", "ordering"), goEnv: []string{"SIDECAR_APP_URL=" + a.url}})
	if err != nil {
		return err
	}
	if _, err := w.waitReady(ctx, setupTimeout); err != nil {
		return err
	}
	for i, in := range orderInputs {
		for j, o := range orderings {
			b.res.ordering[i][j] = b.orderRun(ctx, w, a, i, o)
			logf("go: HTTP sink batch 1, %s order, %s: %s", o, appName(in.takes), b.res.ordering[i][j].detail())
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	return nil
}

// orderRun drains orderInputs[i]'s topic through the HTTP sink, one
// record per request, and times it from the app's first record to its
// last, so that the consumer group's join is left out.
func (b *bench) orderRun(ctx context.Context, w *worker, a *app, i int, ordering string) cell {
	in := orderInputs[i]
	n := b.opts.orderRecords(in)
	a.setDelay(in.takes)
	stop, at, err := b.drainHTTPSink(ctx, w, a, b.name("go", "order", ordering, i), b.name("order-in", i), n, map[string]string{
		httpsink.BatchMaxRecordsConfig: "1",
		httpsink.OrderingConfig:        ordering,
		httpsink.MaxInFlightConfig:     strconv.Itoa(orderInFlight),
	})
	defer stop()
	if err != nil {
		return failed(err)
	}
	return rate(n, 100, at.Sub(a.firstAt()))
}

func appName(takes time.Duration) string {
	if takes == 0 {
		return "no-op app"
	}
	return strconv.FormatInt(takes.Milliseconds(), 10) + " ms app"
}

// orderingRows are the rows of the ordering step.
func orderingRows(res *results, o options) []row {
	var rows []row
	for i, in := range orderInputs {
		for j, ordering := range orderings {
			var t *target
			switch {
			case ordering == httpsink.OrderKey && in.takes == 0:
				t = atLeast(25000, "≥ 25,000 rec/s")
			case ordering == httpsink.OrderKey:
				t = timesOf(res.ordering[i][0], 10, "≥ 10× partition order")
			}
			answers := "answers at once"
			if in.takes > 0 {
				answers = "answers after " + strconv.FormatInt(in.takes.Milliseconds(), 10) + " ms"
			}
			rows = append(rows, row{name: fmt.Sprintf("Go only: HTTP sink, batch 1, %s order, %s", ordering, appName(in.takes)),
				goV: res.ordering[i][j], goOnly: true, target: t,
				note: fmt.Sprintf("HttpSink (batch.max.records=1, delivery.ordering=%s, max.in.flight=%d, other settings default), tasks.max=1, "+
					"StringConverter, to an app in the harness process that %s. %s pre-filled 100-byte records of %s keys on %s, "+
					"the key's hash picking the partition; from the app's first record to its last (the consumer group's join left out).",
					ordering, orderInFlight, answers, thousands(float64(o.orderRecords(in))), thousands(float64(in.keys)), partitionsName(in.partitions))})
		}
	}
	return rows
}

func partitionsName(n int) string {
	if n == 1 {
		return "1 partition"
	}
	return strconv.Itoa(n) + " partitions"
}

// timesOf holds a Go figure to at least k times another.
func timesOf(base cell, k float64, text string) *target {
	return &target{text: text, check: func(g, _ cell) string {
		if !g.ok() || !base.ok() || base.v == 0 {
			return "unknown"
		}
		if g.v >= k*base.v {
			return fmt.Sprintf("met (%.1f×)", g.v/base.v)
		}
		return fmt.Sprintf("missed (%.1f×)", g.v/base.v)
	}}
}
