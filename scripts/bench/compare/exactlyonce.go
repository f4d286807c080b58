package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/datagen"
)

// exactlyOnce runs FileStreamSource at both sizes on a worker with
// exactly.once.source.support=enabled (a transaction per poll batch, with
// its offsets), and on Go datagen too, to set beside the at-least-once
// rows of the throughput and serverless steps.
func (b *bench) exactlyOnce(ctx context.Context, im impl) error {
	s := spec{group: b.name(im, "eos"), props: map[string]string{"exactly.once.source.support": "enabled"}}
	if im == javaWorker {
		s.jvmOpts = b.opts.javaOpts
	}
	w, err := b.startWorker(ctx, im, s)
	if err != nil {
		return err
	}
	if _, err := w.waitReady(ctx, setupTimeout); err != nil {
		return err
	}
	for i, size := range sizes {
		conn := b.name(im, "eos-source", size)
		b.res.eosSource[i][im] = b.committedRun(ctx, w, conn, i, size, map[string]string{
			"connector.class": fileSource, "tasks.max": "1", "file": b.inputs[size],
			"key.converter": stringConverter, "value.converter": stringConverter,
		})
		logf("%s: exactly-once FileStreamSource %d B: %s", im, size, b.res.eosSource[i][im].detail())
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if im != goWorker {
		return nil
	}
	for i, size := range sizes {
		conn := b.name(im, "eos-datagen", size)
		b.res.eosDatagen[i] = b.committedRun(ctx, w, conn, i, size, map[string]string{
			"connector.class": datagen.Class, "tasks.max": "1",
			datagen.RateConfig: "0", datagen.RecordSizeConfig: strconv.Itoa(size),
			datagen.MaxRecordsConfig: strconv.Itoa(b.opts.linesFor(i)), datagen.SchemasConfig: "false",
			"key.converter": stringConverter, "value.converter": "org.apache.kafka.connect.json.JsonConverter",
			"value.converter.schemas.enable": "false",
		})
		logf("go: exactly-once datagen %d B: %s", size, b.res.eosDatagen[i].detail())
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// committedRun times an exactly-once source connector into a fresh
// 1-partition topic until a read_committed reader could see the count:
// the topic's last stable offset reaching it. Transaction markers take
// offsets too, one per transaction, so it may stop that many records
// (0.05% at 2,000-record polls) before the last commit.
func (b *bench) committedRun(ctx context.Context, w *worker, conn string, i, size int, config map[string]string) cell {
	n := b.opts.linesFor(i)
	out, err := b.topic(ctx, conn, 1)
	if err != nil {
		return failed(err)
	}
	config["topic"] = out
	config["exactly.once.support"] = "required"
	return b.timedRun(ctx, w, conn, config, n, size, func() bool {
		got, err := b.kafka.stableEndOffset(ctx, out)
		return err == nil && got >= int64(n)
	})
}

// stableEndOffset is a 1-partition topic's last stable offset: where a
// read_committed reader's end is.
func (k *broker) stableEndOffset(ctx context.Context, topic string) (int64, error) {
	resp, err := k.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{
		Topics:         map[string][]kafka.OffsetRequest{topic: {kafka.LastOffsetOf(0)}},
		IsolationLevel: kafka.ReadCommitted,
	})
	if err != nil {
		return 0, err
	}
	parts := resp.Topics[topic]
	if len(parts) == 0 {
		return 0, fmt.Errorf("no offset for %s", topic)
	}
	return parts[0].LastOffset, parts[0].Error
}

// exactlyOnceRows are the rows of the exactly-once step.
func exactlyOnceRows(res *results, o options) []row {
	var rows []row
	for i, size := range sizes {
		rows = append(rows, row{name: fmt.Sprintf("FileStreamSource, %s lines, exactly-once", sizeName(size)),
			goV: res.eosSource[i][goWorker], javaV: res.eosSource[i][javaWorker], target: atLeastJava,
			note: fmt.Sprintf("The %s FileStreamSource row's run on a worker with exactly.once.source.support=enabled and the connector at exactly.once.support=required: "+
				"a transaction per poll of up to 2,000 lines, its offsets in it. Timed until the topic's last stable offset (a read_committed "+
				"reader's end) reaches the count; %s lines.", sizeName(size), thousands(float64(o.linesFor(i))))})
	}
	for i, size := range sizes {
		rows = append(rows, row{name: fmt.Sprintf("Go only: datagen, %s, exactly-once", sizeName(size)), goV: res.eosDatagen[i], goOnly: true,
			note: fmt.Sprintf("The datagen row's run (%s records) on the exactly-once worker, timed as the exactly-once FileStreamSource rows; "+
				"set it beside the at-least-once datagen row for the cost of transactions.", thousands(float64(o.linesFor(i))))})
	}
	return rows
}
