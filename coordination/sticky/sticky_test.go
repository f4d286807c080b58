package sticky

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Java's exact placements are checked against a Java leader in
// sidecar/runtime (TestAssignorsAreJavas); these are the paths that
// comparison does not reach.

func balance(t *testing.T, members []kmsg.JoinGroupResponseMember, topics map[string]int32) map[string]map[string][]int32 {
	t.Helper()
	mb, _, err := Cooperative().MemberBalancer(members)
	if err != nil {
		t.Fatal(err)
	}
	into, err := mb.(kgo.GroupMemberBalancerOrError).BalanceOrError(topics)
	if err != nil {
		t.Fatal(err)
	}
	return into.(*kgo.BalancePlan).AsMemberIDMap()
}

// While a connector's topics change, old and new tasks subscribe to
// different topics; each topic's partitions then go only to its subscribers,
// all of them to someone.
func TestDifferentSubscriptionsGetOnlyTheirTopics(t *testing.T) {
	b := Cooperative()
	members := []kmsg.JoinGroupResponseMember{
		{MemberID: "old-0", ProtocolMetadata: b.JoinGroupMetadata([]string{"a"}, nil, -1)},
		{MemberID: "old-1", ProtocolMetadata: b.JoinGroupMetadata([]string{"a"}, nil, -1)},
		{MemberID: "new-0", ProtocolMetadata: b.JoinGroupMetadata([]string{"a", "b"}, nil, -1)},
	}
	plan := balance(t, members, map[string]int32{"a": 6, "b": 4})
	seen := map[string][]int32{}
	for id, topics := range plan {
		if len(topics["b"]) > 0 && id != "new-0" {
			t.Errorf("%s got b%v but subscribes only to a", id, topics["b"])
		}
		for topic, ps := range topics {
			seen[topic] = append(seen[topic], ps...)
		}
	}
	for topic, n := range map[string]int32{"a": 6, "b": 4} {
		if got := slices.Sorted(slices.Values(seen[topic])); len(got) != int(n) || got[n-1] != n-1 {
			t.Errorf("%s's partitions assigned: %v, want each of 0..%d once", topic, got, n-1)
		}
	}
}

// Consumers older than subscription version 2 carry their generation in the
// assignor's user data; a claim from a newer generation wins over it.
func TestGenerationFromUserDataBeforeVersion2(t *testing.T) {
	old := func(generation int32, owned ...int32) []byte {
		meta := kmsg.NewConsumerMemberMetadata()
		meta.Version = 1
		meta.Topics = []string{"t"}
		meta.OwnedPartitions = []kmsg.ConsumerMemberMetadataOwnedPartition{{Topic: "t", Partitions: owned}}
		meta.UserData = binary.BigEndian.AppendUint32(nil, uint32(generation))
		return meta.AppendTo(nil)
	}
	members := []kmsg.JoinGroupResponseMember{
		{MemberID: "stale", ProtocolMetadata: old(3, 0, 1)},
		{MemberID: "current", ProtocolMetadata: old(4, 1)},
	}
	plan := balance(t, members, map[string]int32{"t": 2})
	if got := plan["current"]["t"]; !slices.Equal(got, []int32{1}) {
		t.Errorf("the newer generation's member keeps %v, want [1]", got)
	}
	if got := plan["stale"]["t"]; !slices.Equal(got, []int32{0}) {
		t.Errorf("the older generation's member keeps %v, want [0]", got)
	}
}
