package converters

import (
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets: ToConnectData of every converter must not panic on any
// input, and what it reads must write back.
//
//	go test -run='^$' -fuzz=FuzzJsonToConnect -fuzztime=20s ./sidecar/converters/

func addJSONSeeds(f *testing.F) {
	data, err := readFileLines("testdata/json-cases.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range data {
		if p := strings.SplitN(line, "\t", 3); len(p) == 3 && !strings.HasPrefix(line, "#") {
			f.Add([]byte(p[2]))
		}
	}
}

func addHeaderSeeds(f *testing.F) {
	lines, err := readFileLines("testdata/header-cases.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "hex:"):
			b, _ := hex.DecodeString(line[4:])
			f.Add(b)
		default:
			f.Add([]byte(line))
		}
	}
}

func FuzzJsonToConnect(f *testing.F) {
	addJSONSeeds(f)
	withSchemas := &JsonConverter{}
	plain := &JsonConverter{}
	if err := plain.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if schema, value, err := withSchemas.ToConnectData("t", data); err == nil {
			// Not every value read writes back (a Decimal read as a number
			// may not have its schema's scale), but what writes must read.
			if out, err := withSchemas.FromConnectData("t", schema, value); err == nil && out != nil {
				if _, _, err := withSchemas.ToConnectData("t", out); err != nil {
					t.Fatalf("%q read as %s, written as %q, which does not read: %v", data, dumpSV(schema, value), out, err)
				}
			}
		}
		_, value, err := plain.ToConnectData("t", data)
		if err != nil {
			return
		}
		first, err := plain.FromConnectData("t", nil, value)
		if err != nil {
			t.Fatalf("%q read as %s, which does not write: %v", data, dumpValue(value), err)
		}
		if first == nil || bytes.Contains(first, []byte("-0.0")) {
			return // null, or a negative zero, which reads back as 0.0 as in Java
		}
		_, again, err := plain.ToConnectData("t", first)
		if err != nil {
			t.Fatalf("%q written as %q, which does not read: %v", data, first, err)
		}
		if second, err := plain.FromConnectData("t", nil, again); err != nil || !bytes.Equal(first, second) {
			t.Fatalf("%q written as %q, then as %q (%v)", data, first, second, err)
		}
	})
}

func FuzzStringToConnect(f *testing.F) {
	addHeaderSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, value, err := (&StringConverter{}).ToConnectData("t", data)
		if err != nil {
			t.Fatal(err)
		}
		s := value.(string)
		if !utf8.ValidString(s) || utf8.Valid(data) && s != string(data) {
			t.Fatalf("%q read as %q", data, s)
		}
	})
}

func FuzzByteArrayToConnect(f *testing.F) {
	addHeaderSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &ByteArrayConverter{}
		schema, value, err := c.ToConnectData("t", data)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := c.FromConnectData("t", schema, value); err != nil || !bytes.Equal(out, data) {
			t.Fatalf("%q came back as %q (%v)", data, out, err)
		}
	})
}

func FuzzHeaderToConnect(f *testing.F) {
	addHeaderSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &SimpleHeaderConverter{}
		schema, value, err := h.ToConnectHeader("t", "k", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.FromConnectHeader("t", "k", schema, value); err != nil {
			t.Fatalf("%q read as %s, which does not write: %v", data, dumpSV(schema, value), err)
		}
	})
}

func readFileLines(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return strings.Split(string(data), "\n"), nil
}
