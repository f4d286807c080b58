package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// impl is which worker implementation runs.
type impl int

const (
	goWorker impl = iota
	javaWorker
)

func (i impl) String() string {
	if i == javaWorker {
		return "java"
	}
	return "go"
}

// spec is what a worker is started with. props are Connect worker
// properties, given to Go as CONNECT_* variables and to Java through
// kafka.sh's CONNECT_EXTRA_PROPS.
type spec struct {
	group   string
	props   map[string]string
	goEnv   []string // Go only: SIDECAR_* settings
	jvmOpts string   // Java only: KAFKA_JVM_OPTS; "" keeps kafka.sh's
}

// sharedProps make the Go worker's settings match the worker properties
// kafka.sh writes for Java (scripts/kafka/config/connect-distributed.properties).
var sharedProps = map[string]string{
	"config.storage.replication.factor": "1",
	"offset.storage.replication.factor": "1",
	"offset.storage.partitions":         "5",
	"status.storage.replication.factor": "1",
	"status.storage.partitions":         "5",
	"offset.flush.interval.ms":          "1000",
}

// worker is one running Go or Java worker process.
type worker struct {
	impl    impl
	name    string
	url     string
	id      string // worker_id in statuses: the advertised host:port
	logPath string
	pid     int
	started time.Time // when the worker process was forked

	cmd     *exec.Cmd     // Go: the worker; Java: kafka.sh connect-start
	exited  chan struct{} // closed once cmd has exited
	stopped bool          // Java: connect-stop has run
}

// procs remembers every worker started, so cleanup can stop the ones a
// failed or interrupted run left behind.
type procs struct {
	mu      sync.Mutex
	workers []*worker
}

func (p *procs) add(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.workers = append(p.workers, w)
}

func (p *procs) all() []*worker {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*worker(nil), p.workers...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// envName is Confluent's rule: CONNECT_ + upper case, '_' → '___', '-' → '__', '.' → '_'.
func envName(prop string) string {
	r := strings.NewReplacer("_", "___", "-", "__", ".", "_")
	return "CONNECT_" + strings.ToUpper(r.Replace(prop))
}

func (b *bench) startWorker(ctx context.Context, im impl, s spec) (*worker, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b.seq++
	w := &worker{
		impl: im, name: fmt.Sprintf("%s-%s-%d", b.id, im, b.seq),
		url: "http://127.0.0.1:" + strconv.Itoa(port), id: "127.0.0.1:" + strconv.Itoa(port),
		exited: make(chan struct{}),
	}
	b.groups[s.group] = true
	props := maps.Clone(b.opts.props)
	maps.Copy(props, s.props)
	s.props = props
	if im == goWorker {
		err = b.startGo(w, port, s)
	} else {
		err = b.startJava(ctx, w, port, s)
	}
	if err != nil {
		return nil, fmt.Errorf("start %s worker in %s: %w", im, s.group, err)
	}
	return w, nil
}

func (b *bench) startGo(w *worker, port int, s spec) error {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"CONNECT_BOOTSTRAP_SERVERS=" + b.opts.bootstrap,
		"CONNECT_GROUP_ID=" + s.group,
		"CONNECT_LISTENERS=http://127.0.0.1:" + strconv.Itoa(port),
		"CONNECT_REST_ADVERTISED_HOST_NAME=127.0.0.1",
		"SIDECAR_LOG_FORMAT=text",
		// The benchmarks compare FileStream with Java's, off by default here.
		"SIDECAR_CONNECTOR_CLASSES=FileStreamSourceConnector,FileStreamSinkConnector,HttpSinkConnector,DatagenConnector",
		"SIDECAR_FILE_ALLOWED_PATHS=" + b.dir + ",/dev/null",
	}
	for k, v := range sharedProps {
		env = append(env, envName(k)+"="+v)
	}
	for k, v := range s.props {
		env = append(env, envName(k)+"="+v)
	}
	env = append(env, s.goEnv...)
	w.logPath = filepath.Join(b.dir, w.name+".log")
	logFile, err := os.Create(w.logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(b.bin, "run")
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	w.started = time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	w.cmd, w.pid = cmd, cmd.Process.Pid
	b.procs.add(w)
	go func() { _ = cmd.Wait(); close(w.exited) }()
	return nil
}

// startJava runs kafka.sh connect-start in the background and returns once
// the JVM's pid is known; readiness is waited for separately, so start-up is
// measured from the JVM's own start, not from kafka.sh's checks before it.
func (b *bench) startJava(ctx context.Context, w *worker, port int, s spec) error {
	var extra []string
	for k, v := range s.props {
		extra = append(extra, k+"="+v)
	}
	cmd := exec.Command(b.script, "connect-start", "--port", strconv.Itoa(port), "--group", s.group, "--name", w.name)
	cmd.Env = append(os.Environ(), "CONNECT_EXTRA_PROPS="+strings.Join(extra, "\n"))
	if s.jvmOpts != "" {
		cmd.Env = append(cmd.Env, "KAFKA_JVM_OPTS="+s.jvmOpts)
	}
	out := filepath.Join(b.dir, w.name+".kafka-sh.out")
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	w.cmd = cmd
	w.logPath = filepath.Join(b.state, "logs", w.name+".log")
	b.procs.add(w)
	go func() { _ = cmd.Wait(); close(w.exited) }()

	pidfile := filepath.Join(b.state, "run", "connect", w.name+".pid")
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if raw, err := os.ReadFile(pidfile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(raw))); err == nil && isJVM(pid, w.name) {
				start, err := procStart(pid)
				if err != nil {
					return err
				}
				w.pid, w.started = pid, start
				return nil
			}
		}
		select {
		case <-w.exited:
			text, _ := os.ReadFile(out)
			return fmt.Errorf("kafka.sh connect-start exited before the JVM started:\n%s", text)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no pid file %s after 2 minutes", pidfile)
		}
	}
}

func isJVM(pid int, name string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(cmdline), "ConnectDistributed") && strings.Contains(string(cmdline), name+".properties")
}

// procStart turns a process's start time (/proc/<pid>/stat, clock ticks
// since boot) into a wall-clock time, through /proc/uptime. Both count from
// boot with 10 ms resolution.
func procStart(pid int) (time.Time, error) {
	now := time.Now()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return time.Time{}, err
	}
	// The command name may hold spaces and parentheses; fields resume after the last ')'.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
	fields := strings.Fields(rest)
	if len(fields) < 20 {
		return time.Time{}, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64) // field 22, starttime
	if err != nil {
		return time.Time{}, err
	}
	up, err := uptime()
	if err != nil {
		return time.Time{}, err
	}
	const clockTicks = 100 // USER_HZ, 100 on every Linux architecture Go runs on
	age := up - time.Duration(ticks)*time.Second/clockTicks
	return now.Add(-age), nil
}

func uptime() (time.Duration, error) {
	raw, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0, err
	}
	secs, err := strconv.ParseFloat(strings.Fields(string(raw))[0], 64)
	return time.Duration(secs * float64(time.Second)), err
}

// rss is the worker's resident set (VmRSS) in bytes.
func (w *worker) rss() (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", w.pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", w.pid)
}

func (w *worker) alive() bool {
	if w.impl == goWorker {
		select {
		case <-w.exited:
			return false
		default:
			return true
		}
	}
	return w.pid > 0 && isJVM(w.pid, w.name) && !zombie(w.pid)
}

func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(stat)
	rest := s[strings.LastIndexByte(s, ')')+1:]
	return strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

var probe = &http.Client{Timeout: 2 * time.Second}

// waitReady polls GET /health every 10 ms and returns how long after the
// process started it first answered 200.
func (w *worker) waitReady(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := probe.Get(w.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(w.started), nil
			}
		}
		if !w.alive() {
			return 0, fmt.Errorf("%s exited during start-up; log %s:\n%s", w.name, w.logPath, tail(w.logPath, 30))
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s: /health not 200 within %v; log %s", w.name, timeout, w.logPath)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func tail(path string, lines int) string {
	raw, _ := os.ReadFile(path)
	all := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

func (w *worker) signal(sig syscall.Signal) error {
	if w.pid <= 0 {
		return errors.New("no pid")
	}
	return syscall.Kill(w.pid, sig)
}

// stop stops the worker gracefully (Java through kafka.sh connect-stop,
// which also tidies its pid file after a SIGKILL) and waits for it.
func (b *bench) stop(w *worker) {
	if w.impl == goWorker {
		select {
		case <-w.exited:
			return
		default:
		}
		_ = w.signal(syscall.SIGTERM)
		select {
		case <-w.exited:
		case <-time.After(30 * time.Second):
			_ = w.signal(syscall.SIGKILL)
			<-w.exited
		}
		return
	}
	if w.stopped {
		return
	}
	w.stopped = true
	if w.pid == 0 {
		// kafka.sh had not launched the JVM yet: its own process group holds
		// only the script.
		_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
	}
	stopCmd := exec.Command(b.script, "connect-stop", "--name", w.name)
	if out, err := stopCmd.CombinedOutput(); err != nil {
		logf("kafka.sh connect-stop --name %s: %v\n%s", w.name, err, out)
	}
	select {
	case <-w.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// waitExit waits for a worker we signalled to be gone.
func (w *worker) waitExit(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for w.alive() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// rssSampler keeps the largest RSS a worker reaches while it runs.
type rssSampler struct {
	peak int64
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(w *worker) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, err := w.rss(); err == nil {
				s.peak = max(s.peak, v)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// finish stops sampling and returns the peak in bytes.
func (s *rssSampler) finish() int64 {
	close(s.stop)
	<-s.done
	return s.peak
}
