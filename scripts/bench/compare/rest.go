package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

var rest = &http.Client{Timeout: 10 * time.Second}

// errTimeout marks a wait that ran out: for the failover rows that is a
// result (Java's 300 s delay), not a failure.
var errTimeout = errors.New("timed out")

func call(ctx context.Context, method, url string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := rest.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// retrying repeats a write through 409s (a rebalance under way) and
// connection errors for up to two minutes, as a client of either worker
// would.
func retrying(ctx context.Context, what string, ok func(code int) bool, f func() (int, []byte, error)) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, body, err := f()
		if err == nil && ok(code) {
			return nil
		}
		if err == nil && code != http.StatusConflict && code < 500 {
			return fmt.Errorf("%s: %d %s", what, code, body)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: still %d %s %v after 2 minutes", what, code, body, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func createConnector(ctx context.Context, w *worker, name string, config map[string]string) error {
	config["name"] = name
	body := map[string]any{"name": name, "config": config}
	return retrying(ctx, "create "+name+" on "+w.name, func(c int) bool { return c == http.StatusCreated },
		func() (int, []byte, error) { return call(ctx, http.MethodPost, w.url+"/connectors", body) })
}

func deleteConnector(ctx context.Context, w *worker, name string) error {
	return retrying(ctx, "delete "+name+" on "+w.name, func(c int) bool { return c == http.StatusNoContent || c == http.StatusNotFound },
		func() (int, []byte, error) { return call(ctx, http.MethodDelete, w.url+"/connectors/"+name, nil) })
}

// status is GET /connectors/{name}/status.
type status struct {
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
	} `json:"tasks"`
}

func getStatus(ctx context.Context, w *worker, name string) (status, error) {
	var st status
	code, body, err := call(ctx, http.MethodGet, w.url+"/connectors/"+name+"/status", nil)
	if err != nil {
		return st, err
	}
	if code != http.StatusOK {
		return st, fmt.Errorf("status %s: %d %s", name, code, body)
	}
	return st, json.Unmarshal(body, &st)
}

// spread reports whether all n tasks are RUNNING, only on the given
// workers, as evenly as the count allows (each holds n/k or n/k+1).
func (st status) spread(n int, workers ...*worker) bool {
	if len(st.Tasks) != n {
		return false
	}
	held := map[string]int{}
	for _, t := range st.Tasks {
		if t.State != "RUNNING" {
			return false
		}
		held[t.WorkerID]++
	}
	for _, w := range workers {
		c := held[w.id]
		if c < n/len(workers) || c > n/len(workers)+1 {
			return false
		}
		delete(held, w.id)
	}
	return len(held) == 0
}

// waitFor polls cond every interval until it holds and returns when that
// was first seen; errTimeout after timeout.
func waitFor(ctx context.Context, timeout, interval time.Duration, cond func() bool) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, errTimeout
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// waitSpread waits until the connector's n tasks run spread over workers,
// asking the first of them every 20 ms.
func waitSpread(ctx context.Context, timeout time.Duration, name string, n int, workers ...*worker) (time.Time, error) {
	return waitFor(ctx, timeout, 20*time.Millisecond, func() bool {
		st, err := getStatus(ctx, workers[0], name)
		return err == nil && st.spread(n, workers...)
	})
}

func listConnectors(ctx context.Context, w *worker) (int, error) {
	code, body, err := call(ctx, http.MethodGet, w.url+"/connectors", nil)
	if err != nil {
		return 0, err
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("%d", code)
	}
	var names []string
	err = json.Unmarshal(body, &names)
	return len(names), err
}
