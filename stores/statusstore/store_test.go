package statusstore

import (
	"context"
	"testing"

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
