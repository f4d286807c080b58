package herder

import (
	"context"

	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

func (a *API) ConnectorOffsets(context.Context, string) (rest.ConnectorOffsets, error) {
	return rest.ConnectorOffsets{}, errNotYet("Reading connector offsets")
}

func (a *API) AlterConnectorOffsets(context.Context, string, []rest.ConnectorOffset) (rest.Message, error) {
	return rest.Message{}, errNotYet("Altering connector offsets")
}

func (a *API) ResetConnectorOffsets(context.Context, string) (rest.Message, error) {
	return rest.Message{}, errNotYet("Resetting connector offsets")
}
