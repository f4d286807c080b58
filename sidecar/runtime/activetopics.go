package runtime

import (
	"sync"
	"time"

	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// activeTopics records, in the status topic, each topic a task produces to
// or consumes from (KIP-558). As in Java, a task remembers what it has
// recorded and writes each topic once in its life, and not at all when
// the status topic already has it; after a reset of the connector's
// topics, its tasks record them again when they restart.
type activeTopics struct {
	t    *taskRun
	mu   sync.Mutex
	seen map[string]bool
}

func newActiveTopics(t *taskRun) *activeTopics {
	return &activeTopics{t: t, seen: map[string]bool{}}
}

// record notes that the task used topic; safe for concurrent use.
func (a *activeTopics) record(topic string) {
	a.mu.Lock()
	seen := a.seen[topic]
	a.seen[topic] = true
	a.mu.Unlock()
	connector := a.t.id.Connector
	if seen || a.t.rt.deps.Statuses.Snapshot().HasTopic(connector, topic) {
		return
	}
	a.t.rt.deps.Statuses.PutTopic(statusstore.TopicStatus{
		Topic: topic, Connector: connector, Task: a.t.id.Task, DiscoverTimestamp: time.Now().UnixMilli(),
	})
}
