package main

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// The image is what users run, so its binary is built here exactly as the
// Dockerfile builds it (the command is read from the Dockerfile, so the two
// cannot drift) and then run the way distroless runs it: no environment, no
// shell, no files around it.
func TestDockerfileBuildIsStaticAndRunsWithNothingAround(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the image is linux/%s; this checks an ELF binary and runs it, which needs a linux host (this is %s)", runtime.GOARCH, runtime.GOOS)
	}
	root, err := kafkatest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	df := readDockerfile(t, filepath.Join(root, "Dockerfile"))
	const version = "v0.0.0-static-test"
	bin := filepath.Join(t.TempDir(), "connect-sidecar")
	build := df.goBuild(t, map[string]string{"VERSION": version, "TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH}, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", build.args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), build.env...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", strings.Join(build.env, " "), "go "+strings.Join(build.args, " "), err, out)
	}
	t.Logf("built the image's binary in %v: %s go %s", time.Since(start).Round(time.Millisecond), strings.Join(build.env, " "), strings.Join(build.args, " "))

	t.Run("Dockerfile", func(t *testing.T) { df.checkImage(t, build.output) })
	t.Run("static", func(t *testing.T) { checkStatic(t, bin) })

	empty := t.TempDir()
	run := func(t *testing.T, args ...string) (code int, stdout, stderr string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = []string{} // env -i: not even PATH or HOME
		cmd.Dir = empty
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			code = exit.ExitCode()
		case err != nil:
			t.Fatalf("connect-sidecar %s: %v", strings.Join(args, " "), err)
		}
		if strings.Contains(e.String(), "goroutine ") || strings.Contains(e.String(), "panic:") {
			t.Fatalf("connect-sidecar %s crashed:\n%s", strings.Join(args, " "), e.String())
		}
		return code, o.String(), e.String()
	}

	t.Run("version", func(t *testing.T) {
		code, out, errOut := run(t, "version")
		want := "connect-sidecar " + version + " (commit "
		if code != exitOK || !strings.HasPrefix(out, want) || !strings.Contains(out, "Kafka Connect "+buildinfo.ConnectVersion+" compatible") {
			t.Fatalf("exit %d, stdout %q, stderr %q; want exit 0 and %q... (the -X flag must name internal/buildinfo.Version)", code, out, errOut, want)
		}
	})

	t.Run("probe against nothing", func(t *testing.T) {
		url := "http://" + closedAddr(t)
		code, out, errOut := run(t, "probe", "live", "-url", url)
		if code != exitFailed || out != "" || !strings.HasPrefix(errOut, "live: ") || !strings.Contains(errOut, url+"/live") || !strings.Contains(errOut, "connection refused") {
			t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and a line naming %s/live and why it failed", code, out, errOut, url)
		}
	})

	t.Run("probe with no settings asks the default listener", func(t *testing.T) {
		port := defaultRESTPort(t)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Skipf("something on this machine listens on %s, so a probe of the default address would reach it", addr)
		}
		code, _, errOut := run(t, "probe", "live")
		if code != exitFailed || !strings.Contains(errOut, "http://"+addr+"/live") {
			t.Fatalf("exit %d, stderr %q; want exit 1 naming http://%s/live", code, errOut, addr)
		}
	})

	t.Run("probe answers", func(t *testing.T) {
		var ready atomic.Bool
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/ready" && ready.Load() {
				w.WriteHeader(http.StatusOK)
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		defer srv.Close()
		if code, out, _ := run(t, "probe", "ready", "-url", srv.URL); code != exitFailed || !strings.HasPrefix(out, "ready: 503") {
			t.Errorf("starting worker: exit %d, stdout %q; want 1 and ready: 503", code, out)
		}
		ready.Store(true)
		if code, out, _ := run(t, "probe", "ready", "-url", srv.URL); code != exitOK || !strings.HasPrefix(out, "ready: 200") {
			t.Errorf("ready worker: exit %d, stdout %q; want 0 and ready: 200", code, out)
		}
	})

	t.Run("bad probe", func(t *testing.T) {
		if code, _, errOut := run(t, "probe", "alive"); code != exitConfig || !strings.Contains(errOut, "live, ready or health") {
			t.Fatalf("exit %d, stderr %q; want 2 and the probes there are", code, errOut)
		}
	})

	t.Run("run with no settings", func(t *testing.T) {
		start := time.Now()
		code, _, errOut := run(t)
		if code != exitConfig || !strings.Contains(errOut, "CONNECT_BOOTSTRAP_SERVERS is required") || !strings.Contains(errOut, "CONNECT_GROUP_ID is required") {
			t.Fatalf("exit %d, stderr %q; want 2 naming the required settings", code, errOut)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v to refuse missing settings", d)
		}
	})
}

// A .dockerignore that keeps out a file the binary needs breaks only the
// image build, which no test here runs; so check the build context instead.
func TestDockerignoreLetsTheBinarysSourcesThrough(t *testing.T) {
	root, err := kafkatest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	patterns := parseDockerignore(string(raw))
	list := exec.Command("go", "list", "-deps", "-f", `{{if .Module}}{{if .Module.Main}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{range .EmbedFiles}} {{.}}{{end}}{{end}}{{end}}`, "./cmd/connect-sidecar")
	list.Dir = root
	var stderr bytes.Buffer
	list.Stderr = &stderr
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	files := []string{"go.mod", "go.sum"}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		dir, err := filepath.Rel(root, fields[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fields[1:] {
			files = append(files, filepath.ToSlash(filepath.Join(dir, f)))
		}
	}
	if len(files) < 10 {
		t.Fatalf("go list found only %v", files)
	}
	for _, f := range files {
		if dockerignored(patterns, f) {
			t.Errorf(".dockerignore keeps %s out of the build context, but the binary needs it", f)
		}
	}
	for _, junk := range []string{".git/HEAD", "converters.test", "deploy/kubernetes/deployment.yaml", "sidecar/config/load_test.go"} {
		if !dockerignored(patterns, junk) {
			t.Errorf(".dockerignore lets %s into the build context", junk)
		}
	}
}

// dockerfile is the parsed Dockerfile: its instructions with continuation
// lines joined and comments dropped.
type dockerfile struct {
	instructions []instruction
}

type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	rest string
}

func readDockerfile(t *testing.T, name string) dockerfile {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var df dockerfile
	var cur strings.Builder
	for line := range strings.Lines(string(raw)) {
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue // comment lines are dropped, also inside a continuation
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		if text := strings.TrimSpace(cur.String()); text != "" {
			cmd, rest, _ := strings.Cut(text, " ")
			df.instructions = append(df.instructions, instruction{strings.ToUpper(cmd), strings.TrimSpace(rest)})
		}
		cur.Reset()
	}
	return df
}

// finalStage returns the instructions after the last FROM.
func (df dockerfile) finalStage() []instruction {
	last := 0
	for i, in := range df.instructions {
		if in.cmd == "FROM" {
			last = i
		}
	}
	return df.instructions[last:]
}

type goBuild struct {
	env    []string // NAME=value set on the command line
	args   []string // after "go"
	output string   // the -o path the Dockerfile writes
}

// goBuild returns the Dockerfile's go build command with build args
// expanded from args and -o pointed at out.
func (df dockerfile) goBuild(t *testing.T, args map[string]string, out string) goBuild {
	t.Helper()
	var runs []string
	for _, in := range df.instructions {
		if in.cmd == "RUN" && strings.Contains(in.rest, "go build") {
			runs = append(runs, in.rest)
		}
	}
	if len(runs) != 1 {
		t.Fatalf("Dockerfile: want one RUN with go build, found %d", len(runs))
	}
	words, err := shellWords(runs[0])
	if err != nil {
		t.Fatalf("Dockerfile go build line: %v", err)
	}
	for len(words) > 0 && strings.HasPrefix(words[0], "--mount=") {
		words = words[1:]
	}
	if slices.ContainsFunc(words, func(w string) bool { return w == "&&" || w == ";" || w == "|" }) {
		t.Fatalf("Dockerfile: keep go build alone on its RUN line, got %q", words)
	}
	var b goBuild
	for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
		b.env = append(b.env, words[0])
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("Dockerfile: want [NAME=value ...] go build ..., got %q", words)
	}
	unknown := map[string]bool{}
	expand := func(s string) string {
		return os.Expand(s, func(name string) string {
			v, ok := args[name]
			if !ok {
				unknown[name] = true
			}
			return v
		})
	}
	for i := range b.env {
		b.env[i] = expand(b.env[i])
	}
	b.args = words[1:]
	for i := range b.args {
		b.args[i] = expand(b.args[i])
	}
	if len(unknown) > 0 {
		t.Fatalf("Dockerfile go build uses build args this test does not set: %v", unknown)
	}
	if !slices.Contains(b.env, "CGO_ENABLED=0") {
		t.Errorf("Dockerfile go build does not set CGO_ENABLED=0: %q", b.env)
	}
	for _, want := range []string{"-trimpath", "-ldflags=-s -w -X github.com/connect-sidecar/connect-sidecar/internal/buildinfo.Version=" + args["VERSION"]} {
		if !slices.Contains(b.args, want) {
			t.Errorf("Dockerfile go build has no %q: %q", want, b.args)
		}
	}
	i := slices.Index(b.args, "-o")
	if i < 0 || i+1 >= len(b.args) {
		t.Fatalf("Dockerfile go build has no -o: %q", b.args)
	}
	b.output = b.args[i+1]
	b.args[i+1] = out
	if last := b.args[len(b.args)-1]; last != "./cmd/connect-sidecar" {
		t.Errorf("Dockerfile builds %q, want ./cmd/connect-sidecar", last)
	}
	return b
}

// checkImage checks the final stage: the built binary copied to where the
// entrypoint and health check run it, nonroot, the REST port exposed.
func (df dockerfile) checkImage(t *testing.T, built string) {
	final := df.finalStage()
	get := func(cmd string) []string {
		var out []string
		for _, in := range final {
			if in.cmd == cmd {
				out = append(out, in.rest)
			}
		}
		return out
	}
	if from := get("FROM"); len(from) != 1 || from[0] != "gcr.io/distroless/static-debian12:nonroot" {
		t.Errorf("final stage FROM %q", from)
	}
	copies := get("COPY")
	if len(copies) != 1 {
		t.Fatalf("final stage copies %q, want the binary alone", copies)
	}
	cp := strings.Fields(copies[0])
	if len(cp) != 3 || !strings.HasPrefix(cp[0], "--from=") || cp[1] != built {
		t.Fatalf("final stage COPY %q, want --from=<build stage> %s <path>", copies[0], built)
	}
	binary := cp[2]
	if e := get("ENTRYPOINT"); len(e) != 1 || e[0] != `["`+binary+`"]` {
		t.Errorf("ENTRYPOINT %q, want [%q]", e, binary)
	}
	if u := get("USER"); len(u) != 1 || u[0] != "nonroot" {
		t.Errorf("USER %q, want nonroot", u)
	}
	if e := get("EXPOSE"); len(e) != 1 || e[0] != strconv.Itoa(defaultRESTPort(t)) {
		t.Errorf("EXPOSE %q, want the default listener's port %d", e, defaultRESTPort(t))
	}
	hc := get("HEALTHCHECK")
	if len(hc) != 1 || !strings.HasSuffix(hc[0], `CMD ["`+binary+`","probe","ready"]`) {
		t.Errorf("HEALTHCHECK %q, want CMD [%q,\"probe\",\"ready\"]", hc, binary)
	}
}

// checkStatic fails unless name is an ELF executable that needs no dynamic
// loader and no shared library: distroless/static has neither.
func checkStatic(t *testing.T, name string) {
	f, err := elf.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp, _ := io.ReadAll(p.Open())
			t.Errorf("has a PT_INTERP program header (%q): it is dynamically linked", strings.TrimRight(string(interp), "\x00"))
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		t.Fatal(err)
	}
	if needed, _ := f.DynString(elf.DT_NEEDED); len(needed) > 0 || len(libs) > 0 {
		t.Errorf("needs shared libraries: DT_NEEDED %q, imported %q", needed, libs)
	}
}

// defaultRESTPort is the port of the default listeners setting.
func defaultRESTPort(t *testing.T) int {
	t.Helper()
	loaded, err := config.Load([]string{"CONNECT_BOOTSTRAP_SERVERS=k:9092", "CONNECT_GROUP_ID=g"}, "")
	if err != nil {
		t.Fatal(err)
	}
	l, err := config.ParseListener(loaded.Worker.Listeners[0])
	if err != nil {
		t.Fatal(err)
	}
	return l.Port
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// shellWords splits a POSIX shell command line into words: whitespace
// separates, '...' is literal, "..." keeps $ for later expansion and
// unescapes \" \\ \$ \`. Anything fancier is an error.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("unterminated \" in %q", s)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// ignorePattern is one .dockerignore line.
type ignorePattern struct {
	segs    []string
	exclude bool // false for a "!" line, which lets files back in
}

func parseDockerignore(text string) []ignorePattern {
	var out []ignorePattern
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := ignorePattern{exclude: true}
		if s, ok := strings.CutPrefix(line, "!"); ok {
			p.exclude, line = false, s
		}
		line = strings.Trim(path.Clean("/"+strings.TrimSpace(line)), "/")
		p.segs = strings.Split(line, "/")
		out = append(out, p)
	}
	return out
}

// dockerignored reports whether the build context leaves file out: the last
// pattern that matches the file or one of its parent directories decides,
// as in Docker's patternmatcher.
func dockerignored(patterns []ignorePattern, file string) bool {
	segs := strings.Split(file, "/")
	ignored := false
	for _, p := range patterns {
		for n := 1; n <= len(segs); n++ {
			if matchSegs(p.segs, segs[:n]) {
				ignored = p.exclude
				break
			}
		}
	}
	return ignored
}

func matchSegs(pattern, name []string) bool {
	if len(pattern) == 0 {
		return len(name) == 0
	}
	if pattern[0] == "**" {
		for i := 0; i <= len(name); i++ {
			if matchSegs(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	ok, err := path.Match(pattern[0], name[0])
	return err == nil && ok && matchSegs(pattern[1:], name[1:])
}
