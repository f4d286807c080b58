package coordination

import (
	"context"
	"fmt"
	"net"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/joingroup"
	"github.com/segmentio/kafka-go/protocol/syncgroup"
)

// protocolType is what Connect workers call their group protocol; the
// broker refuses members of a group that mix it with "consumer".
const protocolType = "connect"

// groupClient sends the classic group requests for one group through a
// kafka-go Transport, which finds the coordinator for each request.
type groupClient struct {
	rt      roundTripper
	addr    net.Addr
	groupID string
}

type roundTripper interface {
	RoundTrip(ctx context.Context, addr net.Addr, req protocol.Message) (protocol.Message, error)
}

type joinResult struct {
	memberID   string
	generation int32
	leaderID   string
	protocol   string
	members    []joingroup.ResponseMember
}

// errorFor turns a response error code into a kafka.Error, nil for 0.
func errorFor(code int16) error {
	if code == 0 {
		return nil
	}
	return kafka.Error(code)
}

func (g *groupClient) join(ctx context.Context, memberID string, session, rebalance int32, protocols []joingroup.RequestProtocol) (joinResult, error) {
	resp, err := g.rt.RoundTrip(ctx, g.addr, &joingroup.Request{
		GroupID:            g.groupID,
		SessionTimeoutMS:   session,
		RebalanceTimeoutMS: rebalance,
		MemberID:           memberID,
		ProtocolType:       protocolType,
		Protocols:          protocols,
	})
	if err != nil {
		return joinResult{}, fmt.Errorf("join group: %w", err)
	}
	r := resp.(*joingroup.Response)
	res := joinResult{memberID: r.MemberID, generation: r.GenerationID, leaderID: r.LeaderID, protocol: r.ProtocolName, members: r.Members}
	return res, errorFor(r.ErrorCode)
}

func (g *groupClient) sync(ctx context.Context, memberID string, generation int32, protocolName string, assignments []syncgroup.RequestAssignment) ([]byte, error) {
	resp, err := g.rt.RoundTrip(ctx, g.addr, &syncgroup.Request{
		GroupID:      g.groupID,
		GenerationID: generation,
		MemberID:     memberID,
		ProtocolType: protocolType,
		ProtocolName: protocolName,
		Assignments:  assignments,
	})
	if err != nil {
		return nil, fmt.Errorf("sync group: %w", err)
	}
	r := resp.(*syncgroup.Response)
	return r.Assignments, errorFor(r.ErrorCode)
}

func (g *groupClient) heartbeat(ctx context.Context, memberID string, generation int32) error {
	resp, err := g.rt.RoundTrip(ctx, g.addr, &heartbeatRequest{GroupID: g.groupID, GenerationID: generation, MemberID: memberID})
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return errorFor(resp.(*heartbeatResponse).ErrorCode)
}

func (g *groupClient) leave(ctx context.Context, memberID string) error {
	resp, err := g.rt.RoundTrip(ctx, g.addr, &leaveGroupRequest{GroupID: g.groupID, Members: []leaveGroupMember{{MemberID: memberID}}})
	if err != nil {
		return fmt.Errorf("leave group: %w", err)
	}
	r := resp.(*leaveGroupResponse)
	if err := errorFor(r.ErrorCode); err != nil {
		return err
	}
	for _, m := range r.Members {
		if err := errorFor(m.ErrorCode); err != nil {
			return err
		}
	}
	return nil
}
