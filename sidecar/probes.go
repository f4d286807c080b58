package sidecar

import (
	"fmt"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// stallBound is how long the group member's loop or the herder's may go
// without coming round before /live fails. It exceeds the longest wait
// either can be in while the worker itself is sound, Kafka down included:
//
//   - a JoinGroup or SyncGroup: rebalance.timeout.ms + session.timeout.ms;
//   - stopping revoked work: tasks, then connectors, each for up to
//     task.shutdown.graceful.timeout.ms;
//   - then waiting for their status records, which the Kafka client
//     retries for up to about two minutes (10 attempts, each up to 10 s
//     plus backoff) while Kafka cannot be reached.
//
// With the defaults that is 3m20s: a wedged worker is restarted within
// minutes, and a slow but working one never is.
func stallBound(cfg config.Worker) time.Duration {
	return cfg.RebalanceTimeout.D() + cfg.SessionTimeout.D() + 2*cfg.TaskShutdownGracefulTimeout.D() + 2*time.Minute
}

// watch shows the worker's loops to /live and its standing in the group to
// /health.
func (w *Worker) watch() {
	bound := stallBound(w.cfg)
	w.health.Loop("group member loop", bound, w.member.Progress)
	w.health.Loop("herder loop", bound, w.herder.Progress)
	w.health.Condition("group", w.outOfGroup)
}

// outOfGroup says so on /health once the worker has failed to take part in
// its group for longer than a session, which is when the group gives its
// work to others. /health stays 200 with this sentence. Java's answers 500
// here (its check waits behind a herder thread busy "ensuring membership
// in the cluster"), but platforms and Strimzi use /health as a liveness
// probe, and restarting every worker would not bring Kafka back; it would
// only make them all start over once Kafka returns.
func (w *Worker) outOfGroup() string {
	since, err := w.member.Failing()
	session := w.cfg.SessionTimeout.D()
	if since.IsZero() || time.Since(since) <= session {
		return ""
	}
	return fmt.Sprintf("It has been out of its Connect group for %v (session.timeout.ms is %v) and does no work until it rejoins; last error: %v.",
		time.Since(since).Round(time.Second), session, err)
}
