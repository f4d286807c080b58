//go:build integration

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// cluster is a group of worker processes and the test's own view of the
// group's internal topics.
type cluster struct {
	t        *testing.T
	b        *kafkatest.Broker
	group    string
	topic    string
	dir      string // where its workers' FileStream connectors may read and write
	workers  []*kafkatest.Process
	configs  *configstore.Store
	statuses *statusstore.Store
}

const (
	clusterSession   = 6 * time.Second
	clusterHeartbeat = time.Second
)

func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	b := kafkatest.Start(t)
	c := &cluster{t: t, b: b, group: kafkatest.Name(t, "g"), topic: kafkatest.Name(t, "data"), dir: t.TempDir()}
	b.CreateTopic(t, c.topic, 6)
	for range n {
		c.workers = append(c.workers, c.startWorker())
	}
	for _, w := range c.workers {
		w.WaitHealthy(t, time.Minute)
	}
	w := kafkatest.Worker(t, b, c.group)
	clients := kafkatest.Clients(t, w)
	c.configs = kafkatest.Started(t, configstore.NewStore(clients, w, kafkatest.Quiet()))
	c.statuses = kafkatest.Started(t, statusstore.NewStore(clients, w, kafkatest.Quiet()))
	return c
}

func (c *cluster) startWorker() *kafkatest.Process {
	return kafkatest.StartWorker(c.t, c.b, append(kafkatest.FileStream(c.dir),
		"CONNECT_GROUP_ID="+c.group,
		"CONNECT_SESSION_TIMEOUT_MS="+strconv.Itoa(int(clusterSession/time.Millisecond)),
		"CONNECT_HEARTBEAT_INTERVAL_MS="+strconv.Itoa(int(clusterHeartbeat/time.Millisecond)),
		"CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS=0",
		"CONNECT_OFFSET_FLUSH_INTERVAL_MS=500",
	)...)
}

// createDatagen writes a datagen connector with 6 tasks straight into the
// config topic, as the leader would on a REST create.
func (c *cluster) createDatagen() {
	c.t.Helper()
	err := c.configs.PutConnectorConfig(context.Background(), "gen", map[string]string{
		"name": "gen", "connector.class": "Datagen", "tasks.max": "6", "topic": c.topic,
		"rate": "300", "record.size": "10", "schemas": "false",
		"value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
	}, nil)
	if err != nil {
		c.t.Fatal(err)
	}
}

// placement returns, per worker id, the tasks whose RUNNING status it wrote.
func (c *cluster) placement() map[string][]int32 {
	out := map[string][]int32{}
	for _, ts := range c.statuses.Snapshot().Tasks("gen") {
		if ts.Status.State == statusstore.Running {
			out[ts.Status.WorkerID] = append(out[ts.Status.WorkerID], ts.ID.Task)
		}
	}
	return out
}

func workerID(p *kafkatest.Process) string { return p.URL[len("http://"):] }

// awaitPlacement waits until the 6 tasks run on exactly the given workers,
// evenly, and returns how long that took.
func (c *cluster) awaitPlacement(timeout time.Duration, on ...*kafkatest.Process) time.Duration {
	c.t.Helper()
	start := time.Now()
	want := map[string]bool{}
	for _, p := range on {
		want[workerID(p)] = true
	}
	kafkatest.Eventually(c.t, timeout, func() error {
		if err := c.statuses.ReadToEnd(context.Background()); err != nil {
			return err
		}
		got := c.placement()
		total := 0
		for id, tasks := range got {
			if !want[id] {
				return fmt.Errorf("tasks %v still RUNNING on %s; placement %v", tasks, id, got)
			}
			total += len(tasks)
			if len(tasks) != 6/len(on) {
				return fmt.Errorf("uneven placement %v", got)
			}
		}
		if total != 6 || len(got) != len(on) {
			return fmt.Errorf("placement %v, want 6 tasks over %d workers", got, len(on))
		}
		return nil
	})
	return time.Since(start)
}

// checkNoTaskRanTwice reads every record the connector produced and fails
// if two worker processes ran the same task at the same time: two runs of
// one task, in different processes, whose time spans overlap. A task that
// moves leaves runs one after the other; duplicates after a failover come
// from a run that has already ended.
func (c *cluster) checkNoTaskRanTwice() {
	c.t.Helper()
	byTask := map[int64][]produced{}
	total := 0
	for p := range 6 {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{c.b.Addr}, Topic: c.topic, Partition: p, MaxWait: 100 * time.Millisecond})
		end, err := kafkatest.LastOffset(c.b, c.topic, p)
		if err != nil {
			c.t.Fatal(err)
		}
		for pos := int64(0); pos < end; {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			m, err := r.ReadMessage(ctx)
			cancel()
			if err != nil {
				c.t.Fatalf("read %s[%d] at %d of %d: %v", c.topic, p, pos, end, err)
			}
			pos = m.Offset + 1
			var v struct{ Task, Seq int64 }
			if err := json.Unmarshal(m.Value, &v); err != nil {
				c.t.Fatalf("record %s: %v", m.Value, err)
			}
			rec := produced{seq: v.Seq, time: m.Time}
			for _, h := range m.Headers {
				if h.Key == "datagen.pid" {
					rec.pid = string(h.Value)
				}
			}
			byTask[v.Task] = append(byTask[v.Task], rec)
			total++
		}
		r.Close()
	}
	if total == 0 {
		c.t.Fatal("the connector produced nothing")
	}
	for task, recs := range byTask {
		for _, o := range overlaps(recs) {
			a, b := o[0], o[1]
			c.t.Errorf("task %d ran on two workers at once: pid %s produced %d records %v..%v while pid %s produced %d records %v..%v",
				task, a.pid, a.count, a.first, a.last, b.pid, b.count, b.first, b.last)
		}
	}
	c.t.Logf("%d records checked over %d tasks", total, len(byTask))
}

// Three workers share a 6-task connector 2/2/2; when one stops gracefully,
// is killed, or freezes past its session, its tasks move to the others, and
// no task ever runs on two workers at once.
func TestIntegrationTasksSpreadAndMoveWhenWorkersGo(t *testing.T) {
	c := startCluster(t, 3)
	c.createDatagen()
	took := c.awaitPlacement(time.Minute, c.workers...)
	t.Logf("6 tasks placed 2/2/2 %v after the connector was written", took.Round(time.Millisecond))

	t.Run("SIGTERM", func(t *testing.T) {
		c.workers[0].Signal(t, syscall.SIGTERM)
		took := c.awaitPlacement(30*time.Second, c.workers[1:]...)
		t.Logf("after SIGTERM the tasks ran elsewhere within %v", took.Round(time.Millisecond))
		if code := c.workers[0].Wait(t, 30*time.Second); code != 0 {
			t.Errorf("worker exited %d after SIGTERM", code)
		}
	})
	c.workers[0] = c.startWorker()
	c.workers[0].WaitHealthy(t, time.Minute)
	c.awaitPlacement(time.Minute, c.workers...)

	t.Run("SIGKILL", func(t *testing.T) {
		c.workers[1].Signal(t, syscall.SIGKILL)
		took := c.awaitPlacement(clusterSession+30*time.Second, c.workers[0], c.workers[2])
		t.Logf("after SIGKILL the tasks ran elsewhere within %v (session timeout %v, delay 0)", took.Round(time.Millisecond), clusterSession)
	})
	c.workers[1] = c.startWorker()
	c.workers[1].WaitHealthy(t, time.Minute)
	c.awaitPlacement(time.Minute, c.workers...)

	t.Run("SIGSTOP", func(t *testing.T) {
		frozen := c.workers[2]
		frozen.Signal(t, syscall.SIGSTOP)
		c.awaitPlacement(clusterSession+30*time.Second, c.workers[0], c.workers[1])
		frozen.Signal(t, syscall.SIGCONT)
		took := c.awaitPlacement(time.Minute, c.workers...)
		t.Logf("after SIGCONT the frozen worker was back in the group with its share within %v", took.Round(time.Millisecond))
	})
	c.checkNoTaskRanTwice()
}
