package sidecar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/health"
	"github.com/connect-sidecar/connect-sidecar/sidecar/rest"
)

// declared writes the connectors of SIDECAR_CONNECTORS and
// SIDECAR_CONNECTORS_FILE once the worker has joined its group, the way
// PUT /connectors/{name}/config writes them: the herder validates the
// config and writes it if this worker leads, else the request goes to the
// leader with this worker's credentials.
//
// A config equal to the config topic's is not written again, so replicas
// that restart with the same declaration add no records. (Workers that
// start at the same moment with a new config may each write it: the leader
// writes whatever it is sent, as Connect's PUT does.) A config the
// plugin refuses (400) is logged with the plugin's messages and named in
// /health's message, and the worker runs on: retrying cannot fix it, and
// failing the pod would take the app beside it down for a connector's
// sake. Everything else (409 during rebalances, a leader that does not
// answer, credentials that differ while workers roll) is retried until it
// works or the worker stops. /ready waits until every declared connector
// was written, found unchanged or refused.
//
// Declarations are applied at start only: a later REST change stands
// until a worker starts again with its declaration, and a connector
// dropped from the declaration is not deleted.
type declared struct {
	connectors []config.Connector
	leader     leaderWriter
	health     *health.State
	log        *slog.Logger
	release    func() // lets /ready through
}

// configWriter is the part of the herder's REST view declared connectors
// go through.
type configWriter interface {
	ConnectorConfig(ctx context.Context, name string) (map[string]string, error)
	PutConnectorConfig(ctx context.Context, name string, config map[string]string, initial rest.TargetState, allowReplace bool) (rest.ConnectorInfo, bool, error)
}

// leaderWriter sends a config to the leader when this worker does not
// lead; *rest.Client does.
type leaderWriter interface {
	PutConnectorConfig(ctx context.Context, workerURL, name string, config map[string]string) (bool, error)
}

// newDeclared holds /ready back from now on when there is anything to
// write, so readiness cannot come and go before run starts.
func newDeclared(cs []config.Connector, leader leaderWriter, h *health.State, log *slog.Logger) *declared {
	d := &declared{connectors: cs, leader: leader, health: h, log: log.With("component", "declared-connectors"), release: func() {}}
	if len(cs) > 0 {
		d.release = h.Hold(fmt.Sprintf("%d declared connector(s) to be written", len(cs)))
	}
	return d
}

// run writes the declared connectors once startup has completed (the
// worker has joined the group, so a leader is known), then releases
// readiness. It returns early when ctx ends.
func (d *declared) run(ctx context.Context, api configWriter) {
	if len(d.connectors) == 0 {
		return
	}
	select {
	case <-d.health.Running():
	case <-ctx.Done():
		return
	}
	for _, c := range d.connectors {
		_, err := retry(ctx, d.log, "writing declared connector "+c.Name, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, d.put(ctx, api, c)
		})
		var p *permanent
		switch {
		case errors.As(err, &p):
			msgs := messages(p.err)
			d.log.Error("declared connector refused; it keeps its previous config, if any",
				"connector", c.Name, "source", c.Source, "errors", msgs)
			d.health.Notice("declared/"+c.Name, fmt.Sprintf("Declared connector %s (from %s) was refused: %s.", c.Name, c.Source, strings.TrimSuffix(strings.Join(msgs, "; "), ".")))
		case err != nil:
			return
		}
	}
	d.release()
}

// put writes c unless the config topic already holds it; a refusal that
// retrying cannot change comes back as *permanent.
func (d *declared) put(ctx context.Context, api configWriter, c config.Connector) error {
	if current, err := api.ConnectorConfig(ctx, c.Name); err == nil && maps.Equal(current, c.Config) {
		d.log.Info("declared connector unchanged", "connector", c.Name, "source", c.Source)
		return nil
	}
	_, created, err := api.PutConnectorConfig(ctx, c.Name, maps.Clone(c.Config), "", true)
	var nl *rest.NotLeaderError
	if errors.As(err, &nl) {
		created, err = d.leader.PutConnectorConfig(ctx, nl.LeaderURL, c.Name, c.Config)
	}
	if err != nil {
		if refused(err) {
			return &permanent{err}
		}
		return err
	}
	what := "declared connector updated"
	if created {
		what = "declared connector created"
	}
	d.log.Info(what, "connector", c.Name, "source", c.Source)
	return nil
}

// refused reports an answer about the config itself: 400 (the plugin's
// validation) or another 4xx about the request. Credentials (401, 403),
// conflicts (409) and throttling change as the cluster's workers roll,
// so they are retried.
func refused(err error) bool {
	var bad *rest.BadRequestError
	if errors.As(err, &bad) {
		return true
	}
	var se *rest.StatusError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusConflict, http.StatusTooManyRequests:
		return false
	}
	return se.Status >= 400 && se.Status < 500
}

// messages are a refusal's single messages: the plugin's validation
// errors when known, else the lines of the answer.
func messages(err error) []string {
	var bad *rest.BadRequestError
	if errors.As(err, &bad) && len(bad.Errors) > 0 {
		return bad.Errors
	}
	return strings.Split(err.Error(), "\n")
}
