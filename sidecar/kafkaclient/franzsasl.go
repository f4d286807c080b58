package kafkaclient

import (
	"context"
	"net"
	"strconv"

	"github.com/segmentio/kafka-go/sasl"
	franzsasl "github.com/twmb/franz-go/pkg/sasl"
)

// franzAdapter lets franz-go authenticate with a kafka-go mechanism, so
// that OAUTHBEARER and AWS_MSK_IAM are written once and both clients send
// the same bytes. franz-go calls Authenticate again when it
// re-authenticates a connection (KIP-368), which takes the login's
// current token.
type franzAdapter struct{ m sasl.Mechanism }

func (a franzAdapter) Name() string { return a.m.Name() }

func (a franzAdapter) Authenticate(ctx context.Context, addr string) (franzsasl.Session, []byte, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	n, _ := strconv.Atoi(port)
	ctx = sasl.WithMetadata(ctx, &sasl.Metadata{Host: host, Port: n})
	sm, first, err := a.m.Start(ctx)
	if err != nil {
		return nil, nil, err
	}
	return franzSession{ctx: ctx, sm: sm}, first, nil
}

// franzSession keeps the context franz-go gave Authenticate, which it
// says lasts for the session.
type franzSession struct {
	ctx context.Context
	sm  sasl.StateMachine
}

func (s franzSession) Challenge(challenge []byte) (bool, []byte, error) {
	done, resp, err := s.sm.Next(s.ctx, challenge)
	if done {
		// kafka-go sends nothing more once a mechanism is done; franz-go
		// would send a last message.
		resp = nil
	}
	return done, resp, err
}
