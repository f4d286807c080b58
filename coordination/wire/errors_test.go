package wire

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func decodeMetadataErr(b []byte) error   { _, err := DecodeMetadata(b); return err }
func decodeAssignmentErr(b []byte) error { _, err := DecodeAssignment(b); return err }

// Byte offsets: metadata with url "u" has url at 2, configOffset at 5 and
// allocation at 13, its bytes from 17. An assignment with leader "m" and
// leaderUrl "u" has error at 2, leader at 4, leaderUrl at 7, configOffset at
// 10 and assignment at 18.
const (
	metadataHeader   = "0001 0001 75 0000000000000005 "
	assignmentHeader = "0001 0000 0001 6d 0001 75 0000000000000005 "
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		decode func([]byte) error
		hex    string
		want   DecodeError
	}{
		{"metadata empty", decodeMetadataErr, "", DecodeError{"metadata", "version", 0, "need 2 bytes, only 0 left"}},
		{"metadata version cut", decodeMetadataErr, "00", DecodeError{"metadata", "version", 0, "need 2 bytes, only 1 left"}},
		{"metadata negative version", decodeMetadataErr, "ffff 0001 75 0000000000000005", DecodeError{"metadata", "version", 0, "negative version -1"}},
		{"url length cut", decodeMetadataErr, "0001 00", DecodeError{"metadata", "url", 2, "need 2 bytes, only 1 left"}},
		{"url negative length", decodeMetadataErr, "0001 ffff", DecodeError{"metadata", "url", 2, "negative string length -1"}},
		{"url past the end", decodeMetadataErr, "0001 012c 75", DecodeError{"metadata", "url", 2, "string length 300 exceeds remaining 1 bytes"}},
		{"configOffset cut", decodeMetadataErr, "0001 0001 75 00000000", DecodeError{"metadata", "configOffset", 5, "need 8 bytes, only 4 left"}},
		{"allocation length cut", decodeMetadataErr, metadataHeader + "0000", DecodeError{"metadata", "allocation", 13, "need 4 bytes, only 2 left"}},
		{"allocation past the end", decodeMetadataErr, metadataHeader + "00000010 0001", DecodeError{"metadata", "allocation", 13, "byte length 16 exceeds remaining 2 bytes"}},
		{"allocation empty", decodeMetadataErr, metadataHeader + "00000000", DecodeError{"metadata", "allocation.version", 17, "need 2 bytes, only 0 left"}},
		{"allocation negative version", decodeMetadataErr, metadataHeader + "00000002 ffff", DecodeError{"metadata", "allocation.version", 17, "negative version -1"}},
		{"allocation leaderUrl past the end", decodeMetadataErr, metadataHeader + "0000000a 0001 0000 0001 6d 0005 75",
			DecodeError{"metadata", "allocation.leaderUrl", 24, "string length 5 exceeds remaining 1 bytes"}},
		{"allocation task count too large", decodeMetadataErr, metadataHeader + "0000001d" + assignmentHeader + "00000001 0001 63 00000009",
			DecodeError{"metadata", "allocation.assignment[0].tasks", 42, "array count 9 exceeds what the remaining 0 bytes can hold"}},

		{"assignment empty", decodeAssignmentErr, "", DecodeError{"assignment", "version", 0, "need 2 bytes, only 0 left"}},
		{"assignment negative version", decodeAssignmentErr, "8000 0000", DecodeError{"assignment", "version", 0, "negative version -32768"}},
		{"error missing", decodeAssignmentErr, "0001", DecodeError{"assignment", "error", 2, "need 2 bytes, only 0 left"}},
		{"leader missing", decodeAssignmentErr, "0001 0000", DecodeError{"assignment", "leader", 4, "need 2 bytes, only 0 left"}},
		{"leader negative length", decodeAssignmentErr, "0001 0000 8000", DecodeError{"assignment", "leader", 4, "negative string length -32768"}},
		{"leader past the end", decodeAssignmentErr, "0001 0000 0003 6d", DecodeError{"assignment", "leader", 4, "string length 3 exceeds remaining 1 bytes"}},
		{"leaderUrl missing", decodeAssignmentErr, "0001 0000 0001 6d", DecodeError{"assignment", "leaderUrl", 7, "need 2 bytes, only 0 left"}},
		{"leaderUrl past the end", decodeAssignmentErr, "0001 0000 0001 6d 012c 75", DecodeError{"assignment", "leaderUrl", 7, "string length 300 exceeds remaining 1 bytes"}},
		{"configOffset cut", decodeAssignmentErr, "0001 0000 0001 6d 0001 75 000000", DecodeError{"assignment", "configOffset", 10, "need 8 bytes, only 3 left"}},
		{"assignment count cut", decodeAssignmentErr, assignmentHeader + "000000", DecodeError{"assignment", "assignment", 18, "need 4 bytes, only 3 left"}},
		{"assignment count too large", decodeAssignmentErr, assignmentHeader + "00000002 0001 63 000000",
			DecodeError{"assignment", "assignment", 18, "array count 2 exceeds what the remaining 6 bytes can hold"}},
		{"assignment count absurd", decodeAssignmentErr, assignmentHeader + "7fffffff",
			DecodeError{"assignment", "assignment", 18, "array count 2147483647 exceeds what the remaining 0 bytes can hold"}},
		{"connector past the end", decodeAssignmentErr, assignmentHeader + "00000001 0009 63 00000000",
			DecodeError{"assignment", "assignment[0].connector", 22, "string length 9 exceeds remaining 5 bytes"}},
		{"tasks count cut", decodeAssignmentErr, assignmentHeader + "00000001 0001 63 000000",
			DecodeError{"assignment", "assignment[0].tasks", 25, "need 4 bytes, only 3 left"}},
		{"tasks null", decodeAssignmentErr, assignmentHeader + "00000001 0001 63 ffffffff",
			DecodeError{"assignment", "assignment[0].tasks", 25, "negative array count -1"}},
		{"tasks count too large", decodeAssignmentErr, assignmentHeader + "00000001 0001 63 00000002 00000000",
			DecodeError{"assignment", "assignment[0].tasks", 25, "array count 2 exceeds what the remaining 4 bytes can hold"}},
		{"second entry cut", decodeAssignmentErr, assignmentHeader + "00000002 0001 63 00000000 0005 64 0000",
			DecodeError{"assignment", "assignment[1].connector", 29, "string length 5 exceeds remaining 3 bytes"}},
		{"revoked count cut", decodeAssignmentErr, assignmentHeader + "00000000 0000", DecodeError{"assignment", "revoked", 22, "need 4 bytes, only 2 left"}},
		{"revoked tasks null", decodeAssignmentErr, assignmentHeader + "00000000 00000001 0001 72 ffffffff",
			DecodeError{"assignment", "revoked[0].tasks", 29, "negative array count -1"}},
		{"delay cut", decodeAssignmentErr, assignmentHeader + "00000000 00000000 000000", DecodeError{"assignment", "delay", 26, "need 4 bytes, only 3 left"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode(parseHex(t, tt.hex))
			var got *DecodeError
			if !errors.As(err, &got) || *got != tt.want {
				t.Errorf("error = %#v\nwant %#v", err, &tt.want)
			}
		})
	}
}

func TestDecodeErrorText(t *testing.T) {
	_, err := DecodeMetadata(parseHex(t, metadataHeader+"0000000a 0001 0000 0001 6d 0005 75"))
	want := "wire: decode metadata: field allocation.leaderUrl at byte 24: string length 5 exceeds remaining 1 bytes"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
}

func TestDecodeFailureReturnsZeroValue(t *testing.T) {
	m, err := DecodeMetadata(parseHex(t, metadataHeader+"0000"))
	if err == nil || m != (Metadata{}) {
		t.Errorf("DecodeMetadata = %+v, %v", m, err)
	}
	a, err := DecodeAssignment(parseHex(t, assignmentHeader+"00000001 0001 63 ffffffff"))
	if err == nil || a.Version != 0 || a.Leader != "" || a.Assigned.Connectors != nil {
		t.Errorf("DecodeAssignment = %+v, %v", a, err)
	}
}

var tooLong = strings.Repeat("x", math.MaxInt16+1)

func TestEncodeMetadataErrors(t *testing.T) {
	tests := []struct {
		name string
		in   Metadata
		want string
	}{
		{"negative version", Metadata{Version: -1}, "wire: encode metadata: field version: version -1 is not one of 0, 1, 2"},
		{"unknown version", Metadata{Version: 3}, "wire: encode metadata: field version: version 3 is not one of 0, 1, 2"},
		{"url too long", Metadata{Version: V1, URL: tooLong}, "wire: encode metadata: field url: string of 32768 bytes exceeds the limit of 32767"},
		{"V0 with allocation", Metadata{Version: V0, Allocation: &Assignment{Version: V0}}, "wire: encode metadata: field allocation: V0 metadata has no allocation field"},
		{"allocation version differs", Metadata{Version: V2, Allocation: &Assignment{Version: V1}},
			"wire: encode metadata: field allocation.version: allocation version 1 differs from metadata version 2"},
		{"allocation leader too long", Metadata{Version: V1, Allocation: &Assignment{Version: V1, Leader: tooLong}},
			"wire: encode metadata: field allocation.leader: string of 32768 bytes exceeds the limit of 32767"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeMetadata(tt.in)
			if err == nil || err.Error() != tt.want || b != nil {
				t.Errorf("EncodeMetadata = %x, %v\nwant error %s", b, err, tt.want)
			}
		})
	}
}

func TestEncodeAssignmentErrors(t *testing.T) {
	tests := []struct {
		name string
		in   Assignment
		want string
	}{
		{"negative version", Assignment{Version: -1}, "wire: encode assignment: field version: version -1 is not one of 0, 1, 2"},
		{"unknown version", Assignment{Version: 3}, "wire: encode assignment: field version: version 3 is not one of 0, 1, 2"},
		{"leader too long", Assignment{Version: V1, Leader: tooLong}, "wire: encode assignment: field leader: string of 32768 bytes exceeds the limit of 32767"},
		{"leaderUrl too long", Assignment{Version: V1, LeaderURL: tooLong}, "wire: encode assignment: field leaderUrl: string of 32768 bytes exceeds the limit of 32767"},
		{"connector too long", Assignment{Version: V1, Revoked: Work{Connectors: []string{"a", tooLong}}},
			"wire: encode assignment: field revoked[1].connector: string of 32768 bytes exceeds the limit of 32767"},
		{"task -1", Assignment{Version: V1, Assigned: Work{Tasks: []TaskID{{"c", ConnectorTask}}}},
			`wire: encode assignment: field assignment: task -1 of connector "c" is negative (-1 stands for the connector itself)`},
		{"negative task", Assignment{Version: V2, Revoked: Work{Tasks: []TaskID{{"c", -7}}}},
			`wire: encode assignment: field revoked: task -7 of connector "c" is negative (-1 stands for the connector itself)`},
		{"V0 with revoked", Assignment{Version: V0, Revoked: Work{Connectors: []string{"c"}}}, "wire: encode assignment: field revoked: V0 assignment has no revoked field"},
		{"V0 with delay", Assignment{Version: V0, DelayMs: 1}, "wire: encode assignment: field delay: V0 assignment has no delay field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeAssignment(tt.in)
			if err == nil || err.Error() != tt.want || b != nil {
				t.Errorf("EncodeAssignment = %x, %v\nwant error %s", b, err, tt.want)
			}
		})
	}
}
