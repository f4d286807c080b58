package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// assign runs a classic-protocol assignor as a group's leader runs it:
// each member's join metadata made from what it owns, then the plan.
func assign(t testing.TB, b kgo.GroupBalancer, owned map[string]map[string][]int32, topics map[string]int32, generation int32) map[string]map[string][]int32 {
	interests := slices.Sorted(func(yield func(string) bool) {
		for topic := range topics {
			if !yield(topic) {
				return
			}
		}
	})
	var members []kmsg.JoinGroupResponseMember
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range owned {
			if !yield(id) {
				return
			}
		}
	}) {
		members = append(members, kmsg.JoinGroupResponseMember{MemberID: id, ProtocolMetadata: b.JoinGroupMetadata(interests, owned[id], generation)})
	}
	mb, _, err := b.MemberBalancer(members)
	if err != nil {
		t.Fatal(err)
	}
	var into kgo.IntoSyncAssignment
	if be, ok := mb.(kgo.GroupMemberBalancerOrError); ok {
		if into, err = be.BalanceOrError(topics); err != nil {
			t.Fatal(err)
		}
	} else {
		into = mb.Balance(topics)
	}
	plan, ok := into.(*kgo.BalancePlan)
	if !ok {
		t.Fatal("the assignor returned no BalancePlan")
	}
	return plan.AsMemberIDMap()
}

// javaRange is Java's RangeAssignor: per topic, members sorted by id, each
// gets partitions/members consecutive partitions and the first
// partitions%members one more.
func javaRange(members []string, topics map[string]int32) map[string]map[string][]int32 {
	out := map[string]map[string][]int32{}
	sorted := slices.Sorted(slices.Values(members))
	for _, m := range sorted {
		out[m] = map[string][]int32{}
	}
	for topic, n := range topics {
		per, extra := int(n)/len(sorted), int(n)%len(sorted)
		next := int32(0)
		for i, m := range sorted {
			take := per
			if i < extra {
				take++
			}
			for range take {
				out[m][topic] = append(out[m][topic], next)
				next++
			}
		}
	}
	return out
}

// The range assignor places partitions exactly as Java's does, so a group
// led by either kind of member ends up the same.
func TestRangeAssignorIsJavas(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		members := map[string]map[string][]int32{}
		var ids []string
		for i := range 1 + r.IntN(12) {
			id := fmt.Sprintf("connector-consumer-c-%d-%08x", i, r.Uint32())
			ids = append(ids, id)
			members[id] = nil
		}
		topics := map[string]int32{}
		for i := range 1 + r.IntN(3) {
			topics[fmt.Sprintf("t%d", i)] = int32(1 + r.IntN(40))
		}
		got := assign(t, kgo.RangeBalancer(), members, topics, -1)
		want := javaRange(ids, topics)
		for _, id := range ids {
			for topic := range topics {
				if !slices.Equal(got[id][topic], want[id][topic]) {
					t.Fatalf("%d members, topics %v: %s gets %s %v, Java's range gives %v", len(ids), topics, id, topic, got[id][topic], want[id][topic])
				}
			}
		}
	}
}

// BenchmarkConsumerAssignor is the sink group's default assignor,
// cooperative-sticky, leading a group of 100 sink tasks over 1,000
// partitions: the first assignment, and the rebalance when one more task
// joins a balanced group.
func BenchmarkConsumerAssignor(b *testing.B) {
	const members, partitions = 100, 1000
	topics := map[string]int32{"orders": partitions}
	fresh := map[string]map[string][]int32{}
	for i := range members {
		fresh[fmt.Sprintf("m%03d", i)] = nil
	}
	balanced := assign(b, kgo.CooperativeStickyBalancer(), fresh, topics, 1)
	joined := map[string]map[string][]int32{"m100": nil}
	for id, owned := range balanced {
		joined[id] = owned
	}
	for _, bc := range []struct {
		name  string
		owned map[string]map[string][]int32
	}{{"first", fresh}, {"join", joined}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				assign(b, kgo.CooperativeStickyBalancer(), bc.owned, topics, 2)
			}
		})
	}
}
