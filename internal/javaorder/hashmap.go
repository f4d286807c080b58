package javaorder

import "unicode/utf16"

// HashMap returns the indices of keys in the order a java.util.HashMap
// iterates them after they were put, in slice order, into an empty map
// created with new HashMap<>(). Keys must be distinct.
//
// The order is buckets ascending, then each bucket's chain. Chains are in
// insertion order until a bucket holds more than 8 keys in a table of at
// least 64 buckets: Java then turns it into a red-black tree ("treeifies")
// and links new keys next to their tree parent, moving the root to the front.
// So this is a small simulation of HashMap (JDK 8 to 25) rather than a sort.
func HashMap(keys []string) []int {
	var m javaHashMap
	nodes := make([]hmNode, len(keys))
	for i, k := range keys {
		nodes[i] = hmNode{hash: spreadHash(k), key: k, index: i}
		m.put(&nodes[i])
	}
	order := make([]int, 0, len(keys))
	for _, first := range m.table {
		for n := first; n != nil; n = n.next {
			order = append(order, n.index)
		}
	}
	return order
}

// Constants of java.util.HashMap.
const (
	initialCapacity   = 16
	treeifyThreshold  = 8
	untreeifyLimit    = 6
	minTreeifyBuckets = 64
)

type hmNode struct {
	hash  int32
	key   string
	index int
	next  *hmNode

	// Tree-bin fields, meaningful while inTree is set.
	inTree                    bool
	prev, parent, left, right *hmNode
	red                       bool
}

type javaHashMap struct {
	table     []*hmNode
	size      int
	threshold int
}

// spreadHash is HashMap.hash(): String.hashCode with its high half folded in.
func spreadHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + hi
			h = 31*h + lo
			continue
		}
		h = 31*h + r
	}
	return h ^ int32(uint32(h)>>16)
}

func (m *javaHashMap) put(n *hmNode) {
	if m.table == nil {
		m.resize()
	}
	i := m.bucket(n.hash)
	switch p := m.table[i]; {
	case p == nil:
		m.table[i] = n
	case p.inTree:
		m.putTreeNode(p, n)
	default:
		chained := 1
		for ; p.next != nil; p = p.next {
			chained++
		}
		p.next = n
		if chained >= treeifyThreshold {
			m.treeifyBin(n.hash)
		}
	}
	m.size++
	if m.size > m.threshold {
		m.resize()
	}
}

func (m *javaHashMap) bucket(hash int32) int {
	return int(hash) & (len(m.table) - 1)
}

func (m *javaHashMap) resize() {
	oldCap := len(m.table)
	if oldCap == 0 {
		m.table = make([]*hmNode, initialCapacity)
		m.threshold = initialCapacity * 3 / 4
		return
	}
	old := m.table
	m.table = make([]*hmNode, oldCap*2)
	m.threshold *= 2
	for j, e := range old {
		switch {
		case e == nil:
		case e.next == nil:
			m.table[m.bucket(e.hash)] = e
		case e.inTree:
			m.splitTree(e, j, oldCap)
		default:
			lo, hi := splitChain(e, oldCap)
			m.table[j], m.table[j+oldCap] = lo, hi
		}
	}
}

// splitChain divides a chain between bucket j and j+bit, keeping order.
func splitChain(e *hmNode, bit int) (lo, hi *hmNode) {
	var loTail, hiTail *hmNode
	for ; e != nil; e = e.next {
		if int(e.hash)&bit == 0 {
			lo, loTail = appendNode(lo, loTail, e)
		} else {
			hi, hiTail = appendNode(hi, hiTail, e)
		}
	}
	if loTail != nil {
		loTail.next = nil
	}
	if hiTail != nil {
		hiTail.next = nil
	}
	return lo, hi
}

func appendNode(head, tail, e *hmNode) (*hmNode, *hmNode) {
	if tail == nil {
		return e, e
	}
	tail.next = e
	return head, e
}

func (m *javaHashMap) treeifyBin(hash int32) {
	if len(m.table) < minTreeifyBuckets {
		m.resize()
		return
	}
	head := m.table[m.bucket(hash)]
	var prev *hmNode
	for e := head; e != nil; e = e.next {
		e.inTree, e.prev = true, prev
		prev = e
	}
	m.treeify(head)
}

// splitTree is TreeNode.split: the tree bin at index j divides between j and
// j+bit; a half of at most 6 keys becomes a chain again, a half of more keys
// is rebuilt as a tree unless it kept every key.
func (m *javaHashMap) splitTree(b *hmNode, j, bit int) {
	var loHead, loTail, hiHead, hiTail *hmNode
	lc, hc := 0, 0
	for e := b; e != nil; {
		next := e.next
		e.next = nil
		if int(e.hash)&bit == 0 {
			e.prev = loTail
			loHead, loTail = appendNode(loHead, loTail, e)
			lc++
		} else {
			e.prev = hiTail
			hiHead, hiTail = appendNode(hiHead, hiTail, e)
			hc++
		}
		e = next
	}
	m.placeHalf(j, loHead, lc, hiHead != nil)
	m.placeHalf(j+bit, hiHead, hc, loHead != nil)
}

func (m *javaHashMap) placeHalf(index int, head *hmNode, count int, otherHalf bool) {
	if head == nil {
		return
	}
	m.table[index] = head
	if count <= untreeifyLimit {
		for e := head; e != nil; e = e.next {
			e.inTree, e.prev, e.parent, e.left, e.right, e.red = false, nil, nil, nil, nil, false
		}
		return
	}
	if otherHalf {
		m.treeify(head)
	}
}

// treeify builds a red-black tree from the chain starting at head, inserting
// keys in chain order, then moves the root to the front of the chain.
func (m *javaHashMap) treeify(head *hmNode) {
	var root *hmNode
	for x := head; x != nil; x = x.next {
		x.left, x.right = nil, nil
		if root == nil {
			x.parent, x.red, root = nil, false, x
			continue
		}
		for p := root; ; {
			dir := compareNodes(x, p)
			xp := p
			if p = child(p, dir); p == nil {
				x.parent = xp
				setChild(xp, dir, x)
				root = balanceInsertion(root, x)
				break
			}
		}
	}
	m.moveRootToFront(root)
}

// putTreeNode is TreeNode.putTreeVal for a new key: it is linked into the
// chain right after its tree parent, not at the end.
func (m *javaHashMap) putTreeNode(first, n *hmNode) {
	root := first
	for root.parent != nil {
		root = root.parent
	}
	n.inTree = true
	for p := root; ; {
		dir := compareNodes(n, p)
		xp := p
		if p = child(p, dir); p != nil {
			continue
		}
		xpn := xp.next
		setChild(xp, dir, n)
		xp.next, n.next = n, xpn
		n.parent, n.prev = xp, xp
		if xpn != nil {
			xpn.prev = n
		}
		m.moveRootToFront(balanceInsertion(root, n))
		return
	}
}

func (m *javaHashMap) moveRootToFront(root *hmNode) {
	i := m.bucket(root.hash)
	first := m.table[i]
	if root == first {
		return
	}
	m.table[i] = root
	rp, rn := root.prev, root.next
	if rn != nil {
		rn.prev = rp
	}
	if rp != nil {
		rp.next = rn
	}
	if first != nil {
		first.prev = root
	}
	root.next, root.prev = first, nil
}

// compareNodes orders tree nodes as TreeNode does for String keys: by hash
// (signed), then String.compareTo (UTF-16 code units).
func compareNodes(x, p *hmNode) int {
	switch {
	case p.hash > x.hash:
		return -1
	case p.hash < x.hash:
		return 1
	}
	return Compare(x.key, p.key)
}

func child(p *hmNode, dir int) *hmNode {
	if dir <= 0 {
		return p.left
	}
	return p.right
}

func setChild(p *hmNode, dir int, c *hmNode) {
	if dir <= 0 {
		p.left = c
	} else {
		p.right = c
	}
}

// balanceInsertion, rotateLeft and rotateRight follow HashMap.TreeNode so the
// tree, and with it the root moved to the chain's front, is the same as Java's.
func balanceInsertion(root, x *hmNode) *hmNode {
	x.red = true
	for {
		xp := x.parent
		if xp == nil {
			x.red = false
			return x
		}
		xpp := xp.parent
		if !xp.red || xpp == nil {
			return root
		}
		if xppl := xpp.left; xp == xppl {
			if xppr := xpp.right; xppr != nil && xppr.red {
				xppr.red, xp.red, xpp.red = false, false, true
				x = xpp
				continue
			}
			if x == xp.right {
				x = xp
				root = rotateLeft(root, x)
				xp = x.parent
				xpp = parentOf(xp)
			}
			if xp != nil {
				xp.red = false
				if xpp != nil {
					xpp.red = true
					root = rotateRight(root, xpp)
				}
			}
			continue
		} else if xppl != nil && xppl.red {
			xppl.red, xp.red, xpp.red = false, false, true
			x = xpp
			continue
		}
		if x == xp.left {
			x = xp
			root = rotateRight(root, x)
			xp = x.parent
			xpp = parentOf(xp)
		}
		if xp != nil {
			xp.red = false
			if xpp != nil {
				xpp.red = true
				root = rotateLeft(root, xpp)
			}
		}
	}
}

func parentOf(n *hmNode) *hmNode {
	if n == nil {
		return nil
	}
	return n.parent
}

func rotateLeft(root, p *hmNode) *hmNode {
	if p == nil || p.right == nil {
		return root
	}
	r := p.right
	rl := r.left
	p.right = rl
	if rl != nil {
		rl.parent = p
	}
	pp := p.parent
	r.parent = pp
	switch {
	case pp == nil:
		root = r
		r.red = false
	case pp.left == p:
		pp.left = r
	default:
		pp.right = r
	}
	r.left, p.parent = p, r
	return root
}

func rotateRight(root, p *hmNode) *hmNode {
	if p == nil || p.left == nil {
		return root
	}
	l := p.left
	lr := l.right
	p.left = lr
	if lr != nil {
		lr.parent = p
	}
	pp := p.parent
	l.parent = pp
	switch {
	case pp == nil:
		root = l
		l.red = false
	case pp.right == p:
		pp.right = l
	default:
		pp.left = l
	}
	l.right, p.parent = p, l
	return root
}
