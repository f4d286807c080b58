package herder

import (
	"context"

	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

func (a *API) LoggerLevels(context.Context) (map[string]rest.LoggerLevel, error) {
	return nil, errNotYet("Logger levels")
}

func (a *API) LoggerLevel(context.Context, string) (*rest.LoggerLevel, error) {
	return nil, errNotYet("Logger levels")
}

func (a *API) SetWorkerLoggerLevel(context.Context, string, string) ([]string, error) {
	return nil, errNotYet("Setting logger levels")
}

func (a *API) SetClusterLoggerLevel(context.Context, string, string) error {
	return errNotYet("Setting logger levels")
}
