package wire

import (
	"cmp"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// parseHex reads hex digits with optional whitespace and # comments, the
// format of testdata/*.hex and of the hex columns in test tables.
func parseHex(t testing.TB, s string) []byte {
	t.Helper()
	var digits strings.Builder
	for line := range strings.Lines(s) {
		line, _, _ = strings.Cut(line, "#")
		digits.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func readGolden(t testing.TB, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return parseHex(t, string(text))
}

func goldenFiles(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.hex"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for i, name := range names {
		names[i] = filepath.Base(name)
	}
	return names
}

// canonicalWork is what work reads back as after an encode: sorted, without
// duplicates, and nil when empty.
func canonicalWork(w Work) Work {
	connectors := slices.Compact(slices.Sorted(slices.Values(w.Connectors)))
	tasks := slices.Clone(w.Tasks)
	slices.SortFunc(tasks, func(a, b TaskID) int {
		return cmp.Or(strings.Compare(a.Connector, b.Connector), cmp.Compare(a.Task, b.Task))
	})
	tasks = slices.Compact(tasks)
	return Work{Connectors: slices.Clip(nilIfEmpty(connectors)), Tasks: slices.Clip(nilIfEmpty(tasks))}
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

func canonicalAssignment(a Assignment) Assignment {
	a.Assigned = canonicalWork(a.Assigned)
	a.Revoked = canonicalWork(a.Revoked)
	return a
}

func canonicalMetadata(m Metadata) Metadata {
	if m.Allocation != nil {
		a := canonicalAssignment(*m.Allocation)
		m.Allocation = &a
	}
	return m
}

// encodableAssignment mirrors EncodeAssignment's rules: decoding accepts
// more than encoding writes (future versions, negative task numbers).
func encodableAssignment(a Assignment) bool {
	noTail := len(a.Revoked.Connectors)+len(a.Revoked.Tasks) == 0 && a.DelayMs == 0
	return a.Version >= V0 && a.Version <= V2 &&
		tasksNonNegative(a.Assigned) && tasksNonNegative(a.Revoked) &&
		(a.Version != V0 || noTail)
}

func tasksNonNegative(w Work) bool {
	return !slices.ContainsFunc(w.Tasks, func(t TaskID) bool { return t.Task < 0 })
}

func encodableMetadata(m Metadata) bool {
	if m.Version < V0 || m.Version > V2 {
		return false
	}
	if m.Allocation == nil {
		return true
	}
	return m.Version != V0 && m.Allocation.Version == m.Version && encodableAssignment(*m.Allocation)
}
