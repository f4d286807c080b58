// Package sticky is the cooperative-sticky assignor of Kafka's consumer
// groups as a Java consumer leading the group runs it, for the consumer groups
// of sink tasks.
//
// A sink connector's group can hold Go and Java workers' tasks at once, and
// any of them may lead it. franz-go's own cooperative-sticky balancer is
// balanced and sticky too, but it places partitions differently from Java's
// CooperativeStickyAssignor even for a fresh group, so every change of
// leader between a Go and a Java task would move partitions that did not
// need to move. When all members subscribe to the same topics, which is the
// case for every task of one connector, this follows Java's algorithm step
// by step (AbstractStickyAssignor's constrained assignment, Kafka 3.x to
// 4.3), walking members in the order Java's HashMap does. Members with
// different subscriptions (a connector's topics changing while its old and
// new tasks overlap) fall back to franz-go's general balancer, as Java falls
// back to its general one; consumer racks are not considered.
package sticky

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/connect-sidecar/connect-sidecar/internal/javaorder"
)

// Cooperative returns the "cooperative-sticky" assignor. Its join metadata
// and assignment parsing are franz-go's, which are Java's wire formats.
func Cooperative() kgo.GroupBalancer {
	return balancer{kgo.CooperativeStickyBalancer()}
}

type balancer struct{ kgo.GroupBalancer }

func (b balancer) MemberBalancer(members []kmsg.JoinGroupResponseMember) (kgo.GroupMemberBalancer, map[string]struct{}, error) {
	cb, err := kgo.NewConsumerBalancer(b, members)
	if err != nil {
		return nil, nil, err
	}
	return cb, cb.MemberTopics(), nil
}

// Balance implements kgo.ConsumerBalancerBalance.
func (b balancer) Balance(cb *kgo.ConsumerBalancer, topics map[string]int32) kgo.IntoSyncAssignment {
	var members []member
	cb.EachMember(func(m *kmsg.JoinGroupResponseMember, meta *kmsg.ConsumerMemberMetadata) {
		members = append(members, newMember(m.MemberID, meta))
	})
	if !sameSubscriptions(members) {
		general, _, err := b.GroupBalancer.MemberBalancer(cb.Members())
		if err != nil {
			cb.SetError(err)
			return nil
		}
		into, err := general.(kgo.GroupMemberBalancerOrError).BalanceOrError(topics)
		if err != nil {
			cb.SetError(err)
		}
		return into
	}
	assignment, err := assign(members, topics)
	if err != nil {
		cb.SetError(err)
		return nil
	}
	plan := cb.NewPlan()
	cb.EachMember(func(m *kmsg.JoinGroupResponseMember, _ *kmsg.ConsumerMemberMetadata) {
		for _, tp := range assignment[m.MemberID] {
			plan.AddPartition(m, tp.Topic, tp.Partition)
		}
	})
	return plan
}

// topicPartition names one partition.
type topicPartition struct {
	Topic     string
	Partition int32
}

// member is one consumer's subscription as the leader reads it.
type member struct {
	id         string
	topics     []string // sorted
	owned      []topicPartition
	generation int32
}

// newMember reads a member's generation as Java's CooperativeStickyAssignor
// does: the subscription's own field from version 2 on, otherwise the int32
// its user data starts with, and -1 (no generation) when neither says.
func newMember(id string, meta *kmsg.ConsumerMemberMetadata) member {
	m := member{id: id, topics: slices.Sorted(slices.Values(meta.Topics)), generation: -1}
	switch {
	case meta.Version >= 2 && meta.Generation >= 0:
		m.generation = meta.Generation
	case meta.Version < 2 && len(meta.UserData) >= 4:
		m.generation = int32(binary.BigEndian.Uint32(meta.UserData))
	}
	for _, t := range meta.OwnedPartitions {
		for _, p := range t.Partitions {
			m.owned = append(m.owned, topicPartition{t.Topic, p})
		}
	}
	return m
}

func sameSubscriptions(members []member) bool {
	for _, m := range members[1:] {
		if !slices.Equal(slices.Compact(m.topics), slices.Compact(members[0].topics)) {
			return false
		}
	}
	return true
}

// errUnfilled is Java's IllegalStateException from the same checks: the
// quotas did not add up, which would be a bug in the algorithm.
var errUnfilled = errors.New("sticky: partitions and quotas do not add up")

// assign is CooperativeStickyAssignor.assign for members that all subscribe
// to the same topics: each member keeps what it owns up to its quota, the
// rest is dealt round robin in topic-partition order to the members below
// quota, and a partition that moves from one live owner to another is left
// out this round, so its owner revokes it first and the follow-up
// rebalance hands it over.
func assign(members []member, topics map[string]int32) (map[string][]topicPartition, error) {
	if len(members) == 0 {
		return nil, nil
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.id
	}
	order := javaorder.HashMap(ids)
	total := 0
	for _, n := range topics {
		total += int(max(n, 0))
	}
	owned, doublyClaimed := claims(members, order, topics, total)

	a := &assignment{
		minQuota:        total / len(members),
		maxQuota:        (total + len(members) - 1) / len(members),
		expectedOverMin: total % len(members),
		doublyClaimed:   doublyClaimed,
		maybeRevoked:    map[topicPartition]string{},
		transferring:    map[topicPartition]string{},
		byMember:        make(map[string][]topicPartition, len(members)),
		kept:            make(map[topicPartition]bool, total),
	}
	for _, i := range order {
		a.keepOwned(members[i].id, owned[members[i].id])
	}
	slices.SortFunc(a.underMin, javaorder.Compare)
	slices.SortFunc(a.exactlyMin, javaorder.Compare)
	if err := a.roundRobin(a.unassigned(topics)); err != nil {
		return nil, err
	}
	if err := a.verifyFilled(); err != nil {
		return nil, err
	}
	for tp, to := range a.transferring {
		a.byMember[to] = slices.DeleteFunc(a.byMember[to], func(x topicPartition) bool { return x == tp })
	}
	return a.byMember, nil
}

// claims settles who owns what before assigning, walking members in order
// as Java does: a claim from a newer generation beats an older one, and a
// partition claimed twice in the same generation is owned by nobody.
func claims(members []member, order []int, topics map[string]int32, total int) (map[string][]topicPartition, map[topicPartition]bool) {
	owned := make(map[string][]topicPartition, len(members))
	owner := make(map[topicPartition]int, total)
	doublyClaimed := map[topicPartition]bool{}
	for _, i := range order {
		m := members[i]
		owned[m.id] = make([]topicPartition, 0, len(m.owned))
		for _, tp := range m.owned {
			if n, ok := topics[tp.Topic]; !ok || tp.Partition < 0 || tp.Partition >= n {
				continue
			}
			j, claimed := owner[tp]
			if !claimed {
				owned[m.id] = append(owned[m.id], tp)
				owner[tp] = i
				continue
			}
			other := members[j]
			switch {
			case m.generation == other.generation:
				doublyClaimed[tp] = true
				owned[other.id] = remove(owned[other.id], tp)
				owner[tp] = i
			case m.generation > other.generation:
				owned[m.id] = append(owned[m.id], tp)
				owned[other.id] = remove(owned[other.id], tp)
				owner[tp] = i
			}
		}
	}
	return owned, doublyClaimed
}

// remove drops the first tp, as List.remove(Object) does.
func remove(list []topicPartition, tp topicPartition) []topicPartition {
	if i := slices.Index(list, tp); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// assignment is the state of Java's ConstrainedAssignmentBuilder.
type assignment struct {
	minQuota, maxQuota              int
	expectedOverMin, currentOverMin int
	underMin, exactlyMin            []string
	doublyClaimed                   map[topicPartition]bool
	maybeRevoked, transferring      map[topicPartition]string
	byMember                        map[string][]topicPartition
	kept                            map[topicPartition]bool
}

// keepOwned gives a member back what it owns, lowest partition numbers
// first, up to the quota it may still reach.
func (a *assignment) keepOwned(id string, owned []topicPartition) {
	owned = slices.DeleteFunc(slices.Clone(owned), func(tp topicPartition) bool { return a.doublyClaimed[tp] })
	slices.SortStableFunc(owned, func(x, y topicPartition) int {
		return cmp.Or(cmp.Compare(x.Partition, y.Partition), javaorder.Compare(x.Topic, y.Topic))
	})
	keep := len(owned)
	switch {
	case len(owned) < a.minQuota:
		a.underMin = append(a.underMin, id)
	case len(owned) >= a.maxQuota && a.currentOverMin < a.expectedOverMin:
		a.currentOverMin++
		if a.currentOverMin == a.expectedOverMin {
			a.exactlyMin = nil
		}
		keep = a.maxQuota
	default:
		keep = a.minQuota
		if a.currentOverMin < a.expectedOverMin {
			a.exactlyMin = append(a.exactlyMin, id)
		}
	}
	a.byMember[id] = append(make([]topicPartition, 0, a.maxQuota), owned[:keep]...)
	for _, tp := range owned[:keep] {
		a.kept[tp] = true
	}
	for _, tp := range owned[keep:] {
		a.maybeRevoked[tp] = id
	}
}

// unassigned lists the partitions nobody kept, by topic then partition.
func (a *assignment) unassigned(topics map[string]int32) []topicPartition {
	var out []topicPartition
	for _, topic := range slices.SortedFunc(maps.Keys(topics), javaorder.Compare) {
		for p := range max(topics[topic], 0) {
			if tp := (topicPartition{topic, p}); !a.kept[tp] {
				out = append(out, tp)
			}
		}
	}
	return out
}

// roundRobin deals the unassigned partitions: one each to the members below
// the minimum quota in turn, then one more each to members at the minimum
// until the expected number of them hold the maximum.
func (a *assignment) roundRobin(unassigned []topicPartition) error {
	next := 0 // the under-minimum members' cursor, as a Java iterator
	for _, tp := range unassigned {
		var id string
		switch {
		case next < len(a.underMin):
			id = a.underMin[next]
			next++
		case len(a.underMin) == 0 && len(a.exactlyMin) == 0:
			return fmt.Errorf("%w: no member left for %s-%d", errUnfilled, tp.Topic, tp.Partition)
		case len(a.underMin) == 0:
			id, a.exactlyMin = a.exactlyMin[0], a.exactlyMin[1:]
		default:
			id, next = a.underMin[0], 1
		}
		a.byMember[id] = append(a.byMember[id], tp)
		if owner, ok := a.maybeRevoked[tp]; ok && owner != id || a.doublyClaimed[tp] {
			a.transferring[tp] = id
		}
		switch len(a.byMember[id]) {
		case a.minQuota:
			next--
			a.underMin = slices.Delete(a.underMin, next, next+1)
			a.exactlyMin = append(a.exactlyMin, id)
		case a.maxQuota:
			a.currentOverMin++
		}
	}
	return nil
}

// verifyFilled is Java's check that every member left below the minimum
// actually reached it.
func (a *assignment) verifyFilled() error {
	if len(a.underMin) == 0 {
		return nil
	}
	if a.currentOverMin != a.expectedOverMin {
		return fmt.Errorf("%w: %d members above the minimum, %d expected", errUnfilled, a.currentOverMin, a.expectedOverMin)
	}
	for _, id := range a.underMin {
		if len(a.byMember[id]) != a.minQuota {
			return fmt.Errorf("%w: %s holds %d partitions, the minimum is %d", errUnfilled, id, len(a.byMember[id]), a.minQuota)
		}
	}
	return nil
}
