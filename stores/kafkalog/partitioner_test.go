package kafkalog

import (
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestMurmur2Golden compares against Utils.murmur2, Utils.toPositive and
// BuiltInPartitioner.partitionForKey as run by Kafka 4.1.1 (testdata/murmur2.txt).
func TestMurmur2Golden(t *testing.T) {
	data, err := os.ReadFile("testdata/murmur2.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		lines++
		f := strings.Fields(line)
		key := []byte{}
		if f[0] != "-" {
			if key, err = hex.DecodeString(f[0]); err != nil {
				t.Fatal(err)
			}
		}
		if got := strconv.Itoa(int(Murmur2(key))); got != f[1] {
			t.Errorf("Murmur2(%q) = %s, want %s", key, got, f[1])
		}
		if got := strconv.Itoa(int(uint32(Murmur2(key)) & 0x7fffffff)); got != f[2] {
			t.Errorf("toPositive(murmur2(%q)) = %s, want %s", key, got, f[2])
		}
		for i, n := range []int{1, 5, 25, 50} {
			if got := strconv.Itoa(PartitionForKey(key, n)); got != f[3+i] {
				t.Errorf("PartitionForKey(%q, %d) = %s, want %s", key, n, got, f[3+i])
			}
		}
	}
	if lines < 200 {
		t.Fatalf("only %d vectors read", lines)
	}
}

func TestPartitionForKeyExamples(t *testing.T) {
	tests := []struct {
		key  string
		n    int
		want int
	}{
		{"", 25, 6},
		{"a", 5, 4},
		{"connector-foo", 25, 6},
		{"status-task-c-0", 5, 1},
	}
	for _, tt := range tests {
		if got := PartitionForKey([]byte(tt.key), tt.n); got != tt.want {
			t.Errorf("PartitionForKey(%q, %d) = %d, want %d", tt.key, tt.n, got, tt.want)
		}
	}
}

func TestPartitionForKeyNeedsPartitions(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for zero partitions")
		}
	}()
	PartitionForKey([]byte("k"), 0)
}
