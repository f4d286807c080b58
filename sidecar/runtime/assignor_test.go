package runtime

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
)

// A groupMember is one consumer in a rebalance as the group's leader sees
// it: what it subscribes to, what it owned and in which generation.
type groupMember struct {
	id         string
	generation int32
	owned      map[string][]int32
	topics     []string
}

// A rebalance is one assignor run: the topics' partition counts and the
// members sorted by id.
type rebalance struct {
	name, assignor string
	topics         map[string]int32
	members        []groupMember
}

// assign runs a classic-protocol assignor as a group's leader runs it: each
// member's join metadata made from what it owns, then the plan.
func assign(t testing.TB, b kgo.GroupBalancer, r rebalance) map[string]map[string][]int32 {
	var members []kmsg.JoinGroupResponseMember
	for _, m := range r.members {
		members = append(members, kmsg.JoinGroupResponseMember{MemberID: m.id, ProtocolMetadata: b.JoinGroupMetadata(m.topics, m.owned, m.generation)})
	}
	mb, _, err := b.MemberBalancer(members)
	if err != nil {
		t.Fatal(err)
	}
	var into kgo.IntoSyncAssignment
	if be, ok := mb.(kgo.GroupMemberBalancerOrError); ok {
		if into, err = be.BalanceOrError(r.topics); err != nil {
			t.Fatal(err)
		}
	} else {
		into = mb.Balance(r.topics)
	}
	plan, ok := into.(*kgo.BalancePlan)
	if !ok {
		t.Fatal("the assignor returned no BalancePlan")
	}
	return plan.AsMemberIDMap()
}

var writeRebalances = flag.Bool("write-rebalances", false, "rewrite testdata/assignor-scenarios.txt")

// The sink group's assignors hand out exactly what Java's RangeAssignor and
// CooperativeStickyAssignor (Kafka 4.3.1) hand out for the same rebalance,
// so a group led by a Go worker ends up as one led by a Java worker would.
// assignor-expected.txt is written by testdata/javaassignor/AssignorHarness.
func TestAssignorsAreJavas(t *testing.T) {
	if *writeRebalances {
		var out strings.Builder
		for _, r := range rebalances() {
			out.WriteString(r.String())
		}
		if err := os.WriteFile("testdata/assignor-scenarios.txt", []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("rebalances rewritten; rerun AssignorHarness for assignor-expected.txt")
	}
	rs := readRebalances(t, "testdata/assignor-scenarios.txt")
	want := readAssignments(t, "testdata/assignor-expected.txt")
	if len(want) != len(rs) {
		t.Fatalf("%d rebalances, Java's answers for %d", len(rs), len(want))
	}
	for i, r := range rs {
		b, err := groupBalancer(r.assignor)
		if err != nil {
			t.Fatal(err)
		}
		got := assign(t, b, r)
		for _, m := range r.members {
			if g, w := formatOwned(got[m.id]), want[i][m.id]; g != w {
				t.Errorf("%s: %s gets %s, from a Java leader %s", r.name, m.id, g, w)
			}
		}
	}
}

// groupBalancer is the sink consumer's assignor for a protocol name.
func groupBalancer(name string) (kgo.GroupBalancer, error) {
	_, bs, err := groupProtocol(configdef.Props{"partition.assignment.strategy": name})
	if err != nil {
		return nil, err
	}
	return bs[0], nil
}

// rebalances are the cases compared with Java, from fixed seeds: fresh
// groups, a balanced group that members join or leave, members that own
// arbitrary partitions, and members of an older generation that still claim
// partitions others own now.
func rebalances() []rebalance {
	r := rand.New(rand.NewPCG(14, 848))
	var out []rebalance
	newRebalance := func(kind, assignor string, members int) rebalance {
		rb := rebalance{name: fmt.Sprintf("%s-%d", kind, len(out)), assignor: assignor, topics: map[string]int32{}}
		for i := range 1 + r.IntN(3) {
			rb.topics[fmt.Sprintf("t%d", i)] = int32(1 + r.IntN(40))
		}
		topics := slices.Sorted(mapsKeys(rb.topics))
		for i := range members {
			rb.members = append(rb.members, groupMember{id: fmt.Sprintf("connector-consumer-c-%d-%08x", i, r.Uint32()), generation: -1, topics: topics})
		}
		return rb
	}
	// deal gives every partition to a member, round robin in random order,
	// as a stable group that has been balanced before holds them.
	deal := func(rb rebalance, generation int32) {
		var all []kmsg.ConsumerMemberMetadataOwnedPartition
		for _, topic := range slices.Sorted(mapsKeys(rb.topics)) {
			for p := range rb.topics[topic] {
				all = append(all, kmsg.ConsumerMemberMetadataOwnedPartition{Topic: topic, Partitions: []int32{p}})
			}
		}
		r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		for i := range rb.members {
			rb.members[i].generation = generation
			rb.members[i].owned = map[string][]int32{}
		}
		for i, tp := range all {
			m := &rb.members[i%len(rb.members)]
			m.owned[tp.Topic] = append(m.owned[tp.Topic], tp.Partitions[0])
		}
	}
	for range 60 {
		out = append(out, newRebalance("range", "range", 1+r.IntN(12)))
	}
	const sticky = "cooperative-sticky"
	for range 30 {
		out = append(out, newRebalance("fresh", sticky, 1+r.IntN(12)))
	}
	for range 40 {
		joiners := 1 + r.IntN(3)
		rb := newRebalance("join", sticky, 1+r.IntN(10)+joiners)
		newcomers := rb.members[len(rb.members)-joiners:]
		rb.members = rb.members[:len(rb.members)-joiners]
		deal(rb, 1+r.Int32N(20))
		rb.members = append(rb.members, newcomers...)
		out = append(out, rb)
	}
	for range 40 {
		leavers := 1 + r.IntN(3)
		rb := newRebalance("leave", sticky, 1+r.IntN(10)+leavers)
		deal(rb, 1+r.Int32N(20))
		rb.members = rb.members[leavers:]
		out = append(out, rb)
	}
	for range 40 {
		rb := newRebalance("scattered", sticky, 1+r.IntN(12))
		generation := 1 + r.Int32N(20)
		for i := range rb.members {
			rb.members[i].generation, rb.members[i].owned = generation, map[string][]int32{}
		}
		for topic, n := range rb.topics {
			for p := range n {
				if i := r.IntN(len(rb.members) + 1); i < len(rb.members) {
					rb.members[i].owned[topic] = append(rb.members[i].owned[topic], p)
				}
			}
		}
		out = append(out, rb)
	}
	for range 30 {
		rb := newRebalance("stale", sticky, 2+r.IntN(10))
		deal(rb, 2+r.Int32N(20))
		for i := range rb.members {
			if r.IntN(3) > 0 {
				continue
			}
			// This member missed the last rebalance: it still claims some
			// partitions it had a generation earlier.
			m := &rb.members[i]
			m.generation--
			for topic, n := range rb.topics {
				for p := range n {
					if r.IntN(4) == 0 && !slices.Contains(m.owned[topic], p) {
						m.owned[topic] = append(m.owned[topic], p)
					}
				}
			}
		}
		out = append(out, rb)
	}
	// Groups of more than 12 members: Java's HashMap of them has grown
	// past its first 16 buckets, which changes the order it walks them in.
	for range 20 {
		joiners := r.IntN(3)
		rb := newRebalance("large", sticky, 13+r.IntN(50)+joiners)
		for topic := range rb.topics {
			rb.topics[topic] = int32(1 + r.IntN(200))
		}
		newcomers := rb.members[len(rb.members)-joiners:]
		rb.members = rb.members[:len(rb.members)-joiners]
		deal(rb, 1+r.Int32N(20))
		rb.members = append(rb.members[r.IntN(3):], newcomers...)
		out = append(out, rb)
	}
	for i := range out {
		slices.SortFunc(out[i].members, func(a, b groupMember) int { return strings.Compare(a.id, b.id) })
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// String is the rebalance in the harness's input format:
//
//	scenario <name> <range|cooperative-sticky>
//	topic <name> <partitions>
//	member <id> <generation> <owned topic-partition,… | -> <topic,…>
//	end
func (r rebalance) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s %s\n", r.name, r.assignor)
	for _, topic := range slices.Sorted(mapsKeys(r.topics)) {
		fmt.Fprintf(&b, "topic %s %d\n", topic, r.topics[topic])
	}
	for _, m := range r.members {
		fmt.Fprintf(&b, "member %s %d %s %s\n", m.id, m.generation, formatOwned(m.owned), strings.Join(m.topics, ","))
	}
	b.WriteString("end\n")
	return b.String()
}

// formatOwned writes partitions as Java's TopicPartition.toString, sorted.
func formatOwned(owned map[string][]int32) string {
	var tps []string
	for _, topic := range slices.Sorted(mapsKeys(owned)) {
		for _, p := range slices.Sorted(slices.Values(owned[topic])) {
			tps = append(tps, topic+"-"+strconv.Itoa(int(p)))
		}
	}
	if len(tps) == 0 {
		return "-"
	}
	return strings.Join(tps, ",")
}

func parseOwned(t testing.TB, s string) map[string][]int32 {
	owned := map[string][]int32{}
	if s == "-" {
		return owned
	}
	for _, tp := range strings.Split(s, ",") {
		dash := strings.LastIndexByte(tp, '-')
		p, err := strconv.Atoi(tp[dash+1:])
		if err != nil {
			t.Fatalf("partition %q: %v", tp, err)
		}
		owned[tp[:dash]] = append(owned[tp[:dash]], int32(p))
	}
	return owned
}

func readRebalances(t testing.TB, path string) []rebalance {
	var out []rebalance
	eachLine(t, path, func(f []string) {
		switch f[0] {
		case "scenario":
			out = append(out, rebalance{name: f[1], assignor: f[2], topics: map[string]int32{}})
		case "topic":
			n, err := strconv.Atoi(f[2])
			if err != nil {
				t.Fatal(err)
			}
			out[len(out)-1].topics[f[1]] = int32(n)
		case "member":
			g, err := strconv.Atoi(f[2])
			if err != nil {
				t.Fatal(err)
			}
			r := &out[len(out)-1]
			r.members = append(r.members, groupMember{id: f[1], generation: int32(g), owned: parseOwned(t, f[3]), topics: strings.Split(f[4], ",")})
		}
	})
	return out
}

// readAssignments reads the harness's output: per rebalance, each member's
// assignment in formatOwned's form.
func readAssignments(t testing.TB, path string) []map[string]string {
	var out []map[string]string
	eachLine(t, path, func(f []string) {
		switch f[0] {
		case "scenario":
			out = append(out, map[string]string{})
		case "member":
			out[len(out)-1][f[1]] = f[2]
		}
	})
	return out
}

func eachLine(t testing.TB, path string, line func([]string)) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 {
			line(fields)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkConsumerAssignor is the sink group's default assignor,
// cooperative-sticky, leading a group of 100 sink tasks over 1,000
// partitions: the first assignment, and the rebalance when one more task
// joins a balanced group.
func BenchmarkConsumerAssignor(b *testing.B) {
	const members, partitions = 100, 1000
	fresh := rebalance{topics: map[string]int32{"orders": partitions}}
	for i := range members {
		fresh.members = append(fresh.members, groupMember{id: fmt.Sprintf("m%03d", i), generation: -1, topics: []string{"orders"}})
	}
	cooperative, err := groupBalancer("cooperative-sticky")
	if err != nil {
		b.Fatal(err)
	}
	balanced := assign(b, cooperative, fresh)
	joined := rebalance{topics: fresh.topics}
	for _, m := range fresh.members {
		joined.members = append(joined.members, groupMember{id: m.id, generation: 1, owned: balanced[m.id], topics: m.topics})
	}
	joined.members = append(joined.members, groupMember{id: "m100", generation: -1, topics: []string{"orders"}})
	for _, bc := range []struct {
		name string
		r    rebalance
	}{{"first", fresh}, {"join", joined}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				assign(b, cooperative, bc.r)
			}
		})
	}
}
