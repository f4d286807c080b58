// Command restlatency measures REST latency of a Connect worker under
// load from a second process: GET /connectors/{c}/status on one connector,
// and POST /connectors creating a new (STOPPED) connector per request, so
// every request takes the full write path. It prints p50, p99 and max.
// The connectors are FileStreamSinks to /dev/null, so a Go worker needs
// SIDECAR_CONNECTOR_CLASSES=FileStreamSinkConnector and
// SIDECAR_FILE_ALLOWED_PATHS=/dev/null.
//
//	go run ./scripts/bench/restlatency -url http://127.0.0.1:8083 -n 2000 -c 8
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8083", "the worker's REST URL")
	n := flag.Int("n", 2000, "requests per endpoint")
	c := flag.Int("c", 8, "concurrent clients")
	prefix := flag.String("prefix", fmt.Sprintf("bench-%d", time.Now().UnixNano()), "name prefix of the connectors created")
	flag.Parse()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *c}}
	target := *prefix + "-status"
	if code, err := send(client, "POST", *base+"/connectors", create(target)); err != nil || code != http.StatusCreated {
		fail("create %s: %d %v", target, code, err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if code, _ := send(client, "GET", *base+"/connectors/"+target+"/status", nil); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			fail("no status for %s within a minute", target)
		}
	}
	status := run(*n, *c, func(int) (int, error) {
		return send(client, "GET", *base+"/connectors/"+target+"/status", nil)
	})
	report("GET /connectors/{c}/status", status)
	posts := run(*n, *c, func(i int) (int, error) {
		return send(client, "POST", *base+"/connectors", create(fmt.Sprintf("%s-%d", *prefix, i)))
	})
	report("POST /connectors", posts)
}

func create(name string) []byte {
	return fmt.Appendf(nil, `{"name":%q,"initial_state":"STOPPED","config":{"connector.class":"FileStreamSink","topics":"bench","file":"/dev/null"}}`, name)
}

type result struct {
	took []time.Duration
	errs map[string]int
	wall time.Duration
}

// run makes n requests from c goroutines. A 409 (rebalance) is retried
// after 10 ms, as a client would; the request counts once, with the time
// of its successful attempt, and the 409s are reported.
func run(n, c int, req func(i int) (int, error)) result {
	var next atomic.Int64
	var mu sync.Mutex
	res := result{errs: map[string]int{}}
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				for {
					t0 := time.Now()
					code, err := req(i)
					took := time.Since(t0)
					mu.Lock()
					switch {
					case err != nil:
						res.errs[err.Error()]++
					case code == http.StatusConflict:
						res.errs["409 (retried)"]++
						mu.Unlock()
						time.Sleep(10 * time.Millisecond)
						continue
					case code >= 300:
						res.errs[fmt.Sprintf("HTTP %d", code)]++
					default:
						res.took = append(res.took, took)
					}
					mu.Unlock()
					break
				}
			}
		})
	}
	wg.Wait()
	res.wall = time.Since(start)
	return res
}

func report(name string, r result) {
	slices.Sort(r.took)
	q := func(p float64) time.Duration {
		if len(r.took) == 0 {
			return 0
		}
		return r.took[min(len(r.took)-1, int(p*float64(len(r.took))))]
	}
	fmt.Printf("%-28s %6d ok  %7.0f req/s  p50 %-9v p99 %-9v max %-9v errors %v\n",
		name, len(r.took), float64(len(r.took))/r.wall.Seconds(), q(0.50).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), q(1).Round(10*time.Microsecond), r.errs)
}

func send(client *http.Client, method, url string, body []byte) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}
