package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// The addresses the README's quick start uses; the test runs it on free
// ports instead, so it can run beside a broker on 9092 or a worker on 8083.
const (
	quickstartApp  = "127.0.0.1:8080"
	quickstartREST = "127.0.0.1:8083"
	goRunWorker    = "go run ./cmd/connect-sidecar"
	goRunApp       = "go run ./examples/quickstart-app"
)

var sinkTopics = regexp.MustCompile(`"topics":\s*"([^"]+)"`)

// The README's quick start works as written: its commands, run in order
// (the long-running ones left running, as in their own terminals), get
// made-up records to the example app, which prints them.
func TestQuickStartDeliversRecordsToTheExampleApp(t *testing.T) {
	root, err := kafkatest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	commands := quickstartCommands(t, string(readme))
	worker, app := kafkatest.Binary(t), buildExampleApp(t, root)
	appAddr, rest, kafkaAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	onFreePorts := strings.NewReplacer(
		goRunWorker+" dev", worker+" dev --kafka "+kafkaAddr+" --rest "+rest,
		goRunApp, app+" -addr "+appAddr,
		quickstartApp, appAddr,
		quickstartREST, rest,
	)

	var printed, logs lockedOutput
	topic := ""
	for _, c := range commands {
		if m := sinkTopics.FindStringSubmatch(c); m != nil {
			topic = m[1]
		}
		line := onFreePorts.Replace(c)
		switch {
		case strings.Contains(c, goRunApp):
			startInTerminal(t, line, io.MultiWriter(&printed, &logs), &logs)
			kafkatest.Eventually(t, 30*time.Second, func() error { return listening(appAddr) })
		case strings.Contains(c, goRunWorker+" dev"):
			startInTerminal(t, line, &logs, &logs)
			kafkatest.Eventually(t, 60*time.Second, func() error { return workerReady("http://" + rest) })
		case strings.Contains(c, "go run"):
			t.Fatalf("the quick start runs %q; this test knows only how to start %q and %q on free ports", c, goRunApp, goRunWorker+" dev")
		default:
			// A 409 comes while the worker rebalances after the previous
			// change; the README says to run the command again, as
			// Connect's clients do.
			kafkatest.Eventually(t, 30*time.Second, func() error {
				out, err := runInShell(line)
				t.Logf("$ %s\n%s", line, out)
				if err == nil && strings.Contains(out, `"error_code":409`) {
					return errors.New(out)
				}
				// curl -s exits 0 on an error answer too; Connect's has an error_code.
				if err != nil || strings.Contains(out, `"error_code"`) {
					t.Fatalf("%s: %v\n%s\nlogs:\n%s", line, err, out, logs.String())
				}
				return nil
			})
		}
	}
	if topic == "" {
		t.Fatal(`the quick start creates no sink ("topics":...)`)
	}

	// The app prints "<id> key=<json> value=<json>" per record, the id
	// being <topic>-<partition>-<offset>.
	const want = 3
	kafkatest.Eventually(t, 60*time.Second, func() error {
		ids := map[string]bool{}
		for l := range strings.Lines(printed.String()) {
			id, fields, _ := strings.Cut(strings.TrimSpace(l), " ")
			_, value, ok := strings.Cut(fields, " value=")
			var v map[string]any
			if !strings.HasPrefix(id, topic+"-") || !ok || json.Unmarshal([]byte(value), &v) != nil {
				t.Fatalf("the app printed %q, not a record of topic %s with a JSON object as value", l, topic)
			}
			ids[id] = true
		}
		if len(ids) < want {
			return fmt.Errorf("the app printed %d records, want %d; logs:\n%s", len(ids), want, logs.String())
		}
		return nil
	})
	t.Logf("the app printed:\n%s", printed.String())
}

// quickstartCommands are the shell commands of the first sh block under
// "## Quick start", continuation lines joined.
func quickstartCommands(t *testing.T, readme string) []string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## Quick start\n")
	if !ok {
		t.Fatal("README.md has no ## Quick start section")
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed {
		t.Fatal("README.md's quick start has no ```sh block")
	}
	var out []string
	joined := strings.ReplaceAll(block, "\\\n", " ")
	for l := range strings.Lines(joined) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// buildExampleApp builds examples/quickstart-app into a temporary
// directory, as go run would.
func buildExampleApp(t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quickstart-app")
	out, err := exec.Command("go", "build", "-race", "-o", bin, filepath.Join(root, "examples", "quickstart-app")).CombinedOutput()
	if err != nil {
		t.Fatalf("go build examples/quickstart-app: %v\n%s", err, out)
	}
	return bin
}

// startInTerminal runs line with sh in a process group of its own, which
// is interrupted (as Ctrl-C would) when the test ends.
func startInTerminal(t *testing.T, line string, stdout, stderr io.Writer) {
	t.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
}

// runInShell runs line with sh and returns what it printed.
func runInShell(line string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func listening(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}

// ready is the moment the user sees dev's banner and the worker answers.
func workerReady(base string) error {
	resp, err := http.Get(base + "/ready")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("/ready: " + resp.Status)
	}
	return nil
}

// lockedOutput collects a process's output, written and read from several
// goroutines.
type lockedOutput struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *lockedOutput) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *lockedOutput) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
