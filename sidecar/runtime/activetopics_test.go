package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// TestActiveTopicsAreRecorded: a source task's output topic and a sink
// task's input topic land in the status topic (KIP-558), which is what
// GET /connectors/{c}/topics lists; after a reset, a restarted task
// records them again.
func TestActiveTopicsAreRecorded(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "blast")
	e.b.CreateTopic(t, topic, 1)
	ids := e.start("blast", 1, map[string]string{"connector.class": blastClass, "topic": topic, "count": "10"})
	newProbe(topic)
	e.start("collect", 1, sinkConf(topic, "topics", topic))

	recorded := func(connector string) {
		t.Helper()
		kafkatest.Eventually(t, 30*time.Second, func() error {
			if err := e.statuses.ReadToEnd(context.Background()); err != nil {
				return err
			}
			if !e.statuses.Snapshot().HasTopic(connector, topic) {
				return fmt.Errorf("%s: %s not recorded", connector, topic)
			}
			return nil
		})
	}
	recorded("blast")
	recorded("collect")

	e.statuses.DeleteTopic(topic, "blast")
	kafkatest.Eventually(t, 30*time.Second, func() error {
		if err := e.statuses.ReadToEnd(context.Background()); err != nil {
			return err
		}
		if e.statuses.Snapshot().HasTopic("blast", topic) {
			return fmt.Errorf("topic record not reset yet")
		}
		return nil
	})
	e.stop("blast", ids)
	e.start("blast", 1, map[string]string{"connector.class": blastClass, "topic": topic, "count": "10"})
	recorded("blast")
}
