package wire

// EncodeMetadata returns the JoinGroup protocol metadata for m, byte for
// byte what Java's ConnectProtocol (V0) or IncrementalCooperativeConnectProtocol
// (V1, V2) would write:
//
//	V0:     version int16, url STRING, configOffset int64
//	V1, V2: the same, then allocation NULLABLE_BYTES (nil Allocation = null)
//
// The allocation is a complete assignment and must carry the version of the
// metadata itself (Java writes 2 inside "sessioned", 1 inside "compatible").
// V0 has no allocation field, so a V0 Metadata with an Allocation is an
// error rather than silently losing it.
func EncodeMetadata(m Metadata) ([]byte, error) {
	w := &writer{message: "metadata"}
	w.version(m.Version)
	w.str("url", m.URL)
	w.int64(m.ConfigOffset)
	if m.Version == V0 {
		if m.Allocation != nil {
			w.fail("allocation", "V0 metadata has no allocation field")
		}
		return w.bytes()
	}
	writeAllocation(w, m)
	return w.bytes()
}

func writeAllocation(w *writer, m Metadata) {
	if m.Allocation == nil {
		w.nullableBytes(nil)
		return
	}
	if m.Allocation.Version != m.Version {
		w.fail("allocation.version", "allocation version %d differs from metadata version %d", m.Allocation.Version, m.Version)
	}
	inner := w.nested("allocation")
	writeAssignment(inner, *m.Allocation)
	w.adopt(inner)
	w.nullableBytes(inner.buf)
}

// DecodeMetadata reads JoinGroup protocol metadata of any version the way
// Java's V1 reader does: a version >= 0, url and configOffset, then an
// optional allocation. A buffer that ends before the allocation, or a
// negative allocation length, gives a nil Allocation, so V0 metadata reads
// fine. Bytes after the allocation are ignored (room for future versions).
// The result shares no memory with b. Any failure is a *DecodeError.
func DecodeMetadata(b []byte) (Metadata, error) {
	r := &reader{buf: b, message: "metadata"}
	m := Metadata{Version: r.version()}
	m.URL = r.str("url")
	m.ConfigOffset = r.int64("configOffset")
	if r.more() {
		m.Allocation = readAllocation(r)
	}
	if r.err != nil {
		return Metadata{}, r.err
	}
	return m, nil
}

// readAllocation reads the embedded assignment. Java parses it with its own
// version header and does not compare that with the metadata version, so
// neither do we.
func readAllocation(r *reader) *Assignment {
	b, present := r.nullableBytes("allocation")
	if !present {
		return nil
	}
	inner := r.nested("allocation", b)
	a := readAssignment(inner)
	if inner.err != nil {
		r.err = inner.err
		return nil
	}
	return &a
}
