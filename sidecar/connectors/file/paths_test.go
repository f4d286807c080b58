package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// anywhere lets the tests that are not about allowed paths use any file.
var anywhere = AllowedPaths{"/"}

// Each way out of an allowed directory is refused with a message that names
// the setting; what lies inside it resolves to its real path.
func TestAllowedPaths(t *testing.T) {
	root := t.TempDir()
	allowed := filepath.Join(root, "allowed")
	outside := filepath.Join(root, "outside")
	for _, dir := range []string{allowed, outside, filepath.Join(allowed, "sub")} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := func(name, target string) string {
		p := filepath.Join(allowed, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	escape := link("escape", secret)
	dangling := link("dangling", filepath.Join(outside, "new"))
	dirLink := link("dir", outside)
	inner := link("inner", filepath.Join(allowed, "sub"))
	paths := AllowedPaths{allowed}

	for _, c := range []struct {
		name, file, want string // want: the resolved path, or "" when refused
	}{
		{"a file inside", filepath.Join(allowed, "in.txt"), filepath.Join(allowed, "in.txt")},
		{"a file not created yet, in a new subdirectory", filepath.Join(allowed, "new", "x"), filepath.Join(allowed, "new", "x")},
		{"a link that stays inside", filepath.Join(inner, "f"), filepath.Join(allowed, "sub", "f")},
		{"a file outside", secret, ""},
		{"dot-dot", filepath.Join(allowed, "..", "outside", "secret"), ""},
		{"a link to a file outside", escape, ""},
		{"a dangling link to a file outside", dangling, ""},
		{"a link to a directory outside", filepath.Join(dirLink, "secret"), ""},
		{"the process environment", "/proc/self/environ", ""},
		{"a sibling with the allowed name as prefix", allowed + "-other/f", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := paths.Resolve(c.file)
			if c.want == "" {
				if err == nil || !strings.Contains(err.Error(), AllowedPathsSetting) {
					t.Fatalf("Resolve(%q) = %q, %v; want a refusal naming %s", c.file, got, err, AllowedPathsSetting)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", c.file, got, err, c.want)
			}
		})
	}
	if _, err := (AllowedPaths{}).Resolve(filepath.Join(allowed, "in.txt")); err == nil || !strings.Contains(err.Error(), "allows none") {
		t.Fatalf("no allowed paths: %v", err)
	}
}

// A refused file is reported by validation, fails the connector's start
// and the task's, and is never opened: the sink creates nothing.
func TestConnectorsRefuseFilesOutsideAllowedPaths(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "target")
	paths := AllowedPaths{filepath.Join(root, "allowed")}
	props := map[string]string{FileConfig: target, TopicConfig: "t"}
	for _, p := range Plugins(paths) {
		c := p.New().(plugin.Connector)
		errs := c.(interface {
			ValidateConfig(map[string]string) map[string][]string
		}).ValidateConfig(props)
		if len(errs[FileConfig]) != 1 || !strings.Contains(errs[FileConfig][0], AllowedPathsSetting) {
			t.Errorf("%s: validation errors %v", p.Class, errs)
		}
		if err := c.Start(context.Background(), props); err == nil {
			t.Errorf("%s: started with a file outside the allowed paths", p.Class)
		}
	}
	if err := newSinkTask(paths).Start(context.Background(), props); err == nil || !strings.Contains(err.Error(), AllowedPathsSetting) {
		t.Errorf("sink task: %v", err)
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Errorf("the sink task created %s: %v", target, err)
	}
	src := newSourceTask(paths)
	if err := src.Start(context.Background(), props, &fakeOffsets{}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), AllowedPathsSetting) {
		t.Errorf("source task poll: %v", err)
	}
}
