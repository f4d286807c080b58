// Package pmap is a persistent (immutable) hash map from strings to values: a
// hash array mapped trie. Set and Delete return a new Map that shares all but
// one path with the old one, so a store can hand out a snapshot after every
// record without copying thousands of entries.
package pmap

import (
	"hash/maphash"
	"iter"
	"math/bits"
)

// seed is fixed for the life of the process; it is never written after
// initialisation, so Maps built anywhere agree on where keys live.
var seed = maphash.MakeSeed()

const (
	bitsPerLevel = 5
	fanout       = 1 << bitsPerLevel
)

// Map is an immutable map. The zero Map is empty and ready to use. Maps are
// values: copying one is cheap and the copy never changes.
type Map[V any] struct {
	root *node[V]
	size int
}

// node is a trie level or a leaf. A level's bitmap marks which of the 32
// hash-chunk slots are taken; children holds them in order. A leaf holds the
// entries whose 64-bit hashes are equal (more than one only on a collision).
// Nodes are never changed once built.
type node[V any] struct {
	bitmap   uint32
	children []*node[V]
	hash     uint64
	entries  []entry[V]
}

type entry[V any] struct {
	key   string
	value V
}

func (n *node[V]) isLeaf() bool { return len(n.entries) > 0 }

func stringHash(key string) uint64 { return maphash.String(seed, key) }

// Len returns the number of keys.
func (m Map[V]) Len() int { return m.size }

// Get returns the value stored under key.
func (m Map[V]) Get(key string) (V, bool) {
	return m.root.get(stringHash(key), key)
}

// Set returns a Map with key bound to value.
func (m Map[V]) Set(key string, value V) Map[V] {
	root, added := m.root.set(stringHash(key), 0, entry[V]{key, value})
	if added {
		m.size++
	}
	m.root = root
	return m
}

// Delete returns a Map without key.
func (m Map[V]) Delete(key string) Map[V] {
	root, removed := m.root.delete(stringHash(key), 0, key)
	if removed {
		m.size--
		m.root = root
	}
	return m
}

// All yields every key and value, in no particular order.
func (m Map[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		m.root.each(yield)
	}
}

func chunk(h uint64, shift int) uint32 {
	return uint32(h>>shift) & (fanout - 1)
}

// find returns the child index for h at this level and whether it is taken.
func (n *node[V]) find(h uint64, shift int) (int, bool) {
	bit := uint32(1) << chunk(h, shift)
	return bits.OnesCount32(n.bitmap & (bit - 1)), n.bitmap&bit != 0
}

func (n *node[V]) get(h uint64, key string) (V, bool) {
	for shift := 0; n != nil; shift += bitsPerLevel {
		if n.isLeaf() {
			if n.hash == h {
				for _, e := range n.entries {
					if e.key == key {
						return e.value, true
					}
				}
			}
			break
		}
		i, ok := n.find(h, shift)
		if !ok {
			break
		}
		n = n.children[i]
	}
	var zero V
	return zero, false
}

func (n *node[V]) set(h uint64, shift int, e entry[V]) (*node[V], bool) {
	if n == nil {
		n = &node[V]{}
	}
	i, ok := n.find(h, shift)
	if !ok {
		return n.inserted(i, chunk(h, shift), &node[V]{hash: h, entries: []entry[V]{e}}), true
	}
	c := n.children[i]
	switch {
	case !c.isLeaf():
		sub, added := c.set(h, shift+bitsPerLevel, e)
		return n.replaced(i, sub), added
	case c.hash == h:
		l, added := c.withEntry(e)
		return n.replaced(i, l), added
	default:
		// Two different hashes share this chunk: push the leaf a level down.
		// The hashes differ in some bit, so this ends before they run out.
		level := &node[V]{bitmap: 1 << chunk(c.hash, shift+bitsPerLevel), children: []*node[V]{c}}
		sub, _ := level.set(h, shift+bitsPerLevel, e)
		return n.replaced(i, sub), true
	}
}

func (n *node[V]) withEntry(e entry[V]) (*node[V], bool) {
	entries := make([]entry[V], len(n.entries), len(n.entries)+1)
	copy(entries, n.entries)
	for i := range entries {
		if entries[i].key == e.key {
			entries[i] = e
			return &node[V]{hash: n.hash, entries: entries}, false
		}
	}
	return &node[V]{hash: n.hash, entries: append(entries, e)}, true
}

func (n *node[V]) delete(h uint64, shift int, key string) (*node[V], bool) {
	if n == nil {
		return nil, false
	}
	i, ok := n.find(h, shift)
	if !ok {
		return n, false
	}
	c := n.children[i]
	var rest *node[V]
	if c.isLeaf() {
		if c.hash != h {
			return n, false
		}
		var removed bool
		if rest, removed = c.withoutEntry(key); !removed {
			return n, false
		}
	} else {
		var removed bool
		if rest, removed = c.delete(h, shift+bitsPerLevel, key); !removed {
			return n, false
		}
	}
	if rest == nil {
		return n.removed(i, chunk(h, shift)), true
	}
	return n.replaced(i, rest), true
}

// withoutEntry returns the leaf without key, or nil if nothing is left.
func (n *node[V]) withoutEntry(key string) (*node[V], bool) {
	rest := make([]entry[V], 0, len(n.entries))
	for _, e := range n.entries {
		if e.key != key {
			rest = append(rest, e)
		}
	}
	switch len(rest) {
	case len(n.entries):
		return n, false
	case 0:
		return nil, true
	}
	return &node[V]{hash: n.hash, entries: rest}, true
}

func (n *node[V]) replaced(i int, c *node[V]) *node[V] {
	children := make([]*node[V], len(n.children))
	copy(children, n.children)
	children[i] = c
	return &node[V]{bitmap: n.bitmap, children: children}
}

func (n *node[V]) inserted(i int, bit uint32, c *node[V]) *node[V] {
	children := make([]*node[V], 0, len(n.children)+1)
	children = append(children, n.children[:i]...)
	children = append(children, c)
	children = append(children, n.children[i:]...)
	return &node[V]{bitmap: n.bitmap | 1<<bit, children: children}
}

// removed drops child i; an emptied level disappears.
func (n *node[V]) removed(i int, bit uint32) *node[V] {
	if len(n.children) == 1 {
		return nil
	}
	children := make([]*node[V], 0, len(n.children)-1)
	children = append(children, n.children[:i]...)
	children = append(children, n.children[i+1:]...)
	return &node[V]{bitmap: n.bitmap &^ (1 << bit), children: children}
}

func (n *node[V]) each(yield func(string, V) bool) bool {
	if n == nil {
		return true
	}
	for _, e := range n.entries {
		if !yield(e.key, e.value) {
			return false
		}
	}
	for _, c := range n.children {
		if !c.each(yield) {
			return false
		}
	}
	return true
}
