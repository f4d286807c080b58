package pmap

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// model runs random Set/Delete sequences against a Go map. hash decides
// where keys go, so tests can force deep tries and full-hash collisions.
func model(t *testing.T, hash func(string) uint64, keys int, steps int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	want := map[string]int{}
	var root *node[int]
	size := 0
	var history []*node[int]
	var snapshots []map[string]int
	for i := 0; i < steps; i++ {
		k := fmt.Sprint("k", rng.IntN(keys))
		if rng.IntN(3) == 0 {
			var removed bool
			root, removed = root.delete(hash(k), 0, k)
			_, had := want[k]
			if removed != had {
				t.Fatalf("delete(%s) removed=%v, had=%v", k, removed, had)
			}
			if had {
				size--
			}
			delete(want, k)
		} else {
			var added bool
			root, added = root.set(hash(k), 0, entry[int]{k, i})
			if _, had := want[k]; added == had {
				t.Fatalf("set(%s) added=%v, had=%v", k, added, had)
			}
			if added {
				size++
			}
			want[k] = i
		}
		if i%97 == 0 {
			history = append(history, root)
			snapshots = append(snapshots, maps.Clone(want))
		}
	}
	check(t, root, hash, want, keys)
	for i, old := range history {
		check(t, old, hash, snapshots[i], keys) // old versions never change
	}
	if size != len(want) {
		t.Fatalf("size %d, want %d", size, len(want))
	}
}

func check(t *testing.T, root *node[int], hash func(string) uint64, want map[string]int, keys int) {
	t.Helper()
	got := map[string]int{}
	root.each(func(k string, v int) bool { got[k] = v; return true })
	if !maps.Equal(got, want) {
		t.Fatalf("contents differ: got %d keys, want %d", len(got), len(want))
	}
	for i := 0; i < keys; i++ {
		k := fmt.Sprint("k", i)
		v, ok := root.get(hash(k), k)
		if w, wok := want[k]; ok != wok || v != w {
			t.Fatalf("get(%s) = %d,%v want %d,%v", k, v, ok, w, wok)
		}
	}
}

func TestAgainstMap(t *testing.T) {
	hashes := map[string]func(string) uint64{
		"maphash": func(k string) uint64 { return stringHash(k) },
		"collide": func(k string) uint64 { return uint64(len(k)) },                    // whole buckets share one hash
		"shallow": func(k string) uint64 { return stringHash(k) & 0xFFFF_FFFF << 20 }, // long shared prefixes
	}
	for name, h := range hashes {
		t.Run(name, func(t *testing.T) {
			for seed := uint64(0); seed < 5; seed++ {
				model(t, h, 300, 5000, seed)
			}
		})
	}
}

func TestMapAPI(t *testing.T) {
	var m Map[string]
	m1 := m.Set("a", "1").Set("b", "2")
	m2 := m1.Set("a", "3").Delete("b").Delete("missing")
	if v, _ := m1.Get("a"); v != "1" || m1.Len() != 2 {
		t.Errorf("m1 changed: a=%s len=%d", v, m1.Len())
	}
	if v, _ := m2.Get("a"); v != "3" || m2.Len() != 1 {
		t.Errorf("m2: a=%s len=%d", v, m2.Len())
	}
	if _, ok := m2.Get("b"); ok {
		t.Error("b still in m2")
	}
	if m.Len() != 0 {
		t.Error("zero Map changed")
	}
	seen := 0
	for range m1.All() {
		seen++
		break
	}
	if seen != 1 {
		t.Error("All did not stop early")
	}
}

func BenchmarkSet(b *testing.B) {
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("connector-", i)
	}
	var m Map[int]
	for i, k := range keys {
		m = m.Set(k, i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m = m.Set(keys[i%len(keys)], i)
	}
}
