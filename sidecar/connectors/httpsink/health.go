package httpsink

import (
	"context"
	"net/http"
	"time"
)

// watchHealth checks the app's health URL at once and then every
// http.health.interval.ms, and tells the loop each answer.
func (t *sinkTask) watchHealth() {
	defer t.wg.Done()
	tick := time.NewTicker(t.cfg.healthInterval)
	defer tick.Stop()
	for {
		ok := t.healthy()
		select {
		case t.health <- ok:
		case <-t.ctx.Done():
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
func (t *sinkTask) healthy() bool {
	ctx, cancel := context.WithTimeout(t.ctx, t.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.cfg.healthURL, nil)
	if err != nil {
		return false
	}
	t.setHeaders(req.Header)
	resp, err := t.client.Do(req)
	if err != nil {
		return false
	}
	drain(resp.Body)
	return resp.StatusCode/100 == 2
}
