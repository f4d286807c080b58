package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func addGoldenSeeds(f *testing.F) {
	for _, name := range goldenFiles(f) {
		f.Add(readGolden(f, name))
	}
}

// Anything that decodes must re-encode exactly when it follows the encoder's
// rules, and come back as its canonical (sorted, deduplicated) form; the
// canonical bytes must be a fixed point.
func FuzzDecodeMetadata(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeMetadata(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(b) {
				t.Fatalf("DecodeMetadata(%x): bad error %#v", b, err)
			}
			return
		}
		encoded, err := EncodeMetadata(m)
		if (err == nil) != encodableMetadata(m) {
			t.Fatalf("EncodeMetadata(%+v) = %v, but encodable = %v", m, err, encodableMetadata(m))
		}
		if err != nil {
			return
		}
		back, err := DecodeMetadata(encoded)
		if want := canonicalMetadata(m); err != nil || !reflect.DeepEqual(back, want) {
			t.Fatalf("re-decoded %x as %+v, %v\nwant %+v", encoded, back, err, want)
		}
		again, err := EncodeMetadata(back)
		if err != nil || !bytes.Equal(again, encoded) {
			t.Fatalf("re-encoded %+v as %x, %v\nwant %x", back, again, err, encoded)
		}
	})
}

func FuzzDecodeAssignment(f *testing.F) {
	addGoldenSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAssignment(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(b) {
				t.Fatalf("DecodeAssignment(%x): bad error %#v", b, err)
			}
			return
		}
		encoded, err := EncodeAssignment(a)
		if (err == nil) != encodableAssignment(a) {
			t.Fatalf("EncodeAssignment(%+v) = %v, but encodable = %v", a, err, encodableAssignment(a))
		}
		if err != nil {
			return
		}
		back, err := DecodeAssignment(encoded)
		if want := canonicalAssignment(a); err != nil || !reflect.DeepEqual(back, want) {
			t.Fatalf("re-decoded %x as %+v, %v\nwant %+v", encoded, back, err, want)
		}
		again, err := EncodeAssignment(back)
		if err != nil || !bytes.Equal(again, encoded) {
			t.Fatalf("re-encoded %+v as %x, %v\nwant %x", back, again, err, encoded)
		}
	})
}
