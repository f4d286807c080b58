package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// AllowedPathsSetting is the worker setting that lists AllowedPaths.
const AllowedPathsSetting = "SIDECAR_FILE_ALLOWED_PATHS"

// AllowedPaths are the files and directories (with everything below them)
// the FileStream connectors may read or write. A sidecar sees its pod's
// files, service account token and mounted secrets included, so without
// this anyone who can create a connector could copy them into Kafka. The
// empty list allows no file at all; standard input and output stay
// usable.
type AllowedPaths []string

// Resolve returns the path a connector may open for name: absolute, with
// ".." and every symlink resolved, so a link inside an allowed directory
// cannot lead out of it. A name whose file does not exist yet resolves
// through its nearest existing parent. Callers open what Resolve returns,
// not name, and resolve again right before each open.
func (a AllowedPaths) Resolve(name string) (string, error) {
	resolved, err := realPath(name)
	if err != nil {
		return "", fmt.Errorf("file %q: %w", name, err)
	}
	for _, allowed := range a {
		root, err := realPath(allowed)
		if err != nil {
			continue
		}
		if within(resolved, root) {
			return resolved, nil
		}
	}
	where := "it allows none"
	if len(a) > 0 {
		where = "it allows " + strings.Join(a, ", ")
	}
	via := ""
	if abs, _ := filepath.Abs(name); abs != resolved {
		via = fmt.Sprintf(" (it resolves to %q)", resolved)
	}
	return "", fmt.Errorf("file %q%s is outside %s (%s): list it or its directory there to allow it", name, via, AllowedPathsSetting, where)
}

// realPath makes name absolute and resolves its symlinks; missing trailing
// parts are kept as they are, below their existing parent's real path. A
// dangling link is followed too: creating the file would create its
// target.
func realPath(name string) (string, error) { return realPathDepth(name, 0) }

// maxLinks is how many links one resolution follows, as Linux's ELOOP.
const maxLinks = 40

func realPathDepth(name string, links int) (string, error) {
	if links > maxLinks {
		return "", errors.New("too many levels of symbolic links")
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if !errors.Is(err, fs.ErrNotExist) {
		return real, err
	}
	if info, lerr := os.Lstat(abs); lerr == nil && info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(abs)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(abs), target)
		}
		return realPathDepth(target, links+1)
	}
	parent := filepath.Dir(abs)
	if parent == abs {
		return abs, nil
	}
	if real, err = realPathDepth(parent, links); err != nil {
		return "", err
	}
	return filepath.Join(real, filepath.Base(abs)), nil
}

func within(path, root string) bool {
	if root == string(filepath.Separator) {
		return true
	}
	return path == root || strings.HasPrefix(path, root+string(filepath.Separator))
}
