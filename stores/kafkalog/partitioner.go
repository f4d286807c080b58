// Package kafkalog holds the compacted-topic log shared by the config, offsets
// and status stores. This file is its pure part: the partition a keyed record
// goes to.
package kafkalog

import "encoding/binary"

// Murmur2 is Kafka's Utils.murmur2: 32-bit MurmurHash2 with seed 0x9747b28c,
// the hash the Java producer's default partitioner uses for keyed records.
func Murmur2(data []byte) int32 {
	const (
		seed = 0x9747b28c
		m    = 0x5bd1e995
		r    = 24
	)
	h := uint32(seed) ^ uint32(len(data))
	tail := len(data) &^ 3
	for i := 0; i < tail; i += 4 {
		k := binary.LittleEndian.Uint32(data[i:])
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(data) & 3 {
	case 3:
		h ^= uint32(data[tail+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[tail+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[tail])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// PartitionForKey is the partition Kafka's Java producer picks for a record
// with a non-null key: toPositive(murmur2(key)) % numPartitions, where
// toPositive clears the sign bit rather than taking the absolute value.
// Status and offset records must land where Java puts them, or compaction
// never replaces a Java-written record with a Go-written one (connect-spec §11).
// numPartitions must be positive.
func PartitionForKey(key []byte, numPartitions int) int {
	if numPartitions <= 0 {
		panic("kafkalog: PartitionForKey needs at least one partition")
	}
	return int(uint32(Murmur2(key))&0x7fffffff) % numPartitions
}
