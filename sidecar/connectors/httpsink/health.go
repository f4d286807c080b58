package httpsink

import (
	"context"
	"net/http"
	"time"
)

// healthCheck is one answer of the health URL: ok, or refused by the
// egress policy, which fails the task: a check that can never be made
// would otherwise hold deliveries back silently, forever.
type healthCheck struct {
	ok      bool
	refused error
}

// watchHealth checks the app's health URL at once and then every
// http.health.interval.ms, and tells the loop each answer, until one is
// refused.
func (t *sinkTask) watchHealth() {
	defer t.wg.Done()
	tick := time.NewTicker(t.cfg.healthInterval)
	defer tick.Stop()
	for {
		h := t.healthy()
		select {
		case t.health <- h:
		case <-t.ctx.Done():
			return
		}
		if h.refused != nil {
			return
		}
		select {
		case <-tick.C:
		case <-t.ctx.Done():
			return
		}
	}
}

// healthy GETs the health URL, with the same headers as deliveries (an app
// may guard every path with the same credentials); 2xx is healthy.
func (t *sinkTask) healthy() healthCheck {
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.cfg.healthURL, nil)
	if err != nil {
		return healthCheck{}
	}
	t.setHeaders(req.Header)
	resp, err := t.client.Do(req)
	if refused(err) {
		return healthCheck{refused: err}
	}
	if err != nil {
		return healthCheck{}
	}
	drain(resp.Body)
	return healthCheck{ok: resp.StatusCode/100 == 2}
}
