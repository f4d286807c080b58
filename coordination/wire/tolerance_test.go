package wire

import (
	"reflect"
	"testing"
)

// Java reads every metadata and assignment with its tolerant V1 reader;
// these cases were checked against Apache Kafka 4.1.1's
// IncrementalCooperativeConnectProtocol.deserialize{Metadata,Assignment}.
// Strings: url/leaderUrl "u" (0001 75), leader "m" (0001 6d).

func TestDecodeMetadataTolerance(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want Metadata
	}{
		{"V0 through the V1 reader", "0000 0001 75 0000000000000005", Metadata{Version: V0, URL: "u", ConfigOffset: 5}},
		{"V1 ending after configOffset", "0001 0001 75 0000000000000005", Metadata{Version: V1, URL: "u", ConfigOffset: 5}},
		{"allocation length -2 is null", "0002 0001 75 0000000000000005 fffffffe", Metadata{Version: V2, URL: "u", ConfigOffset: 5}},
		{"trailing bytes after allocation", "0001 0001 75 0000000000000005 ffffffff deadbeef", Metadata{Version: V1, URL: "u", ConfigOffset: 5}},
		{"future version with a new field", "0007 0001 75 0000000000000005 ffffffff 0000002a", Metadata{Version: 7, URL: "u", ConfigOffset: 5}},
		{"allocation ending after configOffset",
			"0001 0001 75 0000000000000005 00000012 0001 0000 0001 6d 0001 75 0000000000000005",
			Metadata{Version: V1, URL: "u", ConfigOffset: 5, Allocation: &Assignment{Version: V1, Leader: "m", LeaderURL: "u", ConfigOffset: 5}}},
		{"trailing bytes inside allocation",
			"0001 0001 75 0000000000000005 00000020 0001 0000 0001 6d 0001 75 0000000000000005 00000000 00000000 00000000 abcd",
			Metadata{Version: V1, URL: "u", ConfigOffset: 5, Allocation: &Assignment{Version: V1, Leader: "m", LeaderURL: "u", ConfigOffset: 5}}},
		{"allocation version differs from metadata",
			"0002 0001 75 0000000000000005 00000012 0001 0000 0001 6d 0001 75 0000000000000005",
			Metadata{Version: V2, URL: "u", ConfigOffset: 5, Allocation: &Assignment{Version: V1, Leader: "m", LeaderURL: "u", ConfigOffset: 5}}},
		{"V0 followed by an allocation",
			"0000 0001 75 0000000000000005 00000012 0000 0000 0001 6d 0001 75 0000000000000005",
			Metadata{Version: V0, URL: "u", ConfigOffset: 5, Allocation: &Assignment{Version: V0, Leader: "m", LeaderURL: "u", ConfigOffset: 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeMetadata(parseHex(t, tt.hex))
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeMetadata = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}

func TestDecodeAssignmentTolerance(t *testing.T) {
	const header = "0002 0000 0001 6d 0001 75 0000000000000005 "
	base := Assignment{Version: V2, Leader: "m", LeaderURL: "u", ConfigOffset: 5}
	with := func(assigned, revoked Work, delay int32) Assignment {
		a := base
		a.Assigned, a.Revoked, a.DelayMs = assigned, revoked, delay
		return a
	}
	c := Work{Connectors: []string{"c"}}
	tests := []struct {
		name string
		hex  string
		want Assignment
	}{
		{"V0 through the V1 reader", "0000 0000 0001 6d 0001 75 0000000000000005 00000001 0001 63 00000001 ffffffff",
			Assignment{Version: V0, Leader: "m", LeaderURL: "u", ConfigOffset: 5, Assigned: c}},
		{"ending after configOffset", header, base},
		{"ending after assignment", header + "00000001 0001 63 00000001 ffffffff", with(c, Work{}, 0)},
		{"ending after revoked", header + "00000000 00000001 0001 63 00000001 ffffffff", with(Work{}, c, 0)},
		{"null arrays", header + "ffffffff ffffffff 00000000", base},
		{"any negative count is null", header + "80000000 fffffffe 00000000", base},
		{"trailing bytes after delay", header + "00000000 00000000 0000000a dead", with(Work{}, Work{}, 10)},
		{"future version", "0009 0000 0001 6d 0001 75 0000000000000005", Assignment{Version: 9, Leader: "m", LeaderURL: "u", ConfigOffset: 5}},
		{"wire order kept", header + "00000002 0001 62 00000003 00000001 ffffffff 00000000 0001 61 00000001 00000002",
			with(Work{Connectors: []string{"b"}, Tasks: []TaskID{{"b", 1}, {"b", 0}, {"a", 2}}}, Work{}, 0)},
		{"duplicates kept", header + "00000002 0001 63 00000002 ffffffff 00000000 0001 63 00000002 ffffffff 00000000",
			with(Work{Connectors: []string{"c", "c"}, Tasks: []TaskID{{"c", 0}, {"c", 0}}}, Work{}, 0)},
		{"other negative task numbers are tasks", header + "00000001 0001 63 00000001 fffffffe",
			with(Work{Tasks: []TaskID{{"c", -2}}}, Work{}, 0)},
		{"empty entry", header + "00000001 0001 63 00000000", base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeAssignment(parseHex(t, tt.hex))
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeAssignment = %+v, %v\nwant %+v", got, err, tt.want)
			}
		})
	}
}
