package coordination

import (
	"github.com/segmentio/kafka-go/protocol"
	// Imported for their init, which registers the types replaced below;
	// ours must be registered after theirs.
	_ "github.com/segmentio/kafka-go/protocol/heartbeat"
	_ "github.com/segmentio/kafka-go/protocol/leavegroup"
)

// kafka-go v0.4.51 declares Heartbeat and LeaveGroup responses with
// ErrorCode before ThrottleTimeMs, the reverse of Kafka's schema, so from v1
// on every error (ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, ...) decodes as
// a throttle time and the error reads as 0; its Heartbeat request also does
// not name its group, so it is not routed to the coordinator, and its v4
// strings are not compact. These types follow Kafka's schemas
// (HeartbeatRequest/Response.json, LeaveGroupRequest/Response.json) and
// replace kafka-go's registrations for the whole process. kafka-go's own
// consumer groups use separate types and are not affected.
func init() {
	protocol.Register(&heartbeatRequest{}, &heartbeatResponse{})
	protocol.Register(&leaveGroupRequest{}, &leaveGroupResponse{})
}

type heartbeatRequest struct {
	_ struct{} `kafka:"min=v4,max=v4,tag"`

	GroupID         string `kafka:"min=v0,max=v3|min=v4,max=v4,compact"`
	GenerationID    int32  `kafka:"min=v0,max=v4"`
	MemberID        string `kafka:"min=v0,max=v3|min=v4,max=v4,compact"`
	GroupInstanceID string `kafka:"min=v3,max=v3,nullable|min=v4,max=v4,nullable,compact"`
}

func (r *heartbeatRequest) ApiKey() protocol.ApiKey { return protocol.Heartbeat }
func (r *heartbeatRequest) Group() string           { return r.GroupID }

type heartbeatResponse struct {
	_ struct{} `kafka:"min=v4,max=v4,tag"`

	ThrottleTimeMs int32 `kafka:"min=v1,max=v4"`
	ErrorCode      int16 `kafka:"min=v0,max=v4"`
}

func (r *heartbeatResponse) ApiKey() protocol.ApiKey { return protocol.Heartbeat }

type leaveGroupRequest struct {
	_ struct{} `kafka:"min=v4,max=v4,tag"`

	GroupID  string             `kafka:"min=v0,max=v3|min=v4,max=v4,compact"`
	MemberID string             `kafka:"min=v0,max=v2"`
	Members  []leaveGroupMember `kafka:"min=v3,max=v4"`
}

type leaveGroupMember struct {
	_ struct{} `kafka:"min=v4,max=v4,tag"`

	MemberID        string `kafka:"min=v3,max=v3|min=v4,max=v4,compact"`
	GroupInstanceID string `kafka:"min=v3,max=v3,nullable|min=v4,max=v4,nullable,compact"`
}

func (r *leaveGroupRequest) ApiKey() protocol.ApiKey { return protocol.LeaveGroup }
func (r *leaveGroupRequest) Group() string           { return r.GroupID }

// Prepare fills the field of the version the broker speaks: one member id
// up to v2, a member list from v3.
func (r *leaveGroupRequest) Prepare(apiVersion int16) {
	if apiVersion < 3 && len(r.Members) > 0 {
		r.MemberID = r.Members[0].MemberID
	}
}

type leaveGroupResponse struct {
	_ struct{} `kafka:"min=v4,max=v4,tag"`

	ThrottleTimeMs int32                    `kafka:"min=v1,max=v4"`
	ErrorCode      int16                    `kafka:"min=v0,max=v4"`
	Members        []leaveGroupMemberResult `kafka:"min=v3,max=v4"`
}

type leaveGroupMemberResult struct {
	_ struct{} `kafka:"min=v4,max=v4,tag"`

	MemberID        string `kafka:"min=v3,max=v3|min=v4,max=v4,compact"`
	GroupInstanceID string `kafka:"min=v3,max=v3,nullable|min=v4,max=v4,nullable,compact"`
	ErrorCode       int16  `kafka:"min=v3,max=v4"`
}

func (r *leaveGroupResponse) ApiKey() protocol.ApiKey { return protocol.LeaveGroup }
