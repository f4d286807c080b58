package configprovider

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const allowedPathsParam = "allowed.paths"

// allowedPaths are the files and directories (with everything below them)
// a file or directory provider may read, as Kafka's AllowedPaths: compared
// after removing "." and ".." but without resolving symlinks, so the
// symlinks of a mounted Kubernetes Secret keep working. No list allows
// every path.
type allowedPaths struct {
	setting string   // config.providers.<name>.param.allowed.paths
	paths   []string // absolute and clean; nil allows all
}

// newAllowedPaths reads allowed.paths: each entry must be absolute and
// exist, or the worker does not start, as Java's does not.
func newAllowedPaths(s setup) allowedPaths {
	a := allowedPaths{setting: s.prefix + allowedPathsParam}
	value := s.params[allowedPathsParam]
	if value == "" {
		return a
	}
	a.paths = []string{} // given, so nothing else is allowed
	for entry := range strings.SplitSeq(value, ",") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		clean := filepath.Clean(entry)
		if !filepath.IsAbs(clean) {
			s.bad(allowedPathsParam, "has %q, which is not an absolute path", entry)
			continue
		}
		if _, err := os.Stat(clean); err != nil {
			s.bad(allowedPathsParam, "has %q, which cannot be used (%v)", entry, err)
			continue
		}
		a.paths = append(a.paths, clean)
	}
	return a
}

// check returns the path to read for path, or why it may not be read.
func (a allowedPaths) check(path string) (string, error) {
	if path == "" {
		return "", errors.New("the placeholder names no path; write ${provider:path:key}")
	}
	if a.paths == nil {
		return path, nil
	}
	clean := filepath.Clean(path)
	for _, root := range a.paths {
		if rel, err := filepath.Rel(root, clean); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return clean, nil
		}
	}
	return "", fmt.Errorf("%s is outside %s (%s)", path, a.setting, strings.Join(a.paths, ","))
}

// fileProvider is Kafka's FileConfigProvider: the path is a Java
// properties file, the key one of its properties.
type fileProvider struct {
	allowed allowedPaths
	parse   func(io.Reader) (map[string]string, error)
}

func (p fileProvider) open(path string) (func(string) (string, error), error) {
	name, err := p.allowed.check(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	props, err := p.parse(f)
	if err != nil {
		// The parser's message may quote the file's content.
		return nil, fmt.Errorf("%s is not a properties file that can be read", path)
	}
	return func(key string) (string, error) {
		if v, ok := props[key]; ok {
			return v, nil
		}
		return "", fmt.Errorf("%s has no key %q", path, key)
	}, nil
}

// dirProvider is Kafka's DirectoryConfigProvider: the path is a
// directory, the key the name of a regular file in it (symlinks followed),
// and the value that file's whole content, a trailing newline included.
type dirProvider struct {
	allowed allowedPaths
}

func (p dirProvider) open(path string) (func(string) (string, error), error) {
	dir, err := p.allowed.check(path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", path)
	}
	return func(key string) (string, error) {
		// Java matches keys against the names the directory lists, so a
		// key never reaches into another directory.
		if key == "" || key == "." || key == ".." || strings.ContainsRune(key, filepath.Separator) {
			return "", fmt.Errorf("%s has no file %q", path, key)
		}
		name := filepath.Join(dir, key)
		info, err := os.Stat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "", fmt.Errorf("%s has no file %q", path, key)
		case err != nil:
			return "", err
		case !info.Mode().IsRegular():
			return "", fmt.Errorf("%s is not a regular file", name)
		}
		data, err := os.ReadFile(name)
		return string(data), err
	}, nil
}
