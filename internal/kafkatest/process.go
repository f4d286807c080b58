package kafkatest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/connect-sidecar once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "connect-sidecar-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "connect-sidecar")
		out, err := exec.Command("go", "build", "-race", "-o", binPath, filepath.Join(root, "cmd", "connect-sidecar")).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("kafkatest: %v", buildErr)
	}
	return binPath
}

// ModuleRoot finds the directory holding go.mod above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("kafkatest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Process is a connect-sidecar worker running as its own OS process, so
// tests can kill, stop and resume it as a platform would.
type Process struct {
	URL  string // REST base URL, no trailing slash
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
	err  error
}

// StartWorker runs `connect-sidecar run` against b with a free REST port and
// test-friendly settings; env entries (NAME=value) come last and win. The
// process is killed when t ends, and its log is shown if t failed.
func StartWorker(t testing.TB, b *Broker, env ...string) *Process {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	base := []string{
		"CONNECT_BOOTSTRAP_SERVERS=" + b.Bootstrap(),
		"CONNECT_LISTENERS=http://127.0.0.1:" + strconv.Itoa(port),
		"CONNECT_REST_ADVERTISED_HOST_NAME=127.0.0.1",
		"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=" + strconv.Itoa(b.ReplicationFactor()),
		"CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=" + strconv.Itoa(b.ReplicationFactor()),
		"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=" + strconv.Itoa(b.ReplicationFactor()),
		"SIDECAR_LOG_FORMAT=text",
	}
	return StartCommand(t, "http://127.0.0.1:"+strconv.Itoa(port), append(base, env...), "run")
}

// StartCommand runs the binary with args and exactly the environment given
// (plus PATH and HOME), for tests of the command line itself.
func StartCommand(t testing.TB, url string, env []string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	p := &Process{URL: url, cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("kafkatest: start worker: %v", err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("worker %s log:\n%s", p.URL, p.Log())
		}
		if d := os.Getenv("KAFKATEST_WORKER_LOGS"); d != "" {
			_ = os.WriteFile(filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_")+"-"+strconv.Itoa(p.cmd.Process.Pid)+".log"), []byte(p.Log()), 0o644)
		}
	})
	return p
}

// Signal sends sig to the process (SIGTERM, SIGKILL, SIGSTOP, SIGCONT).
func (p *Process) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("kafkatest: signal %v: %v", sig, err)
	}
}

// Wait waits for the process to exit and returns its exit code.
func (p *Process) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("kafkatest: worker did not exit within %v", timeout)
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("kafkatest: worker: %v", p.err)
	}
	return 0
}

// Log returns what the process printed so far.
func (p *Process) Log() string { return p.log.String() }

// Pid returns the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Get requests path from the worker's REST API.
func (p *Process) Get(path string) (int, string, error) {
	return Send(http.MethodGet, p.URL+path, "")
}

// Do sends a request with a JSON body (may be empty) to the worker.
func (p *Process) Do(method, path, body string) (int, string, error) {
	return Send(method, p.URL+path, body)
}

// WaitReady waits until GET /ready?full=1 answers 200.
func (p *Process) WaitReady(t testing.TB, timeout time.Duration) {
	t.Helper()
	p.waitOK(t, timeout, "/ready?full=1")
}

// WaitHealthy waits until GET /health answers 200.
func (p *Process) WaitHealthy(t testing.TB, timeout time.Duration) {
	t.Helper()
	p.waitOK(t, timeout, "/health")
}

// waitOK waits until GET path answers 200; while it waits, a process that
// exited says so, with its log.
func (p *Process) waitOK(t testing.TB, timeout time.Duration, path string) {
	t.Helper()
	Eventually(t, timeout, func() error {
		select {
		case <-p.done:
			return fmt.Errorf("worker exited: %v\n%s", p.err, p.Log())
		default:
		}
		code, body, err := p.Get(path)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("%s %d %s", path, code, body)
		}
		return nil
	})
}

// syncBuffer is a bytes.Buffer safe for the process's two output streams.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// FileStream is worker environment that enables the FileStream connectors,
// besides the default ones, for files under dirs: by default a worker
// refuses them (README, Security).
func FileStream(dirs ...string) []string {
	return []string{
		"SIDECAR_CONNECTOR_CLASSES=FileStreamSourceConnector,FileStreamSinkConnector,HttpSinkConnector,HttpSourceConnector,DatagenConnector",
		"SIDECAR_FILE_ALLOWED_PATHS=" + strings.Join(dirs, ","),
	}
}
