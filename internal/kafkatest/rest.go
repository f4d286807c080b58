package kafkatest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// REST helpers for tests that drive workers (Go or Java) over Connect's
// REST API. base is a worker's URL, such as Process.URL.

var httpClient = &http.Client{Timeout: 10 * time.Second}

// Send makes a request with a JSON body, which may be empty.
func Send(method, url, body string) (int, string, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(got), err
}

// GetJSON decodes the answer of GET url, which must be 200.
func GetJSON(url string, v any) error {
	code, body, err := Send(http.MethodGet, url, "")
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", url, code, body)
	}
	return json.Unmarshal([]byte(body), v)
}

// Put writes a connector config to url, retrying while the group
// rebalances (409), as Connect's clients must.
func Put(t testing.TB, url, body string) {
	t.Helper()
	Eventually(t, time.Minute, func() error {
		code, answer, err := Send(http.MethodPut, url, body)
		switch {
		case err != nil:
			return err
		case code == http.StatusCreated || code == http.StatusOK:
			return nil
		case code == http.StatusConflict:
			return fmt.Errorf("PUT %s: 409", url)
		}
		t.Fatalf("PUT %s: %d %s", url, code, answer)
		return nil
	})
}

// PutConnector creates or updates connector name with config.
func PutConnector(t testing.TB, base, name, config string) {
	t.Helper()
	Put(t, base+"/connectors/"+name+"/config", config)
}

// ConnectorStatus is the part of GET /connectors/{name}/status tests read.
type ConnectorStatus struct {
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"tasks"`
}

// Status reads a connector's status.
func Status(base, name string) (ConnectorStatus, error) {
	var st ConnectorStatus
	err := GetJSON(base+"/connectors/"+name+"/status", &st)
	return st, err
}

// TaskWorkers returns the workers a connector's tasks run on, by task,
// once every task is RUNNING.
func TaskWorkers(base, name string) ([]string, error) {
	st, err := Status(base, name)
	if err != nil {
		return nil, err
	}
	if len(st.Tasks) == 0 {
		return nil, fmt.Errorf("%s has no tasks yet", name)
	}
	var on []string
	for _, task := range st.Tasks {
		if task.State != "RUNNING" {
			return nil, fmt.Errorf("%s task %d is %s on %s %s", name, task.ID, task.State, task.WorkerID, task.Trace)
		}
		on = append(on, task.WorkerID)
	}
	return on, nil
}

// AwaitTasks waits until a connector runs n tasks, all RUNNING.
func AwaitTasks(t testing.TB, base, name string, n int) {
	t.Helper()
	Eventually(t, time.Minute, func() error {
		got, err := TaskWorkers(base, name)
		if err != nil {
			return err
		}
		if len(got) != n {
			return fmt.Errorf("%s runs %d tasks, want %d", name, len(got), n)
		}
		return nil
	})
}

// TaskPlacement returns how many of the connector's tasks are RUNNING, on
// which workers, and the status answer they were read from.
func TaskPlacement(base, name string) (running int, on map[string]bool, body string, err error) {
	code, body, err := Send(http.MethodGet, base+"/connectors/"+name+"/status", "")
	if err != nil || code != http.StatusOK {
		return 0, nil, body, fmt.Errorf("status %d %s %v", code, body, err)
	}
	var st ConnectorStatus
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		return 0, nil, body, err
	}
	on = map[string]bool{}
	for _, task := range st.Tasks {
		if task.State == "RUNNING" {
			running++
			on[task.WorkerID] = true
		}
	}
	return running, on, body, nil
}

// AwaitTasksOn waits until via reports the connector's tasks all RUNNING,
// spread over exactly the workers on.
func AwaitTasksOn(t testing.TB, via *Process, name string, tasks int, timeout time.Duration, on ...*Process) {
	t.Helper()
	want := map[string]bool{}
	for _, p := range on {
		want[strings.TrimPrefix(p.URL, "http://")] = true
	}
	Eventually(t, timeout, func() error {
		running, workers, body, err := TaskPlacement(via.URL, name)
		if err != nil {
			return err
		}
		if running != tasks || len(workers) != len(want) {
			return fmt.Errorf("%d of %d tasks RUNNING, on %v: %s", running, tasks, workers, body)
		}
		for w := range workers {
			if !want[w] {
				return fmt.Errorf("a task runs on %s: %s", w, body)
			}
		}
		return nil
	})
}
