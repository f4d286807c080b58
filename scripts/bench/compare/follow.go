package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/httpsink"
)

// sinkFollowRate is the records/s produced while sink partitions move:
// enough that every partition has a record every few milliseconds.
const sinkFollowRate = 800

// deliveries is an app that several workers deliver to, each on its own
// path, so it can tell which worker delivered a partition's records. It
// notes, per worker and partition, the first delivery since the last mark.
type deliveries struct {
	url string
	srv *http.Server

	mu    sync.Mutex
	first map[string]map[int]time.Time // path → partition → first delivery since mark
	last  map[int]string               // partition → path of its latest delivery
}

var partitionField = []byte(`"partition":`)

func startDeliveries() (*deliveries, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &deliveries{url: "http://" + l.Addr().String(), first: map[string]map[int]time.Time{}, last: map[int]string{}}
	d.srv = &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = d.srv.Serve(l) }()
	return d, nil
}

func (d *deliveries) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	now := time.Now()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	eachNumber(body, partitionField, func(n int64) {
		p := int(n)
		d.last[p] = r.URL.Path
		seen := d.first[r.URL.Path]
		if seen == nil {
			seen = map[int]time.Time{}
			d.first[r.URL.Path] = seen
		}
		if _, ok := seen[p]; !ok {
			seen[p] = now
		}
	})
	d.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// restart forgets first deliveries: those counted from now on are the
// first since this call.
func (d *deliveries) restart() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.first = map[string]map[int]time.Time{}
}

// servedBy lists the partitions whose latest delivery came from path.
func (d *deliveries) servedBy(path string) []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []int
	for p, by := range d.last {
		if by == path {
			out = append(out, p)
		}
	}
	return out
}

// firsts is when path first delivered each partition since restart.
func (d *deliveries) firsts(path string) map[int]time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return maps.Clone(d.first[path])
}

// followed is the time from "from" until path had delivered every one of
// partitions (or, with partitions nil, any want of them) since restart,
// as the app saw it; polled every 10 ms for at most limit.
func (d *deliveries) followed(ctx context.Context, path string, partitions []int, want int, from time.Time, limit time.Duration) cell {
	var last time.Time
	_, err := waitFor(ctx, limit, 10*time.Millisecond, func() bool {
		got := d.firsts(path)
		var at []time.Time
		if partitions == nil {
			at = slices.Collect(maps.Values(got))
		} else {
			for _, p := range partitions {
				t, ok := got[p]
				if !ok {
					return false
				}
				at = append(at, t)
			}
		}
		if len(at) < want {
			return false
		}
		slices.SortFunc(at, time.Time.Compare)
		last = at[want-1]
		return true
	})
	switch {
	case errors.Is(err, errTimeout):
		return timedOut(limit)
	case err != nil:
		return failed(err)
	}
	return secs(last.Sub(from))
}

func (d *deliveries) close() { _ = d.srv.Close() }

// sinkFollows measures how soon an HTTP sink's partitions deliver on their
// new owner: a second worker starts next to one that delivers everything,
// then is stopped with SIGTERM. Records flow the whole time.
func (b *bench) sinkFollows(ctx context.Context) error {
	r := &b.res
	d, err := startDeliveries()
	if err != nil {
		return err
	}
	defer d.close()
	group := b.name("go", "follow", b.sample)
	topic, err := b.topic(ctx, group, httpPartitions)
	if err != nil {
		return err
	}
	appEnv := func(path string) []string { return []string{"SIDECAR_APP_URL=" + d.url + path} }
	s := spec{group: group, goEnv: appEnv("/first")}
	first, err := b.startWorker(ctx, goWorker, s)
	if err != nil {
		return err
	}
	if _, err := first.waitReady(ctx, setupTimeout); err != nil {
		return err
	}
	config := b.sinkConnector(group, topic, "", rebalanceTasks)
	delete(config, "file")
	config["connector.class"] = httpsink.Class

	pctx, stopProducing := context.WithCancel(ctx)
	produced := make(chan error, 1)
	go func() {
		_, err := b.kafka.produceAtRate(pctx, topic, sinkFollowRate, time.Hour, 100)
		produced <- err
	}()
	defer func() {
		stopProducing()
		if err := <-produced; err != nil && !errors.Is(err, context.Canceled) {
			logf("producing to %s: %v", topic, err)
		}
	}()
	if err := createConnector(ctx, first, group, config); err != nil {
		return err
	}
	d.restart()
	if _, err := waitFor(ctx, setupTimeout, 10*time.Millisecond, func() bool { return len(d.firsts("/first")) == httpPartitions }); err != nil {
		return fmt.Errorf("the first worker did not deliver all %d partitions: %w", httpPartitions, err)
	}

	if err := b.randomPhase(ctx, goWorker); err != nil {
		return err
	}
	d.restart()
	s.goEnv = appEnv("/second")
	second, err := b.startWorker(ctx, goWorker, s)
	if err != nil {
		return err
	}
	join := d.followed(ctx, "/second", nil, httpPartitions/2, second.started, b.opts.failoverTimeout)
	r.sinkJoin = append(r.sinkJoin, join)
	if !join.ok() {
		return fmt.Errorf("the newcomer did not deliver its share: %s", join.detail())
	}
	// Let the group settle, so the partitions the newcomer serves are the
	// ones it keeps.
	if _, err := waitSpread(ctx, setupTimeout, group, rebalanceTasks, first, second); err != nil {
		return err
	}
	if err := b.randomPhase(ctx, goWorker); err != nil {
		return err
	}
	moved := d.servedBy("/second")
	if len(moved) == 0 {
		return errors.New("the newcomer serves no partition")
	}
	t0 := time.Now()
	d.restart()
	if err := second.signal(syscall.SIGTERM); err != nil {
		return err
	}
	leave := d.followed(ctx, "/first", moved, len(moved), t0, b.opts.failoverTimeout)
	r.sinkLeave = append(r.sinkLeave, leave)
	logf("go: sink partitions follow: newcomer %s, SIGTERM %s (%d partitions moved)", join.detail(), leave.detail(), len(moved))
	return nil
}
