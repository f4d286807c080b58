package wire

import (
	"bytes"
	"reflect"
	"testing"
)

// The example of connect-spec §1.5: worker http://w1:8083/ at config offset
// 5, leader m1, running connector c1 and its task 0.
const exampleURL = "http://w1:8083/"

func exampleAssignment(version int16) Assignment {
	return Assignment{
		Version:      version,
		Leader:       "m1",
		LeaderURL:    exampleURL,
		ConfigOffset: 5,
		Assigned:     Work{Connectors: []string{"c1"}, Tasks: []TaskID{{"c1", 0}}},
	}
}

func exampleAllocation(version int16) *Assignment {
	a := exampleAssignment(version)
	return &a
}

func TestMetadataGolden(t *testing.T) {
	tests := []struct {
		file string
		want Metadata
	}{
		{"metadata_v0.hex", Metadata{Version: V0, URL: exampleURL, ConfigOffset: 5}},
		{"metadata_v1_no_allocation.hex", Metadata{Version: V1, URL: exampleURL, ConfigOffset: 5}},
		{"metadata_v2_allocation.hex", Metadata{Version: V2, URL: exampleURL, ConfigOffset: 5, Allocation: exampleAllocation(V2)}},
		{"java_metadata_v1_empty_allocation.hex", Metadata{Version: V1, URL: exampleURL, ConfigOffset: 5, Allocation: &Assignment{
			Version: V1, Leader: "m1", LeaderURL: exampleURL, ConfigOffset: 5,
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			golden := readGolden(t, tt.file)
			got, err := EncodeMetadata(tt.want)
			if err != nil || !bytes.Equal(got, golden) {
				t.Errorf("EncodeMetadata = %x, %v\nwant %x", got, err, golden)
			}
			decoded, err := DecodeMetadata(golden)
			if err != nil || !reflect.DeepEqual(decoded, tt.want) {
				t.Errorf("DecodeMetadata = %+v, %v\nwant %+v", decoded, err, tt.want)
			}
		})
	}
}

func TestAssignmentGolden(t *testing.T) {
	tests := []struct {
		file string
		want Assignment
	}{
		{"assignment_v0.hex", exampleAssignment(V0)},
		{"assignment_v2.hex", exampleAssignment(V2)},
		{"java_assignment_v2_config_mismatch.hex", Assignment{
			Version: V2, Error: ConfigMismatch, Leader: "m1", LeaderURL: exampleURL, ConfigOffset: 7,
		}},
		{"java_assignment_v1_revoked_delay.hex", Assignment{
			Version:      V1,
			Leader:       "leader-1",
			LeaderURL:    "http://w2:8083/",
			ConfigOffset: 42,
			Assigned: Work{
				Connectors: []string{"db-sink"},
				Tasks:      []TaskID{{"db-sink", 0}, {"db-sink", 1}, {"ünï-src", 0}},
			},
			Revoked: Work{
				Connectors: []string{"a-b"},
				Tasks:      []TaskID{{"a-b", 3}, {"コネクタ-1", 0}, {"コネクタ-1", 1}},
			},
			DelayMs: 1500,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			golden := readGolden(t, tt.file)
			got, err := EncodeAssignment(tt.want)
			if err != nil || !bytes.Equal(got, golden) {
				t.Errorf("EncodeAssignment = %x, %v\nwant %x", got, err, golden)
			}
			decoded, err := DecodeAssignment(golden)
			if err != nil || !reflect.DeepEqual(decoded, tt.want) {
				t.Errorf("DecodeAssignment = %+v, %v\nwant %+v", decoded, err, tt.want)
			}
		})
	}
}

// The spec gives the allocation length of metadata_v2_allocation.hex as 61
// (0x3d); check that it really is the length of assignment_v2.hex.
func TestAllocationLengthMatchesAssignment(t *testing.T) {
	assignment := readGolden(t, "assignment_v2.hex")
	metadata := readGolden(t, "metadata_v2_allocation.hex")
	if len(assignment) != 61 || !bytes.HasSuffix(metadata, assignment) {
		t.Errorf("assignment is %d bytes; metadata %x does not end with it", len(assignment), metadata)
	}
}
