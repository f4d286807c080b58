package rest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestStatusOf is the error mapper's table: typed errors, also wrapped,
// to Connect's status, error_code and message.
func TestStatusOf(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		forwardable bool
		status      int
		code        int
		msg         string
	}{
		{"not found", &NotFoundError{Message: "Connector c not found"}, false, 404, 404, "Connector c not found"},
		{"wrapped not found", fmt.Errorf("reading: %w", &NotFoundError{Message: "gone"}), false, 404, 404, "gone"},
		{"exists", &AlreadyExistsError{Message: "Connector c already exists"}, true, 409, 409, "Connector c already exists"},
		{"bad request", &BadRequestError{Message: "nope"}, true, 400, 400, "nope"},
		{"conflict", &ConflictError{Message: "busy"}, true, 409, 409, "busy"},
		{"forbidden", &ForbiddenError{Message: "Topic tracking is disabled."}, false, 403, 403, "Topic tracking is disabled."},
		{"status", &StatusError{Status: 503, Message: "starting"}, false, 503, 503, "starting"},
		{"remote code", &StatusError{Status: 400, ErrorCode: 40001, Message: "remote"}, true, 400, 40001, "remote"},
		{"rebalance, forwardable", ErrRebalanceInProgress, true, 409, 409, msgStaleConfig},
		{"rebalance, wrapped", fmt.Errorf("x: %w", ErrRebalanceInProgress), true, 409, 409, msgStaleConfig},
		{"rebalance on a GET", ErrRebalanceInProgress, false, 500, 500, ErrRebalanceInProgress.Error()},
		{"not leader where not forwarded", &NotLeaderError{LeaderURL: "http://l/"}, false, 500, 500, "This worker is not the leader"},
		{"deadline", context.DeadlineExceeded, false, 500, 500, "Request timed out"},
		{"deadline with a stage", fmt.Errorf("writing to the config topic: %w", context.DeadlineExceeded), true, 500, 500,
			"Request timed out. writing to the config topic"},
		{"canceled", context.Canceled, false, 500, 500, "Request interrupted"},
		{"plain", errors.New("boom"), false, 500, 500, "boom"},
		{"invalid config", NewInvalidConfigError(ConfigInfos{ErrorCount: 2, Configs: []ConfigInfo{
			{Value: &ConfigValueInfo{Errors: []string{"a bad"}}}, {Value: &ConfigValueInfo{Errors: []string{"b bad"}}}, {}}}), true, 400, 400,
			"Connector configuration is invalid and contains the following 2 error(s):\na bad\nb bad\nYou can also find"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, code, msg := statusOf(tt.err, tt.forwardable)
			if status != tt.status || code != tt.code || !strings.HasPrefix(msg, tt.msg) {
				t.Errorf("= %d %d %q, want %d %d %q", status, code, msg, tt.status, tt.code, tt.msg)
			}
		})
	}
}

type panickyHerder struct{ *fakeHerder }

func (panickyHerder) Connectors(context.Context) ([]string, error) { panic("bug") }

// TestPanicIsA500: a panicking handler answers 500 in Connect's shape and
// the server keeps serving.
func TestPanicIsA500(t *testing.T) {
	e := newEnv(t, nil, func(p *Params) { p.Herder = panickyHerder{newFakeHerder()} })
	r := e.do("GET", "/connectors", "")
	if r.status != 500 || !strings.Contains(errorBody(t, r).Message, "the worker's log has the details") {
		t.Errorf("= %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/connectors/local-file-sink", ""); r.status != 200 {
		t.Errorf("after the panic: %d", r.status)
	}
}
