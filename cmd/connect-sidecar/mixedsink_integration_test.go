//go:build integration

package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// A sink's consumer group holds the tasks of Java and Go workers as
// equals: led by a Go consumer and then by a Java one, every task gets its
// share of partitions (the group settles on cooperative-sticky, which
// both speak) and every record reaches the sink.
func TestIntegrationMixedSinkGroupSharesPartitions(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "mixedsink")
	timing := []string{
		"session.timeout.ms=" + strconv.Itoa(int(mixedSession.Milliseconds())), "heartbeat.interval.ms=1000",
		"scheduled.rebalance.max.delay.ms=0", "offset.flush.interval.ms=500",
		"consumer.session.timeout.ms=" + strconv.Itoa(int(mixedSession.Milliseconds())), "consumer.heartbeat.interval.ms=500",
	}
	java := kafkatest.StartJavaWorker(t, b, group, timing...)
	dir := t.TempDir()
	goEnv := append(kafkatest.FileStream(dir), "CONNECT_GROUP_ID="+group)
	for _, kv := range timing {
		goEnv = append(goEnv, "CONNECT_"+envName(kv))
	}
	go1, go2 := kafkatest.StartWorker(t, b, goEnv...), kafkatest.StartWorker(t, b, goEnv...)
	go1.WaitHealthy(t, time.Minute)
	go2.WaitHealthy(t, time.Minute)

	const partitions, tasks = 6, 3
	topic, sink := kafkatest.Name(t, "lines"), kafkatest.Name(t, "sink")
	b.CreateTopic(t, topic, partitions)
	out := filepath.Join(dir, "out.txt")
	lines := startProducing(t, b, topic)
	kafkatest.PutConnector(t, java.URL, sink, fmt.Sprintf(`{"connector.class":"FileStreamSink","tasks.max":"%d","file":%q,"topics":%q,`+
		`"key.converter":"org.apache.kafka.connect.storage.StringConverter","value.converter":"org.apache.kafka.connect.storage.StringConverter"}`,
		tasks, out, topic))
	javaID := hostPort(java.URL)
	var javaTask int
	var goTasks []int
	kafkatest.Eventually(t, time.Minute, func() error {
		on, err := kafkatest.TaskWorkers(java.URL, sink)
		if err != nil {
			return err
		}
		if len(on) != tasks || len(slices.Compact(slices.Sorted(slices.Values(on)))) != tasks {
			return fmt.Errorf("sink tasks run on %v, want one on each of the three workers", on)
		}
		goTasks = nil
		for task, w := range on {
			if w == javaID {
				javaTask = task
			} else {
				goTasks = append(goTasks, task)
			}
		}
		return nil
	})
	consumers := "connect-" + sink
	restart := func(task int) {
		t.Helper()
		code, body, err := java.Do(http.MethodPost, fmt.Sprintf("/connectors/%s/tasks/%d/restart", sink, task), "")
		if err != nil || code != http.StatusNoContent {
			t.Fatalf("restarting task %d: %d %s %v", task, code, body, err)
		}
	}
	// leader restarts tasks until a consumer of the wanted kind leads the
	// group with every task holding its share. A restarted task's consumer
	// leaves and joins again, and the group's leader is chosen among the
	// members that stayed.
	leader := func(wantJava bool, what string, restarts []int) {
		t.Helper()
		for attempt := 1; attempt <= 5; attempt++ {
			_, since, _ := javaLeadership(java.Log(), consumers)
			for _, task := range restarts {
				restart(task)
			}
			var led bool
			var protocol string
			kafkatest.Eventually(t, time.Minute, func() error {
				var gen int
				led, gen, protocol = javaLeadership(java.Log(), consumers)
				if gen <= since {
					return fmt.Errorf("the Java consumer has not joined %s since generation %d", consumers, since)
				}
				return nil
			})
			awaitShare(t, b, consumers, tasks, partitions/tasks)
			if led, _, protocol = javaLeadership(java.Log(), consumers); led != wantJava {
				continue
			}
			t.Logf("%s: every task holds %d partitions (protocol %s, attempt %d)", what, partitions/tasks, protocol, attempt)
			if protocol != "cooperative-sticky" {
				t.Errorf("the group settled on %q, want cooperative-sticky", protocol)
			}
			return
		}
		t.Fatalf("%s: no consumer of that kind led in 5 attempts", what)
	}
	// Restarting the Java task leaves the Go consumers to choose a leader.
	leader(false, "a Go consumer leads, a Java one follows", []int{javaTask})
	awaitLines(t, out, lines.count()+100, time.Minute)
	// With both Go tasks gone at once the Java consumer is left to lead;
	// the order the two leave in can hand it to one of them, hence retries.
	leader(true, "a Java consumer leads, Go ones follow", goTasks)
	awaitLines(t, out, lines.count()+100, time.Minute)

	total := lines.stop()
	awaitLines(t, out, total, 2*time.Minute)
	got := countTokens(t, out)
	for i := range total {
		if got[fmt.Sprintf("line-%06d", i)] == 0 {
			t.Errorf("line-%06d never reached the sink's file", i)
		}
	}
}

// awaitShare waits until the consumer group is stable with members
// members, each holding exactly each partitions.
func awaitShare(t *testing.T, b *kafkatest.Broker, group string, members, each int) {
	t.Helper()
	kafkatest.Eventually(t, time.Minute, func() error {
		ms, err := b.StableGroup(group, members)
		if err != nil {
			return err
		}
		var held []string
		for _, m := range ms {
			n := 0
			for _, parts := range m.Partitions {
				n += len(parts)
			}
			held = append(held, fmt.Sprintf("%s:%d", m.ClientID, n))
			if n != each {
				return fmt.Errorf("partitions held %v, want %d each", held, each)
			}
		}
		return nil
	})
}

var (
	javaJoined   = regexp.MustCompile(`groupId=([^\]]+)\] Successfully joined group with generation Generation\{generationId=(\d+), memberId='[^']*', protocol='([^']*)'`)
	javaAssigned = regexp.MustCompile(`groupId=([^\]]+)\] Finished assignment for group at generation (\d+):`)
)

// javaLeadership reads a Java worker's log: the last generation of group
// one of its consumers joined (-1: none yet), the protocol it ran, and
// whether one of its consumers led it.
func javaLeadership(log, group string) (led bool, gen int, protocol string) {
	gen = -1
	for _, m := range javaJoined.FindAllStringSubmatch(log, -1) {
		if g, _ := strconv.Atoi(m[2]); m[1] == group && g >= gen {
			gen, protocol = g, m[3]
		}
	}
	for _, m := range javaAssigned.FindAllStringSubmatch(log, -1) {
		if g, _ := strconv.Atoi(m[2]); m[1] == group && g == gen {
			return true, gen, protocol
		}
	}
	return false, gen, protocol
}

// lineProducer writes "line-%06d" records, round robin over the topic's
// partitions, a hundred a second.
type lineProducer struct {
	mu      sync.Mutex
	n       int
	stopped chan struct{}
	done    chan struct{}
}

func startProducing(t *testing.T, b *kafkatest.Broker, topic string) *lineProducer {
	p := &lineProducer{stopped: make(chan struct{}), done: make(chan struct{})}
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr), Topic: topic, Balancer: &kafka.RoundRobin{}, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	go func() {
		defer close(p.done)
		defer w.Close()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stopped:
				return
			case <-tick.C:
			}
			p.mu.Lock()
			line := fmt.Sprintf("line-%06d", p.n)
			p.mu.Unlock()
			if err := w.WriteMessages(context.Background(), kafka.Message{Value: []byte(line)}); err != nil {
				t.Errorf("producing %s: %v", line, err)
				return
			}
			p.mu.Lock()
			p.n++
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *lineProducer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// stop stops producing and returns how many records were written.
func (p *lineProducer) stop() int {
	select {
	case <-p.stopped:
	default:
		close(p.stopped)
	}
	<-p.done
	return p.count()
}
