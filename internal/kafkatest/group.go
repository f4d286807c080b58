package kafkatest

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// GroupMember is a consumer group member as DescribeGroups shows it.
type GroupMember struct {
	ID, ClientID string
	Partitions   map[string][]int32 // assigned, by topic
}

// ConsumerGroup describes a classic consumer group: its state and members
// with their assignments. kafka-go cannot read the member metadata that
// cooperative consumers (franz-go's, Java's) send, so this asks with
// franz-go's messages.
func (b *Broker) ConsumerGroup(group string) (state string, members []GroupMember, err error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr))
	if err != nil {
		return "", nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = []string{group}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return "", nil, err
	}
	if len(resp.Groups) != 1 {
		return "", nil, fmt.Errorf("describing %s: %d groups in the answer", group, len(resp.Groups))
	}
	g := resp.Groups[0]
	if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
		return "", nil, fmt.Errorf("describing %s: %w", group, err)
	}
	for _, m := range g.Members {
		member := GroupMember{ID: m.MemberID, ClientID: m.ClientID, Partitions: map[string][]int32{}}
		if len(m.MemberAssignment) > 0 {
			var a kmsg.ConsumerMemberAssignment
			if err := a.ReadFrom(m.MemberAssignment); err != nil {
				return "", nil, fmt.Errorf("the assignment of %s in %s: %w", m.MemberID, group, err)
			}
			for _, tp := range a.Topics {
				member.Partitions[tp.Topic] = tp.Partitions
			}
		}
		members = append(members, member)
	}
	return g.State, members, nil
}

// StableGroup is ConsumerGroup for a group that must be Stable with the
// given number of members: anything else is an error, for Eventually.
func (b *Broker) StableGroup(group string, members int) ([]GroupMember, error) {
	state, ms, err := b.ConsumerGroup(group)
	if err != nil {
		return nil, err
	}
	if state != "Stable" || len(ms) != members {
		return nil, fmt.Errorf("group %s is %s with %d members, want Stable with %d", group, state, len(ms), members)
	}
	return ms, nil
}
