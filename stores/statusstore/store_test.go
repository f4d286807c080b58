package statusstore

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

func startStore(t testing.TB, w config.Worker) *Store {
	t.Helper()
	return kafkatest.Started(t, NewStore(kafkatest.Clients(t, w), w, kafkatest.Quiet()))
}

func TestStatusesAreReadBackAndStaleSafeWritesDropped(t *testing.T) {
	b := kafkatest.Start(t)
	w := kafkatest.Worker(t, b, kafkatest.Name(t, "g"))
	s := startStore(t, w)
	task := TaskID{Connector: "files", Task: 0}
	s.PutConnector("files", Status{State: Running, WorkerID: "w1:8083", Generation: 3})
	s.PutTask(task, Status{State: Running, WorkerID: "w2:8083", Generation: 5})
	s.Flush()
	if err := s.ReadToEnd(context.Background()); err != nil {
		t.Fatal(err)
	}
	// w1 shutting down with an older generation must not overwrite w2.
	s.PutTask(task, Status{State: Unassigned, WorkerID: "w1:8083", Generation: 4})
	s.PutConnector("gone", Status{State: Running, WorkerID: "w1:8083", Generation: 3})
	s.DeleteConnector("gone")
	s.Flush()

	snap := startStore(t, w).Snapshot()
	if st, ok := snap.Connector("files"); !ok || st.State != Running || st.WorkerID != "w1:8083" || st.Generation != 3 {
		t.Errorf("connector status %+v, %v", st, ok)
	}
	if st, ok := snap.Task(task); !ok || st.State != Running || st.WorkerID != "w2:8083" {
		t.Errorf("task status %+v, %v: the stale UNASSIGNED must be dropped", st, ok)
	}
	if _, ok := snap.Connector("gone"); ok {
		t.Error("deleted connector still has a status")
	}
}

// Flush waits for the writes made before it while running tasks go on
// writing, as when the herder stops revoked work and flushes. (A
// sync.WaitGroup here panicked: "WaitGroup is reused before previous Wait
// has returned".)
func TestFlushWhileTasksWrite(t *testing.T) {
	var w writes
	w.cond.L = &w.mu
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := w.add()
				runtime.Gosched()
				w.done(n)
			}
		})
	}
	for range 20000 {
		w.wait()
	}
	close(stop)
	wg.Wait()
	if len(w.pending) != 0 {
		t.Errorf("%d writes still pending", len(w.pending))
	}
}

// Flush returns only once the writes made before it are done.
func TestFlushWaitsForEarlierWrites(t *testing.T) {
	var w writes
	w.cond.L = &w.mu
	first, second := w.add(), w.add()
	flushed := make(chan struct{})
	go func() { w.wait(); close(flushed) }()
	w.done(second)
	select {
	case <-flushed:
		t.Fatal("Flush returned with a write of before it pending")
	case <-time.After(50 * time.Millisecond):
	}
	w.done(first)
	<-flushed
}
