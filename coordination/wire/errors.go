package wire

import "fmt"

// DecodeError reports bytes that cannot be read as a Connect group-protocol
// message. Java's readers refuse the same inputs, so a DecodeError means the
// peer sent something no Connect worker could parse.
type DecodeError struct {
	Message string // what was being decoded: "metadata" or "assignment"
	// Field is the path of the field that failed, e.g. "leaderUrl",
	// "revoked[2].tasks" or, inside metadata, "allocation.leader".
	Field string
	// Offset is the byte offset at which Field starts, counted from the start
	// of the outermost buffer (also for fields inside the allocation).
	Offset int
	Reason string // what was wrong
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("wire: decode %s: field %s at byte %d: %s", e.Message, e.Field, e.Offset, e.Reason)
}
