package main

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// dev mode needs nothing installed: an in-process broker and a worker that
// reports that broker's cluster id, stopped cleanly by Ctrl-C.
func TestDevModeServesRootAndStopsOnInterrupt(t *testing.T) {
	rest := freeAddr(t)
	kafkatest.Binary(t)
	start := time.Now()
	p := kafkatest.StartCommand(t, "http://"+rest, nil, "dev", "--kafka", freeAddr(t), "--rest", rest)
	var info serverInfoBody
	kafkatest.Eventually(t, 30*time.Second, func() error { return kafkatest.GetJSON(p.URL+"/", &info) })
	t.Logf("dev: GET / answered %v after process start (race-instrumented binary)", time.Since(start).Round(time.Millisecond))
	if info.KafkaClusterID != "connect-sidecar-dev" || !strings.HasSuffix(info.Version, "-sidecar") {
		t.Errorf("GET / = %+v", info)
	}
	p.WaitHealthy(t, 10*time.Second)
	p.Signal(t, syscall.SIGINT)
	if code := p.Wait(t, 20*time.Second); code != exitOK {
		t.Fatalf("exit %d after SIGINT", code)
	}
	if !strings.Contains(p.Log(), "curl -s "+p.URL+"/") {
		t.Errorf("dev printed no curl line to try:\n%s", p.Log())
	}
}

// A newcomer's first connector writes to a topic nobody created: dev's
// broker creates it on first use, as a default Apache Kafka broker does,
// with one partition, and the records arrive.
func TestDevModeCreatesTopicsOnFirstUse(t *testing.T) {
	rest, kafkaAddr := freeAddr(t), freeAddr(t)
	p := kafkatest.StartCommand(t, "http://"+rest, nil, "dev", "--kafka", kafkaAddr, "--rest", rest)
	p.WaitHealthy(t, 30*time.Second)
	if !strings.Contains(p.Log(), "Topics are created on first use") {
		t.Errorf("dev's banner does not say that topics are created on first use:\n%s", p.Log())
	}
	code, body, err := p.Do(http.MethodPut, "/connectors/orders/config",
		`{"connector.class":"io.connectsidecar.connect.datagen.DatagenConnector","tasks.max":"1","topic":"orders","rate":"100","max.records":"5"}`)
	if err != nil || code != http.StatusCreated {
		t.Fatalf("PUT connector: %d %s %v", code, body, err)
	}
	b := &kafkatest.Broker{Addr: kafkaAddr, Kind: kafkatest.InProcess}
	// ListOffsets creates no topic, so only the connector can have made it.
	kafkatest.Eventually(t, 30*time.Second, func() error {
		end, err := kafkatest.LastOffset(b, "orders", 0)
		if err == nil && end < 5 {
			err = fmt.Errorf("orders holds %d records, want 5", end)
		}
		return err
	})
	if got := b.Consume(t, "orders", 0, 5, 30*time.Second); len(got) != 5 {
		t.Fatalf("read %d records from orders, want 5", len(got))
	}
	// A connection of its own: the shared transport's metadata cache
	// predates the topic.
	conn, err := kafka.Dial("tcp", kafkaAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	parts, err := conn.ReadPartitions("orders")
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 {
		t.Errorf("orders created with %d partitions, want 1", len(parts))
	}
}

func TestDevBrokerOnlyServesWorkersStartedByHand(t *testing.T) {
	kafkaAddr := freeAddr(t)
	broker := kafkatest.StartCommand(t, "", nil, "dev", "--broker-only", "--kafka", kafkaAddr)
	b := &kafkatest.Broker{Addr: kafkaAddr, Kind: kafkatest.InProcess}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		c, err := net.Dial("tcp", kafkaAddr)
		if err == nil {
			c.Close()
		}
		return err
	})
	for range 2 {
		w := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID=by-hand")
		w.WaitHealthy(t, 30*time.Second)
	}
	broker.Signal(t, syscall.SIGTERM)
	if code := broker.Wait(t, 10*time.Second); code != exitOK {
		t.Fatalf("broker exit %d", code)
	}
}

// While Kafka cannot be reached the worker is alive but not ready, and says
// what it is waiting for.
func TestUnreachableKafkaKeepsTheWorkerStarting(t *testing.T) {
	closed := freeAddr(t)
	rest := freeAddr(t)
	p := kafkatest.StartCommand(t, "http://"+rest, []string{
		"CONNECT_BOOTSTRAP_SERVERS=" + closed, "CONNECT_GROUP_ID=g", "CONNECT_LISTENERS=http://" + rest,
	}, "run")
	want := map[string]int{"/live": http.StatusOK, "/ready": http.StatusServiceUnavailable, "/health": http.StatusServiceUnavailable}
	kafkatest.Eventually(t, 30*time.Second, func() error {
		for path, code := range want {
			got, body, err := p.Get(path)
			if err != nil {
				return err
			}
			if got != code {
				return fmt.Errorf("%s = %d %s, want %d", path, got, body, code)
			}
		}
		return nil
	})
	_, body, _ := p.Get("/health")
	if !strings.Contains(body, `"status":"starting"`) || !strings.Contains(body, "connecting to Kafka at "+closed) {
		t.Errorf("/health body %s does not say what the worker waits for", body)
	}
	var out strings.Builder
	if code := run([]string{"probe", "ready", "--url", p.URL}, nil, &out, &out); code != exitFailed {
		t.Errorf("probe ready exit %d while starting: %s", code, out.String())
	}
}

type serverInfoBody struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
}

var rebalanceCompleted = regexp.MustCompile(`rebalance completed[^\n]*leader"?[:=](true|false)`)

// leads reports whether a worker's log says its last completed rebalance
// made it the group's leader; known is false before its first.
func leads(log string) (leader, known bool) {
	m := rebalanceCompleted.FindAllStringSubmatch(log, -1)
	if len(m) == 0 {
		return false, false
	}
	return m[len(m)-1][1] == "true", true
}
