package kafkatest

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// JavaWorker is an Apache Kafka Connect distributed worker started by
// scripts/kafka.sh: the reference implementation tests compare against.
type JavaWorker struct {
	URL   string
	Name  string
	Group string

	script string
}

// StartJavaWorker starts a Java ConnectDistributed worker in group on a free
// port, with extra worker properties ("key=value"), and stops it when t
// ends. It skips t unless the broker is the one scripts/kafka.sh started.
func StartJavaWorker(t testing.TB, b *Broker, group string, props ...string) *JavaWorker {
	t.Helper()
	script := kafkaScript(t)
	if b.Kind != External || exec.Command(script, "status").Run() != nil {
		t.Skipf("needs the Java Connect worker from scripts/kafka.sh (with a broker it started); running against %s", b)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	w := &JavaWorker{URL: "http://127.0.0.1:" + strconv.Itoa(port), Name: "java-" + strconv.Itoa(port), Group: group}
	cmd := exec.Command(script, "connect-start", "--port", strconv.Itoa(port), "--group", group, "--name", w.Name)
	cmd.Env = append(os.Environ(), "CONNECT_EXTRA_PROPS="+strings.Join(props, "\n"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kafkatest: start Java worker: %v\n%s", err, out)
	}
	w.script = script
	t.Cleanup(func() { w.Stop(t) })
	return w
}

// Stop stops the worker (SIGTERM, so it leaves the group); stopping twice
// is harmless.
func (w *JavaWorker) Stop(t testing.TB) {
	t.Helper()
	if out, err := exec.Command(w.script, "connect-stop", "--name", w.Name).CombinedOutput(); err != nil {
		t.Errorf("kafkatest: stop Java worker: %v\n%s", err, out)
	}
}

// Kill ends the worker with SIGKILL, as a crash would: it neither commits
// nor leaves the group, so the others wait for its session to expire.
func (w *JavaWorker) Kill(t testing.TB) {
	t.Helper()
	if out, err := exec.Command(w.script, "connect-stop", "--name", w.Name, "--kill").CombinedOutput(); err != nil {
		t.Fatalf("kafkatest: kill Java worker: %v\n%s", err, out)
	}
}

// Log returns what the worker logged so far.
func (w *JavaWorker) Log() string {
	state := os.Getenv("KAFKA_STATE")
	if state == "" {
		state = "/tmp/connect-sidecar-kafka"
	}
	b, _ := os.ReadFile(filepath.Join(state, "logs", w.Name+".log"))
	return string(b)
}

// Get requests path from the Java worker's REST API.
func (w *JavaWorker) Get(path string) (int, string, error) {
	return Send(http.MethodGet, w.URL+path, "")
}

// Do sends a request with a JSON body (may be empty) to the Java worker.
func (w *JavaWorker) Do(method, path, body string) (int, string, error) {
	return Send(method, w.URL+path, body)
}

func kafkaScript(t testing.TB) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "scripts", "kafka.sh")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("kafkatest: %v", fmt.Errorf("scripts/kafka.sh: %w", err))
	}
	return p
}
