package kafkaclient

import (
	"context"
	"errors"
	"testing"

	"github.com/segmentio/kafka-go/sasl"
)

// twoSteps is a kafka-go mechanism with one challenge before it is done,
// which remembers the broker it was started for.
type twoSteps struct{ host *sasl.Metadata }

func (twoSteps) Name() string { return "TWO-STEPS" }

func (m *twoSteps) Start(ctx context.Context) (sasl.StateMachine, []byte, error) {
	m.host = sasl.MetadataFromContext(ctx)
	if m.host.Host == "refuse" {
		return nil, nil, errors.New("no")
	}
	return m, []byte("first"), nil
}

func (m *twoSteps) Next(_ context.Context, challenge []byte) (bool, []byte, error) {
	if string(challenge) == "more" {
		return false, []byte("second"), nil
	}
	return true, []byte("never sent"), nil
}

func TestFranzAdapter(t *testing.T) {
	m := &twoSteps{}
	a := franzAdapter{m}
	session, first, err := a.Authenticate(context.Background(), "b-1.example.com:9098")
	if err != nil || string(first) != "first" || a.Name() != "TWO-STEPS" {
		t.Fatalf("Authenticate: %q %v", first, err)
	}
	if m.host.Host != "b-1.example.com" || m.host.Port != 9098 {
		t.Errorf("the mechanism was started for %+v", m.host)
	}
	if done, resp, err := session.Challenge([]byte("more")); done || string(resp) != "second" || err != nil {
		t.Errorf("first challenge: %v %q %v", done, resp, err)
	}
	if done, resp, err := session.Challenge(nil); !done || resp != nil || err != nil {
		t.Errorf("last challenge: %v %q %v", done, resp, err)
	}
	if _, _, err := a.Authenticate(context.Background(), "refuse:1"); err == nil {
		t.Error("a mechanism that cannot start must fail Authenticate")
	}
}
