//go:build fault

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// The broker is SIGKILLed mid-stream and started again on its data: every
// worker loses its coordinator, stops its work, and takes it up again once
// the broker is back.
func TestFaultBrokerRestart(t *testing.T) {
	inModes(t, []mode{{name: "http"}, exactlyOnceMode}, faultFlow, func(t *testing.T, p *pipeline) {
		// Open problem (issue 16): in about one run in three a task that
		// moves after the broker's SIGKILL resumes from the offset before
		// its last transaction, which commits only after the task has read
		// its offsets, so 1 to 4 records land twice. Only with the broker's
		// transaction.version at 2 (0 in 11 runs at 1), whatever request
		// versions the producer uses. Set FAULT_EOS_BROKER_RESTART=1 to run
		// it.
		if p.exactlyOnce && os.Getenv("FAULT_EOS_BROKER_RESTART") == "" {
			t.Skip("exactly-once after a broker SIGKILL still repeats a record now and then; FAULT_EOS_BROKER_RESTART=1 runs it")
		}
		ws := []*worker{p.startWorker(p.b.Addr), p.startWorker(p.b.Addr), p.startWorker(p.b.Addr)}
		p.startConnectors(ws[0])
		p.awaitRunning(time.Minute, ws...)
		p.awaitDeliveries(1000, time.Minute)

		// A worker notices in its heartbeat, or in the rebalance it was in.
		noticed := []string{"coordinator unreachable", "rebalance failed"}
		before := make([]int, len(ws))
		for i, w := range ws {
			before[i] = logCount(w, noticed...)
		}
		p.b.StopBroker(t, true)
		down := time.Now()
		for i, w := range ws {
			awaitLog(t, w, before[i], time.Minute, noticed...)
		}
		t.Logf("every worker noticed %v after the broker died", time.Since(down).Round(time.Millisecond))
		took := p.b.StartBroker(t)
		up := time.Now()
		// The status topic still says RUNNING for tasks that stopped when
		// the broker went: deliveries tell when the pipeline runs again.
		p.awaitDeliveries(1000, 2*time.Minute)
		t.Logf("broker down %v (its start took %v); 1000 more records delivered %v after it served",
			up.Sub(down).Round(time.Millisecond), took.Round(time.Millisecond), time.Since(up).Round(time.Millisecond))
		p.awaitRunning(time.Minute, ws...)
		p.finish("broker SIGKILLed and restarted", ws[0])
	})
}

// startOnThreeBrokers skips t unless p runs on a cluster of three brokers
// from scripts/kafka.sh; it starts three workers bootstrapped at all of
// them and the connectors, and waits for the pipeline to deliver.
func (p *pipeline) startOnThreeBrokers() []*worker {
	p.t.Helper()
	kafkatest.RequireBrokers(p.t, p.b, 3)
	bootstrap := p.b.Bootstrap()
	ws := []*worker{p.startWorker(bootstrap), p.startWorker(bootstrap), p.startWorker(bootstrap)}
	p.startConnectors(ws[0])
	p.awaitRunning(time.Minute, ws...)
	p.awaitDeliveries(1000, time.Minute)
	return ws
}

// On a cluster of three brokers (replication factor 3, min.insync.replicas
// 2), the broker that leads the config topic's partition, and with it a
// share of the data topic's partitions, is SIGKILLed mid-stream and
// brought back: the other two take over its partitions and the pipeline
// goes on without losing a record. Runs only on such a cluster
// (KAFKA_BROKERS=3 scripts/kafka.sh start).
func TestFaultPartitionLeaderKilled(t *testing.T) {
	inModes(t, []mode{{name: "http"}}, faultFlow, func(t *testing.T, p *pipeline) {
		ws := p.startOnThreeBrokers()

		leader := p.b.PartitionLeader(t, p.group+"-configs", 0)
		down := time.Now()
		p.b.StopNode(t, leader, true)
		// Until the controller fences the dead broker (broker.session.timeout.ms,
		// 9 s by default), its partitions have no leader to write to.
		kafkatest.Eventually(t, time.Minute, func() error {
			if now := p.b.PartitionLeader(t, p.group+"-configs", 0); now == leader || now < 0 {
				return fmt.Errorf("the config topic has no new leader yet (it has %d)", now)
			}
			return nil
		})
		leaderless := time.Since(down)
		p.awaitDeliveries(1000, 2*time.Minute)
		t.Logf("broker %d (the config topic's leader) SIGKILLed; its partitions had new leaders %v later; 1000 more records delivered %v after the kill",
			leader, leaderless.Round(time.Millisecond), time.Since(down).Round(time.Millisecond))
		took := p.b.StartNode(t, leader)
		up := time.Now()
		p.awaitDeliveries(1000, time.Minute)
		p.awaitRunning(time.Minute, ws...)
		t.Logf("broker %d back (its start took %v); 1000 more records delivered %v after", leader, took.Round(time.Millisecond), time.Since(up).Round(time.Millisecond))
		p.finish("the config topic's leader SIGKILLed and brought back", ws[0])
	})
}

// On a cluster of three brokers, each broker in turn is stopped cleanly
// (SIGTERM: its partitions move to the others first), started again and
// given time to catch up, as an upgrade rolls through a cluster, while a
// source and an HTTP sink run. Runs only on such a cluster.
func TestFaultRollingRestart(t *testing.T) {
	inModes(t, []mode{{name: "http"}}, faultFlow, func(t *testing.T, p *pipeline) {
		ws := p.startOnThreeBrokers()

		for node := int32(1); node <= 3; node++ {
			down := time.Now()
			p.b.StopNode(t, node, false)
			stopped := time.Since(down)
			took := p.b.StartNode(t, node)
			up := time.Now()
			kafkatest.Eventually(t, 2*time.Minute, func() error {
				if n := p.b.OutOfSync(t); n > 0 {
					return fmt.Errorf("%d partitions out of sync after broker %d restarted", n, node)
				}
				return nil
			})
			inSync := time.Since(up)
			p.awaitDeliveries(500, time.Minute)
			t.Logf("broker %d: stopped in %v, started in %v, every partition in sync %v later", node,
				stopped.Round(time.Millisecond), took.Round(time.Millisecond), inSync.Round(time.Millisecond))
		}
		p.awaitRunning(time.Minute, ws...)
		p.finish("rolling restart of three brokers", ws[0])
	})
}

// On a cluster of three combined broker-controller nodes, the node that is
// the active KRaft controller is SIGKILLed mid-stream: the quorum elects
// another controller, the dead node's partitions get new leaders once
// that controller fences it, and the pipeline goes on. Runs only on such
// a cluster.
func TestFaultActiveControllerKilled(t *testing.T) {
	inModes(t, []mode{{name: "http"}}, faultFlow, func(t *testing.T, p *pipeline) {
		ws := p.startOnThreeBrokers()

		controller := p.b.ActiveController(t)
		if controller < 0 {
			t.Fatal("the metadata quorum has no leader")
		}
		down := time.Now()
		p.b.StopNode(t, controller, true)
		kafkatest.Eventually(t, time.Minute, func() error {
			if now := p.b.ActiveController(t); now == controller || now < 0 {
				return fmt.Errorf("no new active controller yet (the quorum says %d)", now)
			}
			return nil
		})
		elected := time.Since(down)
		// The new controller moves the dead node's partitions once it has
		// fenced it (broker.session.timeout.ms after it last heard of it).
		kafkatest.Eventually(t, time.Minute, func() error {
			if n := p.b.LedBy(t, controller); n > 0 {
				return fmt.Errorf("%d partitions still led by the dead node %d", n, controller)
			}
			return nil
		})
		leaderless := time.Since(down)
		p.awaitDeliveries(1000, 2*time.Minute)
		t.Logf("node %d (the active controller) SIGKILLed; a new controller %v later, new leaders for its partitions %v later; 1000 more records delivered %v after the kill",
			controller, elected.Round(time.Millisecond), leaderless.Round(time.Millisecond), time.Since(down).Round(time.Millisecond))
		took := p.b.StartNode(t, controller)
		p.awaitDeliveries(1000, time.Minute)
		p.awaitRunning(time.Minute, ws...)
		t.Logf("node %d back (its start took %v)", controller, took.Round(time.Millisecond))
		p.finish("the active controller SIGKILLed and brought back", ws[0])
	})
}

// cutOffFromOneBroker is how long TestFaultWorkerCutOffFromOneBroker cuts:
// three sessions, longer than every timeout that could react.
const cutOffFromOneBroker = 3 * faultSession

// On a cluster of three brokers, one worker loses its connections to one
// broker only (the one leading the config topic's partition), while the
// other workers reach all three: the metadata names a leader it cannot
// reach. Once the network heals it works as before. Runs only on such a
// cluster.
func TestFaultWorkerCutOffFromOneBroker(t *testing.T) {
	inModes(t, []mode{{name: "http"}}, faultFlow, func(t *testing.T, p *pipeline) {
		kafkatest.RequireBrokers(t, p.b, 3)
		proxies := p.b.ProxiedNodes(t)
		var through []string
		for _, proxy := range proxies {
			through = append(through, proxy.Addr)
		}
		bootstrap := p.b.Bootstrap()
		w1, w2 := p.startWorker(bootstrap), p.startWorker(bootstrap)
		cut := p.startWorker(strings.Join(through, ","))
		p.startConnectors(w1)
		p.awaitRunning(time.Minute, w1, w2, cut)
		p.awaitDeliveries(1000, time.Minute)

		node := p.b.PartitionLeader(t, p.group+"-configs", 0)
		proxies[node-1].Cut()
		// The cut's length is what the scenario is, so it is slept, not
		// awaited.
		time.Sleep(cutOffFromOneBroker)
		proxies[node-1].Heal()
		t.Logf("one worker cut off from broker %d (the config topic's leader) for %v", node, cutOffFromOneBroker)
		back := p.awaitRunning(time.Minute, w1, w2, cut)
		t.Logf("healed: every task running %v later", back.Round(time.Millisecond))
		p.awaitDeliveries(1000, time.Minute)
		p.finish("a worker cut off from one broker", w1)
	})
}

// One worker's every connection to Kafka is cut, as a network partition
// would, until its session has expired and its tasks run elsewhere; then
// the network heals and it takes its share back.
func TestFaultWorkerCutOffFromKafka(t *testing.T) {
	inEachMode(t, faultFlow, func(t *testing.T, p *pipeline) {
		proxy := p.b.Proxied(t)
		w1, w2 := p.startWorker(p.b.Addr), p.startWorker(p.b.Addr)
		cut := p.startWorker(proxy.Addr)
		p.startConnectors(w1)
		p.awaitRunning(time.Minute, w1, w2, cut)
		p.awaitDeliveries(1000, time.Minute)

		stopped := logCount(cut, "stopping work")
		proxy.Cut()
		moved := p.awaitRunning(faultSession+time.Minute, w1, w2)
		awaitLog(t, cut, stopped, time.Minute, "stopping work")
		t.Logf("the cut-off worker's tasks ran on the others %v after the cut (session %v)", moved.Round(time.Millisecond), faultSession)
		p.awaitDeliveries(1000, time.Minute)
		proxy.Heal()
		back := p.awaitRunning(time.Minute, w1, w2, cut)
		t.Logf("healed: the worker had its share back within %v", back.Round(time.Millisecond))
		p.awaitDeliveries(1000, time.Minute)
		p.finish("worker cut off from Kafka past its session", w1)
	})
}

// A worker frozen (SIGSTOP) past its session is a zombie when it thaws:
// its tasks run elsewhere by then, so it must not produce or deliver
// anything before it has rejoined.
func TestFaultFrozenWorkerThaws(t *testing.T) {
	inEachMode(t, faultFlow, func(t *testing.T, p *pipeline) {
		ws := []*worker{p.startWorker(p.b.Addr), p.startWorker(p.b.Addr), p.startWorker(p.b.Addr)}
		p.startConnectors(ws[0])
		p.awaitRunning(time.Minute, ws...)
		p.awaitDeliveries(1000, time.Minute)

		frozen := ws[2]
		p.rest.retire(frozen) // a frozen worker answers nobody
		frozen.Signal(t, syscall.SIGSTOP)
		moved := p.awaitRunning(faultSession+time.Minute, ws[0], ws[1])
		t.Logf("the frozen worker's tasks ran on the others %v after SIGSTOP (session %v)", moved.Round(time.Millisecond), faultSession)
		p.awaitDeliveries(1000, time.Minute)
		p.thaw(frozen)
		p.rest.add(frozen)
		back := p.awaitRunning(time.Minute, ws...)
		t.Logf("after SIGCONT the worker had its share back within %v", back.Round(time.Millisecond))
		p.awaitDeliveries(1000, time.Minute)
		p.finish("worker frozen past its session, then thawed", ws[0])
	})
}

// The worker that leads the group and took the connectors' writes is
// SIGKILLed: it neither leaves the group nor withdraws anything, so the
// others find out when its session expires; then a replacement joins, as
// a platform would start one.
func TestFaultLeaderKilled(t *testing.T) {
	inEachMode(t, faultFlow, func(t *testing.T, p *pipeline) {
		ws := []*worker{p.startWorker(p.b.Addr), p.startWorker(p.b.Addr), p.startWorker(p.b.Addr)}
		p.startConnectors(ws[2]) // a follower (the first to join leads): the writes go to the leader
		p.awaitRunning(time.Minute, ws...)
		p.awaitDeliveries(1000, time.Minute)

		killed := leaderAmong(t, ws)
		rest := slices.DeleteFunc(slices.Clone(ws), func(w *worker) bool { return w == killed })
		p.rest.retire(killed)
		p.stopped[killed.name] = true
		killed.Signal(t, syscall.SIGKILL)
		moved := p.awaitRunning(faultSession+time.Minute, rest...)
		t.Logf("the killed leader's tasks ran on the others %v after SIGKILL (session %v)", moved.Round(time.Millisecond), faultSession)
		p.awaitDeliveries(1000, time.Minute)
		// The next leader takes writes, whichever worker gets them.
		p.putConfig(rest[1], p.gen, p.genConfig("record.size", "12"))
		replacement := p.startWorker(p.b.Addr)
		back := p.awaitRunning(time.Minute, append(rest, replacement)...)
		t.Logf("a replacement had its share within %v", back.Round(time.Millisecond))
		p.awaitDeliveries(1000, time.Minute)
		p.finish("leader SIGKILLed and replaced", rest[0])
	})
}

// leaderAmong is the one of ws whose last rebalance made it the leader.
func leaderAmong(t *testing.T, ws []*worker) *worker {
	t.Helper()
	for _, w := range ws {
		if leader, _ := leads(w.Log()); leader {
			return w
		}
	}
	t.Fatal("no worker says it leads the group")
	return nil
}

// The config topic fills up with what other tools and mistakes leave
// there, mid-stream and then as the topic's last records: the workers
// keep running and answering, their config writes still work, nothing is
// lost, and a worker started afterwards reads past it all and joins.
func TestFaultGarbageInTheConfigTopic(t *testing.T) {
	p := newPipeline(t)
	w1, w2 := p.startWorker(p.b.Addr), p.startWorker(p.b.Addr)
	p.startConnectors(w1)
	p.rest.watch("/connectors/"+p.gen+"/config", "/connectors?expand=status&expand=info")
	p.awaitRunning(time.Minute, w1, w2)
	p.awaitDeliveries(1000, time.Minute)

	configs := p.group + "-configs"
	n := p.produceGarbage(configs)
	// A config change after the garbage goes through, and every worker
	// sees it.
	p.putConfig(w2, p.gen, p.genConfig("batch.size", "500"))
	for _, w := range []*worker{w1, w2} {
		kafkatest.Eventually(t, 30*time.Second, func() error {
			_, body, err := p.rest.call(w, http.MethodGet, "/connectors/"+p.gen+"/config", "")
			if err != nil || !strings.Contains(body, `"batch.size":"500"`) {
				return fmt.Errorf("%s does not show the new config: %s %v", w.name, body, err)
			}
			return nil
		})
	}
	p.awaitRunning(time.Minute, w1, w2)
	p.awaitDeliveries(1000, time.Minute)

	n += p.produceGarbage(configs) // now the topic ends in garbage
	fresh := p.startWorker(p.b.Addr)
	joined := p.awaitRunning(time.Minute, w1, w2, fresh)
	t.Logf("%d garbage records in the config topic; a worker started after them had its share %v after it was healthy", n, joined.Round(time.Millisecond))
	want := []string{p.gen, p.sink}
	slices.Sort(want)
	for _, w := range []*worker{w1, w2, fresh} {
		var names []string
		if _, body, err := p.rest.call(w, http.MethodGet, "/connectors", ""); err != nil || json.Unmarshal([]byte(body), &names) != nil {
			t.Errorf("%s: GET /connectors: %s %v", w.name, body, err)
		} else if slices.Sort(names); !slices.Equal(names, want) {
			t.Errorf("%s lists connectors %v, want %v", w.name, names, want)
		}
	}
	p.awaitDeliveries(1000, time.Minute)
	p.finish("garbage in the config topic", w1)
}

// produceGarbage writes records no Connect worker wrote to topic and
// returns how many.
func (p *pipeline) produceGarbage(topic string) int {
	p.t.Helper()
	ghost := kafkatest.Name(p.t, "ghost")
	huge := strings.Repeat("garbage ", 110_000) // ~880 KB, under the broker's 1 MB
	recs := []*kgo.Record{
		// Values that are not JSON, under keys of every kind.
		{Key: []byte("connector-" + ghost), Value: []byte("this is not JSON {")},
		{Key: []byte("target-state-" + ghost), Value: []byte{0xff, 0xfe, 0x00}},
		{Key: []byte("commit-" + ghost), Value: []byte("{\"tasks\":")},
		{Key: []byte("unknown-key"), Value: []byte("plain text")},
		// JSON of the wrong shape, and unknown keys.
		{Key: []byte("task-" + ghost + "-0"), Value: []byte(`[1,2,3]`)},
		{Key: []byte("connector-" + ghost + "-2"), Value: []byte(`{"properties":{"tasks.max":7}}`)},
		{Key: []byte("commit-" + ghost + "-2"), Value: []byte(`{"tasks":"many"}`)},
		{Key: []byte("what-is-this"), Value: []byte(`{"state":"RUNNING"}`)},
		// Records of other tools: an empty key (a compacted topic refuses
		// none at all), a schema registry's, Avro bytes, a key that is not
		// UTF-8.
		{Key: []byte{}, Value: []byte(`{"schema":{"type":"string"},"payload":"hello"}`)},
		{Key: []byte(`{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}`), Value: []byte(`{"subject":"orders-value","version":1,"id":1,"schema":"\"string\""}`)},
		{Key: []byte("avro"), Value: []byte{0x00, 0x00, 0x00, 0x00, 0x01, 0x06, 'a', 'b', 'c'}},
		{Key: []byte{0xc3, 0x28, 0xa0, 0xa1}, Value: []byte(`{}`)},
		// Huge values, JSON and not.
		{Key: []byte("huge-json"), Value: []byte(`{"blob":"` + huge + `"}`)},
		{Key: []byte("connector-" + ghost + "-huge"), Value: []byte(huge)},
		// Tombstones for connectors nobody created.
		{Key: []byte("connector-" + ghost)},
		{Key: []byte("target-state-" + ghost)},
		{Key: []byte("task-" + ghost + "-0")},
		{Key: []byte("commit-" + ghost)},
		{Key: []byte("unknown-key")},
		{Key: []byte{}},
		// What a deleted connector leaves behind: task configs and their
		// commit, and a target state, without a connector config.
		{Key: []byte("task-" + ghost + "-3-0"), Value: []byte(`{"properties":{"connector.class":"FileStreamSource","task.class":"org.apache.kafka.connect.file.FileStreamSourceTask","topic":"nowhere","file":"/nonexistent"}}`)},
		{Key: []byte("commit-" + ghost + "-3"), Value: []byte(`{"tasks":1}`)},
		{Key: []byte("target-state-" + ghost + "-3"), Value: []byte(`{"state":"PAUSED","state.v2":"PAUSED"}`)},
	}
	for _, r := range recs {
		r.Topic = topic
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(p.b.Addr), kgo.ProducerBatchMaxBytes(1_000_000), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		p.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		p.t.Fatalf("produce garbage to %s: %v", topic, err)
	}
	return len(recs)
}

// 200 REST writes (create, update, pause, resume, delete) on 20 connectors
// go to the workers in service, 20 at a time, while workers join and
// leave: every answer is 2xx or Connect's 4xx, and afterwards every worker
// lists the same connectors, each with the config and target state of the
// last write that succeeded.
func TestFaultConcurrentRESTWritesDuringRebalances(t *testing.T) {
	const connectors, opsEach = 20, 10
	inEachMode(t, faultFlow, func(t *testing.T, p *pipeline) {
		ws := []*worker{p.startWorker(p.b.Addr), p.startWorker(p.b.Addr), p.startWorker(p.b.Addr)}
		p.startConnectors(ws[0])
		p.awaitRunning(time.Minute, ws...)
		churnTopic := kafkatest.Name(t, "churn")
		p.b.CreateTopic(t, churnTopic, 1)

		seed := time.Now().UnixNano()
		t.Logf("writes seeded with %d", seed)
		writers := make([]*restWriter, connectors)
		var wg sync.WaitGroup
		for i := range writers {
			writers[i] = &restWriter{p: p, name: fmt.Sprintf("%s-c%02d", p.gen, i), topic: churnTopic,
				rand: rand.New(rand.NewPCG(uint64(seed), uint64(i)))}
			wg.Go(func() { writers[i].run(opsEach) })
		}
		writing := make(chan struct{})
		go func() { wg.Wait(); close(writing) }()

		// Workers come and go while the writes run: each cycle adds one and
		// then stops the oldest (SIGTERM, after taking it out of service); at
		// least two cycles, at most four.
		alive := ws
		cycles := 0
		for done := false; (!done || cycles < 2) && cycles < 4; cycles++ {
			alive = append(alive, p.startWorker(p.b.Addr))
			p.stop(alive[0])
			alive = alive[1:]
			select {
			case <-writing:
				done = true
			default:
			}
		}
		<-writing
		counts := map[string]int{}
		var took []time.Duration
		for _, w := range writers {
			for k, v := range w.answers {
				counts[k] += v
			}
			took = append(took, w.took...)
		}
		slices.Sort(took)
		// Retry-after-rebalance 409s per write that succeeded: what a
		// client writing one request at a time goes through.
		conflicts, succeeded := 0, 0
		for k, v := range counts {
			switch _, code, _ := strings.Cut(k, " "); {
			case strings.HasPrefix(code, "409,"):
				conflicts += v
			case strings.HasPrefix(code, "2"):
				succeeded += v
			}
		}
		t.Logf("%d writes over %d workers while %d joined and %d left, each retried on 409 until it was answered otherwise, in %v (median), %v (max); %.2f retry-after-rebalance 409s per successful write: %v",
			connectors*opsEach, len(ws)+cycles, cycles, cycles, took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond),
			float64(conflicts)/float64(max(succeeded, 1)), counts)

		// Every worker lists the same connectors: those whose last successful
		// write did not delete them.
		want := []string{p.gen, p.sink}
		for _, w := range writers {
			if w.exists {
				want = append(want, w.name)
			}
		}
		slices.Sort(want)
		for _, w := range alive {
			kafkatest.Eventually(t, 30*time.Second, func() error {
				var names []string
				_, body, err := p.rest.call(w, http.MethodGet, "/connectors", "")
				if err != nil || json.Unmarshal([]byte(body), &names) != nil {
					return fmt.Errorf("%s: GET /connectors: %s %v", w.name, body, err)
				}
				if slices.Sort(names); !slices.Equal(names, want) {
					return fmt.Errorf("%s lists %v, want %v; the writes to those listed or wanted but not both:\n%s",
						w.name, names, want, histories(writers, names, want))
				}
				return nil
			})
		}
		// Each one has the config of its last successful write, everywhere,
		// and runs or is paused as its last successful pause or resume said.
		for _, c := range writers {
			if !c.exists {
				continue
			}
			for _, w := range alive {
				kafkatest.Eventually(t, 30*time.Second, func() error {
					var got map[string]string
					_, body, err := p.rest.call(w, http.MethodGet, "/connectors/"+c.name+"/config", "")
					if err != nil || json.Unmarshal([]byte(body), &got) != nil {
						return fmt.Errorf("%s: config of %s: %s %v", w.name, c.name, body, err)
					}
					if !maps.Equal(got, c.config) {
						return fmt.Errorf("%s: config of %s is %v, want the last written %v", w.name, c.name, got, c.config)
					}
					return nil
				})
			}
			want := "RUNNING"
			if c.paused {
				want = "PAUSED"
			}
			kafkatest.Eventually(t, 30*time.Second, func() error {
				st, err := kafkatest.Status(alive[0].URL, c.name)
				if err != nil {
					return err
				}
				if st.Connector.State != want {
					return fmt.Errorf("%s is %s (written by %s), want %s", c.name, st.Connector.State, st.Connector.WorkerID, want)
				}
				return nil
			})
		}
		p.awaitTasks(time.Minute, false, alive)
		p.finish(fmt.Sprintf("%d REST writes while workers came and went", connectors*opsEach), alive[0])
	})
}

// retryBudget bounds how long a writer retries one write on 409. Every
// write that succeeds starts a rebalance, during which the leader answers
// writes with 409, so 20 writers keep each other waiting: most writes get
// through within a few seconds, the unlucky ones give up.
const retryBudget = 5 * time.Second

// restWriter writes one connector's config and target state, one request
// at a time, to a random worker in service, and remembers the outcome of
// the last write that succeeded.
type restWriter struct {
	p     *pipeline
	name  string
	topic string
	rand  *rand.Rand

	answers map[string]int // "update 200" -> count
	history []string       // every attempt: op, worker, answer
	took    []time.Duration
	exists  bool
	paused  bool
	config  map[string]string
}

func (c *restWriter) run(ops int) {
	c.answers = map[string]int{}
	for i := range ops {
		// Spread the writes over the churn; the jitter shapes the load.
		time.Sleep(time.Duration(c.rand.IntN(300)) * time.Millisecond)
		config := map[string]string{
			"connector.class": "io.connectsidecar.connect.datagen.DatagenConnector",
			"tasks.max":       "1", "topic": c.topic, "rate": "1", "schemas": "false", "record.size": "10",
			"batch.size": strconv.Itoa(i + 1), // tells the writes apart
			"name":       c.name,
		}
		var method, path, body, op string
		switch k := c.rand.IntN(10); {
		case k < 2:
			op, method, path = "create", http.MethodPost, "/connectors"
			b, _ := json.Marshal(map[string]any{"name": c.name, "config": config})
			body = string(b)
		case k < 5:
			op, method, path = "update", http.MethodPut, "/connectors/"+c.name+"/config"
			b, _ := json.Marshal(config)
			body = string(b)
		case k < 6:
			op, method, path = "pause", http.MethodPut, "/connectors/"+c.name+"/pause"
		case k < 7:
			op, method, path = "resume", http.MethodPut, "/connectors/"+c.name+"/resume"
		default:
			op, method, path = "delete", http.MethodDelete, "/connectors/"+c.name
		}
		code, resp, err := c.sendRetrying(op, method, path, body)
		switch {
		case err != nil:
			c.answers[op+" failed"]++
			continue
		case code == http.StatusConflict && !strings.Contains(resp, "already exists"):
			c.answers[op+" 409, gave up"]++
		default:
			c.answers[fmt.Sprintf("%s %d", op, code)]++
		}
		if code < 200 || code >= 300 {
			continue
		}
		switch op {
		case "create":
			c.exists, c.paused, c.config = true, false, config
		case "update":
			if code == http.StatusCreated {
				c.paused = false
			}
			c.exists, c.config = true, config
		case "pause":
			c.paused = true
		case "resume":
			c.paused = false
		case "delete":
			c.exists, c.paused, c.config = false, false, nil
		}
	}
}

// sendRetrying sends a write until it gets an answer other than "retry
// after the rebalance" (409), as Connect's clients do, for up to
// retryBudget; a connector that already exists is also 409, and final.
func (c *restWriter) sendRetrying(op, method, path, body string) (int, string, error) {
	backoff := 50 * time.Millisecond
	start := time.Now()
	for {
		code, resp, err := c.send(method, path, body)
		if err != nil || code != http.StatusConflict || strings.Contains(resp, "already exists") || time.Since(start) > retryBudget {
			c.took = append(c.took, time.Since(start))
			return code, resp, err
		}
		c.answers[op+" 409, retried"]++
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
}

// send sends to a worker in service, choosing again if it left service.
func (c *restWriter) send(method, path, body string) (int, string, error) {
	for {
		ws := c.p.rest.inService()
		if len(ws) == 0 {
			return 0, "", errRetired
		}
		w := ws[c.rand.IntN(len(ws))]
		sent := time.Now()
		code, resp, err := c.p.rest.call(w, method, path, body)
		if !errors.Is(err, errRetired) {
			c.history = append(c.history, fmt.Sprintf("%s %s %s to %s: %d %v %.120s",
				sent.Format("15:04:05.000"), method, path, w.name, code, err, resp))
			return code, resp, err
		}
	}
}

// histories lists the attempts of the writers whose connector is in only
// one of got and want.
func histories(writers []*restWriter, got, want []string) string {
	var b strings.Builder
	for _, w := range writers {
		if slices.Contains(got, w.name) != slices.Contains(want, w.name) {
			fmt.Fprintf(&b, "%s:\n  %s\n", w.name, strings.Join(w.history, "\n  "))
		}
	}
	return b.String()
}
