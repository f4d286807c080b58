package wire

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// Values here are canonical (sorted, nil when empty), so they must come back
// unchanged.
var (
	utf8Work = Work{
		Connectors: []string{"a-b-c", "ünï-cøde", "コネクタ-1"},
		Tasks:      []TaskID{{"a-b-c", 0}, {"a-b-c", 7}, {"ünï-cøde", 2}, {"コネクタ-1", 0}},
	}
	tasksOnlyWork = Work{Tasks: []TaskID{{"sink", 0}, {"sink", 1}, {"src", math.MaxInt32}}}
	longString    = strings.Repeat("x", math.MaxInt16)
)

func TestAssignmentRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   Assignment
	}{
		{"V0 empty", Assignment{Version: V0}},
		{"V0 work", Assignment{Version: V0, Leader: "m", LeaderURL: "http://h:8083/", ConfigOffset: 3, Assigned: utf8Work}},
		{"V1 empty", Assignment{Version: V1}},
		{"V1 assigned revoked delay", Assignment{Version: V1, Leader: "m", ConfigOffset: 9, Assigned: tasksOnlyWork, Revoked: utf8Work, DelayMs: 5000}},
		{"V1 connectors only", Assignment{Version: V1, Revoked: Work{Connectors: []string{"c"}}}},
		{"V2 config mismatch", Assignment{Version: V2, Error: ConfigMismatch, Leader: "m", LeaderURL: "u", ConfigOffset: -1}},
		{"V2 utf8", Assignment{Version: V2, Leader: "ワーカー-1", LeaderURL: "http://ホスト:8083/", Assigned: utf8Work}},
		{"V2 extremes", Assignment{
			Version: V2, Error: math.MinInt16, Leader: longString, LeaderURL: longString,
			ConfigOffset: math.MinInt64, DelayMs: math.MinInt32,
			Assigned: Work{Connectors: []string{longString}},
		}},
		{"V2 max", Assignment{Version: V2, Error: math.MaxInt16, ConfigOffset: math.MaxInt64, DelayMs: math.MaxInt32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeAssignment(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeAssignment(b)
			if err != nil || !reflect.DeepEqual(got, tt.in) {
				t.Errorf("round trip = %+v, %v\nwant %+v", got, err, tt.in)
			}
		})
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   Metadata
	}{
		{"V0", Metadata{Version: V0, URL: "http://h:8083/", ConfigOffset: 12}},
		{"V0 no config read yet", Metadata{Version: V0, ConfigOffset: -1}},
		{"V1 nil allocation", Metadata{Version: V1, URL: "http://h:8083/", ConfigOffset: 1}},
		{"V1 empty allocation", Metadata{Version: V1, URL: "u", Allocation: &Assignment{Version: V1}}},
		{"V2 nil allocation", Metadata{Version: V2, URL: "u"}},
		{"V2 empty allocation", Metadata{Version: V2, URL: "u", Allocation: &Assignment{Version: V2, Leader: "m"}}},
		{"V2 utf8 allocation", Metadata{Version: V2, URL: "http://ホスト:8083/", ConfigOffset: math.MaxInt64, Allocation: &Assignment{
			Version: V2, Leader: "m", LeaderURL: "u", ConfigOffset: 4, Assigned: utf8Work, Revoked: tasksOnlyWork, DelayMs: 1,
		}}},
		{"V2 longest url", Metadata{Version: V2, URL: longString}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeMetadata(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeMetadata(b)
			if err != nil || !reflect.DeepEqual(got, tt.in) {
				t.Errorf("round trip = %+v, %v\nwant %+v", got, err, tt.in)
			}
		})
	}
}

// Work is a set: the same connectors and tasks give the same bytes whatever
// their order, and Java reads duplicates back as one item.
func TestEncodeWorkIsCanonical(t *testing.T) {
	tests := []struct {
		name string
		in   Work
		want Work
	}{
		{"empty slices", Work{Connectors: []string{}, Tasks: []TaskID{}}, Work{}},
		{"connectors sorted", Work{Connectors: []string{"b", "a", "コ", "a-1"}}, Work{Connectors: []string{"a", "a-1", "b", "コ"}}},
		{"tasks sorted per connector", Work{Tasks: []TaskID{{"b", 2}, {"a", 1}, {"b", 0}, {"a", 0}}}, Work{Tasks: []TaskID{{"a", 0}, {"a", 1}, {"b", 0}, {"b", 2}}}},
		{"duplicates dropped", Work{Connectors: []string{"a", "a"}, Tasks: []TaskID{{"a", 1}, {"a", 1}}}, Work{Connectors: []string{"a"}, Tasks: []TaskID{{"a", 1}}}},
		{"tasks without their connector", Work{Connectors: []string{"b"}, Tasks: []TaskID{{"a", 0}, {"b", 0}}}, Work{Connectors: []string{"b"}, Tasks: []TaskID{{"a", 0}, {"b", 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeAssignment(Assignment{Version: V1, Assigned: tt.in, Revoked: tt.in})
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeAssignment(b)
			want := Assignment{Version: V1, Assigned: tt.want, Revoked: tt.want}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("round trip = %+v, %v\nwant %+v", got, err, want)
			}
		})
	}
}

func TestEncodeEntryLayout(t *testing.T) {
	in := Assignment{Version: V0, Assigned: Work{Connectors: []string{"b", "a"}, Tasks: []TaskID{{"b", 1}, {"a", 0}, {"b", 0}}}}
	want := parseHex(t, `
		0000 0000 0000 0000 0000000000000000 # header, empty strings
		00000002                             # 2 entries, by name
		0001 61 00000002 ffffffff 00000000   # "a": [-1, 0]
		0001 62 00000003 ffffffff 00000000 00000001 # "b": [-1, 0, 1]
	`)
	got, err := EncodeAssignment(in)
	if err != nil || string(got) != string(want) {
		t.Errorf("EncodeAssignment = %x, %v\nwant %x", got, err, want)
	}
}
