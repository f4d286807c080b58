//go:build integration

package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/devbroker"
)

// One worker through every state a platform probes, with what /live,
// /ready, /health and `connect-sidecar probe` say in each: starting while
// Kafka cannot be reached, ready, the app down, Kafka down for longer than
// a session, and back. Once ready, /ready never fails again until the
// worker stops; /live never fails. (A wedged loop fails /live: that takes
// a test seam, so coordination's and the herder's unit tests show it.)
//
// Kafka is always the in-process broker here, whatever
// KAFKA_BOOTSTRAP_SERVERS says: the test cuts every request to it and
// lets them through again, and the cut covers the addresses the broker
// advertises too.
func TestIntegrationProbesInEveryState(t *testing.T) {
	fake, err := devbroker.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	b := &kafkatest.Broker{Addr: fake.Addr(), Kind: kafkatest.InProcess}
	heal := cutKafka(fake)
	app := newRecordingApp(t)
	const session = 6 * time.Second // the broker's least, group.min.session.timeout.ms
	w := kafkatest.StartWorker(t, b, "CONNECT_GROUP_ID=probes",
		"CONNECT_SESSION_TIMEOUT_MS="+fmt.Sprint(session.Milliseconds()), "CONNECT_HEARTBEAT_INTERVAL_MS=1000",
		"CONNECT_OFFSET_FLUSH_INTERVAL_MS=500")

	t.Run("starting", func(t *testing.T) {
		kafkatest.Eventually(t, 30*time.Second, func() error {
			return probesSay(w, http.StatusOK, http.StatusServiceUnavailable, http.StatusServiceUnavailable, `"status":"starting"`)
		})
	})
	heal()

	t.Run("ready", func(t *testing.T) {
		// kafka-go's transport may keep failing for a while after Kafka
		// answers again, and the worker's retries back off to 5 s.
		w.WaitHealthy(t, 2*time.Minute)
		kafkatest.Eventually(t, 10*time.Second, func() error {
			return probesSay(w, http.StatusOK, http.StatusOK, http.StatusOK, "ready to handle requests.")
		})
	})
	watch := watchReady(w)

	topic := "orders"
	b.CreateTopic(t, topic, 2)
	// The task of before an outage cannot leave its consumer group; the
	// next one waits for its consumer session to expire (10 s by default)
	// unless it is short.
	kafkatest.Put(t, w.URL+"/connectors/sink/config", httpSinkConfig(app, topic, 1,
		"http.health.url", app.healthURL(), "http.health.interval.ms", "100",
		"consumer.override.session.timeout.ms", fmt.Sprint(session.Milliseconds()), "consumer.override.heartbeat.interval.ms", "1000"))
	b.Produce(t, topic, keyed("first", 20)...)
	awaitRecords(t, app, 20, time.Minute)

	t.Run("app down", func(t *testing.T) {
		app.setDown(true)
		kafkatest.Eventually(t, 10*time.Second, func() error {
			return metricSays(w, `connect_sidecar_app_healthy{connector="sink"} 0`)
		})
		b.Produce(t, topic, keyed("while-down", 20)...)
		// The sink holds delivery instead of failing anything: the probes
		// stay as they were, so nothing restarts the worker or takes the
		// pod out of its Service.
		if err := probesSay(w, http.StatusOK, http.StatusOK, http.StatusOK, "ready to handle requests."); err != nil {
			t.Error(err)
		}
		if n := app.records(); n != 20 {
			t.Errorf("the app got %d records while its health check failed, want the 20 from before", n)
		}
		app.setDown(false)
		awaitRecords(t, app, 40, 30*time.Second)
	})

	t.Run("Kafka down", func(t *testing.T) {
		heal := cutKafka(fake)
		kafkatest.Eventually(t, 30*time.Second, func() error {
			return probesSay(w, http.StatusOK, http.StatusOK, http.StatusOK, "It has been out of its Connect group for")
		})
		heal()
		kafkatest.Eventually(t, time.Minute, func() error {
			return probesSay(w, http.StatusOK, http.StatusOK, http.StatusOK, `ready to handle requests."`)
		})
		b.Produce(t, topic, keyed("after-outage", 20)...)
		awaitRecords(t, app, 60, time.Minute)
	})

	if failures := watch(); len(failures) > 0 {
		t.Errorf("/ready failed after startup: %v", failures)
	}
	w.Signal(t, syscall.SIGTERM)
	if code := w.Wait(t, 30*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
}

// cutKafka makes the in-process broker close the connection of every
// request, as an unreachable Kafka looks to a client, until heal.
func cutKafka(fake *devbroker.Broker) (heal func()) {
	healed := make(chan struct{})
	c := fake.Cluster()
	c.ControlKey(-1, func(kmsg.Request) (kmsg.Response, error, bool) {
		select {
		case <-healed:
			c.DropControl()
			return nil, nil, false
		default:
			c.KeepControl()
			return nil, errors.New("Kafka cut off by the test"), true
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(healed) }) }
}

// probesSay checks the three probe endpoints' statuses, that /health's
// body contains says, and that `connect-sidecar probe` exits accordingly.
func probesSay(w *kafkatest.Process, live, ready, health int, says string) error {
	for _, p := range []struct {
		which string
		want  int
	}{{"live", live}, {"ready", ready}, {"health", health}} {
		code, body, err := w.Get("/" + p.which)
		if err != nil {
			return err
		}
		if code != p.want {
			return fmt.Errorf("/%s = %d %s, want %d", p.which, code, body, p.want)
		}
		if p.which == "health" && !strings.Contains(body, says) {
			return fmt.Errorf("/health = %s, want it to say %q", body, says)
		}
		wantExit := exitOK
		if p.want != http.StatusOK {
			wantExit = exitFailed
		}
		var out strings.Builder
		if got := run([]string{"probe", p.which, "--url", w.URL}, nil, &out, &out); got != wantExit {
			return fmt.Errorf("probe %s exit %d, want %d: %s", p.which, got, wantExit, out.String())
		}
	}
	return nil
}

// metricSays checks that GET /metrics has a line.
func metricSays(w *kafkatest.Process, line string) error {
	code, body, err := w.Get("/metrics")
	if err != nil {
		return err
	}
	if code != http.StatusOK || !strings.Contains(body, "\n"+line+"\n") {
		return fmt.Errorf("/metrics %d has no line %q", code, line)
	}
	return nil
}

// watchReady polls /ready until the returned function is called, which
// returns every answer other than 200 seen meanwhile.
func watchReady(w *kafkatest.Process) func() []string {
	stop, done := make(chan struct{}), make(chan struct{})
	var failures []string
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if code, body, err := w.Get("/ready?full=1"); err != nil || code != http.StatusOK {
				failures = append(failures, fmt.Sprintf("%s: %d %s %v", time.Now().Format("15:04:05.000"), code, body, err))
			}
		}
	}()
	return func() []string {
		close(stop)
		<-done
		return failures
	}
}
