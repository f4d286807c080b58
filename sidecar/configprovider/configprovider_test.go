package configprovider_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/configprovider"
)

const (
	fileClass = "org.apache.kafka.common.config.provider.FileConfigProvider"
	dirClass  = "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
	envClass  = "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
)

// secrets is a worker's secrets: a properties file, a directory of files
// as Kubernetes mounts a Secret, and environment variables.
type secrets struct {
	dir, props, mount, outside string
	parses                     int // how often a properties file was read
}

func newSecrets(t *testing.T) *secrets {
	t.Helper()
	s := &secrets{dir: t.TempDir(), outside: t.TempDir()}
	s.props = filepath.Join(s.dir, "db.properties")
	s.mount = filepath.Join(s.dir, "mount")
	write(t, s.props, "user=app\npassword=s3cr3t-file\nurl=jdbc:pg://db:5432/app\n")
	write(t, filepath.Join(s.mount, "token"), "s3cr3t-mount\n")
	write(t, filepath.Join(s.outside, "db.properties"), "password=s3cr3t-outside\n")
	return s
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// providers are file, directory and env, the first two limited to s.dir.
func (s *secrets) providers(t *testing.T) *configprovider.Providers {
	t.Helper()
	p, f := configprovider.New(configprovider.Settings{
		Names: []string{"file", "directory", "env"},
		Properties: map[string]string{
			"config.providers.file.class":                    fileClass,
			"config.providers.file.param.allowed.paths":      s.dir,
			"config.providers.directory.class":               "DirectoryConfigProvider",
			"config.providers.directory.param.allowed.paths": s.dir,
			"config.providers.env.class":                     "EnvVar",
			"config.providers.env.param.allowlist.pattern":   "APP_.*",
		},
		Environ: []string{"APP_TOKEN=s3cr3t-env", "APP_EMPTY=", "HOME=/home/secret-home"},
		ParseProperties: func(r io.Reader) (map[string]string, error) {
			s.parses++
			return config.ParseProperties(r)
		},
	})
	if len(f.Bad)+len(f.Ignored) > 0 {
		t.Fatalf("findings %+v", f)
	}
	return p
}

// Values are replaced as Java's ConfigTransformer replaces them: several
// per value, keys with colons, nothing searched twice.
func TestResolveReplacesPlaceholders(t *testing.T) {
	s := newSecrets(t)
	p := s.providers(t)
	got, err := p.Resolve(map[string]string{
		"plain":     "no placeholder here, ${not one}",
		"password":  "${file:" + s.props + ":password}",
		"url":       "${file:" + s.props + ":url}?user=${file:" + s.props + ":user}",
		"token":     "Bearer ${directory:" + s.mount + ":token}",
		"env":       "${env:APP_TOKEN}",
		"empty":     "[${env:APP_EMPTY}]",
		"unrelated": "${env:APP_TOKEN",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"plain":     "no placeholder here, ${not one}",
		"password":  "s3cr3t-file",
		"url":       "jdbc:pg://db:5432/app?user=app",
		"token":     "Bearer s3cr3t-mount\n",
		"env":       "s3cr3t-env",
		"empty":     "[]",
		"unrelated": "${env:APP_TOKEN",
	}
	for k, v := range want {
		if got.Config[k] != v {
			t.Errorf("%s = %q, want %q", k, got.Config[k], v)
		}
	}
	if len(got.Config) != len(want) {
		t.Errorf("resolved %d settings, want %d", len(got.Config), len(want))
	}
	if s.parses != 1 {
		t.Errorf("the properties file was read %d times, want once per configuration", s.parses)
	}
}

// A value put in is not searched again, as in Java.
func TestResolveDoesNotRecurse(t *testing.T) {
	s := newSecrets(t)
	write(t, s.props, "nested=${env:APP_TOKEN}\n")
	got, err := s.providers(t).Resolve(map[string]string{"k": "${file:" + s.props + ":nested}"})
	if err != nil || got.Config["k"] != "${env:APP_TOKEN}" {
		t.Errorf("got %q, %v; want the file's value as it is", got.Config["k"], err)
	}
}

// Each placeholder that cannot be resolved gives one error naming the
// setting, the placeholder and what is wrong, and never a secret; it stays
// in the configuration as written.
func TestResolveErrorsNameWhatIsWrong(t *testing.T) {
	s := newSecrets(t)
	p := s.providers(t)
	missing := filepath.Join(s.dir, "missing.properties")
	outside := filepath.Join(s.outside, "db.properties")
	for _, tc := range []struct {
		name, value, want string
	}{
		{"missing file", "${file:" + missing + ":password}", "open " + missing + ": no such file or directory"},
		{"key not in the file", "${file:" + s.props + ":passwd}", s.props + ` has no key "passwd"`},
		{"provider not configured", "${vault:secret/db:password}", `there is no config provider "vault": config.providers lists file,directory,env`},
		{"path outside allowed.paths", "${file:" + outside + ":password}", outside + " is outside config.providers.file.param.allowed.paths (" + s.dir + ")"},
		{"dot-dot out of allowed.paths", "${file:" + s.dir + "/../" + filepath.Base(s.outside) + "/db.properties:password}", "is outside config.providers.file.param.allowed.paths"},
		{"no path", "${file:password}", "the placeholder names no path"},
		{"file not in the directory", "${directory:" + s.mount + ":pasword}", s.mount + ` has no file "pasword"`},
		{"directory is a file", "${directory:" + s.props + ":password}", s.props + " is not a directory"},
		{"key reaching out of the directory", "${directory:" + s.dir + ":mount/token}", s.dir + ` has no file "mount/token"`},
		{"variable not set", "${env:APP_PASSWORD}", "environment variable APP_PASSWORD is not set"},
		{"variable not allowed", "${env:HOME}", "environment variable HOME does not match config.providers.env.param.allowlist.pattern (APP_.*)"},
		{"path for env", "${env:/etc:APP_TOKEN}", `the environment has no paths, but the placeholder names "/etc"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Resolve(map[string]string{"setting": tc.value, "other": "${env:APP_TOKEN}"})
			var u configprovider.Unresolved
			if !errors.As(err, &u) || len(u) != 1 {
				t.Fatalf("error %v, want one unresolved placeholder", err)
			}
			want := "setting: cannot resolve " + tc.value + ": "
			if msg := err.Error(); !strings.HasPrefix(msg, want) || !strings.Contains(msg, tc.want) {
				t.Errorf("error\n%s\nwant %s...%s", msg, want, tc.want)
			}
			for _, secret := range []string{"s3cr3t", "secret-home"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret: %s", err)
				}
			}
			if got.Config["setting"] != tc.value || got.Config["other"] != "s3cr3t-env" {
				t.Errorf("resolved %v; want the bad placeholder kept and the good one resolved", got.Config)
			}
		})
	}
}

// Without providers a placeholder cannot be resolved, and a configuration
// without placeholders is what it was.
func TestResolveWithoutProviders(t *testing.T) {
	var none *configprovider.Providers
	got, err := none.Resolve(map[string]string{"a": "b"})
	if err != nil || got.Config["a"] != "b" || got.Conceal("b") != "b" {
		t.Errorf("got %v, %v", got.Config, err)
	}
	_, err = none.Resolve(map[string]string{"a": "${env:X}"})
	if err == nil || !strings.Contains(err.Error(), "config.providers is not set on this worker") {
		t.Errorf("error %v", err)
	}
}

// Conceal turns messages made from resolved values back into placeholders,
// longest value first and without touching placeholders it put back.
func TestConcealPutsPlaceholdersBack(t *testing.T) {
	s := newSecrets(t)
	write(t, s.props, "long=s3cr3t-long\nshort=s3cr3t\nfile=file\n")
	ph := func(key string) string { return "${file:" + s.props + ":" + key + "}" }
	got, err := s.providers(t).Resolve(map[string]string{"a": ph("long"), "b": ph("short"), "c": ph("file")})
	if err != nil {
		t.Fatal(err)
	}
	msg := `Invalid value s3cr3t-long for a; s3cr3t for b; file for c`
	want := "Invalid value " + ph("long") + " for a; " + ph("short") + " for b; " + ph("file") + " for c"
	if c := got.Conceal(msg); c != want {
		t.Errorf("Conceal\n%s\nwant\n%s", c, want)
	}
}

// Restore writes task configurations with the connector's placeholders,
// as Java's reverseTransform does: keys the connector's configuration has
// a placeholder for get it back, others stay.
func TestRestorePutsPlaceholdersIntoTaskConfigs(t *testing.T) {
	raw := map[string]string{"file": "${file:/s/p:path}", "topics": "t", "token": "Bearer ${env:T}"}
	tasks := []map[string]string{
		{"file": "/data/out.txt", "topics": "t", "task.class": "X"},
		{"token": "Bearer abc", "derived": "abc"},
	}
	configprovider.Restore(raw, tasks)
	want := []map[string]string{
		{"file": "${file:/s/p:path}", "topics": "t", "task.class": "X"},
		{"token": "Bearer ${env:T}", "derived": "abc"},
	}
	for i := range want {
		for k, v := range want[i] {
			if tasks[i][k] != v {
				t.Errorf("task %d %s = %q, want %q", i, k, tasks[i][k], v)
			}
		}
	}
}

// Provider settings that cannot work stop the worker; ones nothing reads
// are named so a typo does not pass for a restriction.
func TestNewFindsBadAndUnusedSettings(t *testing.T) {
	dir := t.TempDir()
	_, f := configprovider.New(configprovider.Settings{
		Names: []string{"file", "dir", "env", "vault", "noclass"},
		Properties: map[string]string{
			"config.providers":                             "file,dir,env,vault,noclass",
			"config.providers.file.class":                  fileClass,
			"config.providers.file.param.allowed.paths":    dir + ",relative/path," + filepath.Join(dir, "nope"),
			"config.providers.file.param.allowed.path":     "/typo",
			"config.providers.dir.class":                   dirClass,
			"config.providers.dir.params.allowed.paths":    "/typo",
			"config.providers.env.class":                   envClass,
			"config.providers.env.param.allowlist.pattern": "(?<=x)",
			"config.providers.vault.class":                 "com.example.VaultConfigProvider",
			"config.providers.other.class":                 fileClass,
		},
	})
	bad := []string{
		`config.providers.file.param.allowed.paths has "relative/path", which is not an absolute path`,
		`config.providers.file.param.allowed.paths has "` + filepath.Join(dir, "nope") + `", which cannot be used (stat ` + filepath.Join(dir, "nope") + `: no such file or directory)`,
		`config.providers.env.param.allowlist.pattern is "(?<=x)", not a regular expression this worker can use`,
		`config.providers.vault.class is "com.example.VaultConfigProvider", which this worker does not have; use one of ` + fileClass + ", " + dirClass + ", " + envClass,
		`config.providers lists "noclass", but config.providers.noclass.class is not set`,
	}
	ignored := []string{
		"config.providers.dir.params.allowed.paths is ignored: a provider is set up with config.providers.dir.class and config.providers.dir.param.* only",
		"config.providers.file.param.allowed.path is ignored: FileConfigProvider reads only config.providers.file.param.allowed.paths",
		"config.providers.other.class is ignored: config.providers does not list the provider it names",
	}
	check := func(what string, got []configprovider.Finding, want []string) {
		t.Helper()
		var lines []string
		for _, g := range got {
			lines = append(lines, g.Property+" "+g.Problem)
		}
		if len(lines) != len(want) {
			t.Errorf("%s:\n%s\nwant\n%s", what, strings.Join(lines, "\n"), strings.Join(want, "\n"))
			return
		}
		for i := range want {
			if !strings.HasPrefix(lines[i], want[i]) {
				t.Errorf("%s %d:\n%s\nwant\n%s", what, i, lines[i], want[i])
			}
		}
	}
	check("bad", f.Bad, bad)
	check("ignored", f.Ignored, ignored)
}

// Find splits placeholders as Java's ConfigTransformer pattern does; the
// expected groups are what java.util.regex gives for the same values.
func TestFindSplitsAsJava(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  string // provider|path|key per placeholder
	}{
		{"${file:/a/b:c:key}", "file|/a/b|c:key"},
		{"${env:FOO}", "env||FOO"},
		{"x${a:b}y${c:d:e}z", "a||b c|d|e"},
		{"${a:b:c}${", "a|b|c"},
		{"${a}", ""},
		{"${:k}", "||k"},
		{"${a::k}", "a||k"},
		{"${a:b}}", "a||b"},
		{"${${a:b}:c}", "${a||b"},
		{"${a:}", "a||"},
		{"$${a:b}", "a||b"},
	} {
		var got []string
		for _, ph := range configprovider.Find(tc.value) {
			got = append(got, ph.Provider+"|"+ph.Path+"|"+ph.Key)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("Find(%q) = %q, want %q", tc.value, got, tc.want)
		}
	}
}
