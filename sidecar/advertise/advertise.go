// Package advertise finds the address other workers reach this one at
// when rest.advertised.host.name is not set: the address the platform gave
// the task or allocation, rather than the machine's host name, which
// other tasks usually cannot resolve.
//
//   - Nomad: the port label whose NOMAD_PORT_<label> is the REST
//     listener's port gives NOMAD_HOST_IP_<label> and
//     NOMAD_HOST_PORT_<label>, the address other allocations dial.
//   - Amazon ECS: the container metadata endpoint (v4) names the task's
//     IPv4 address in awsvpc mode (Fargate, and EC2 tasks with awsvpc).
//   - Kubernetes gives the pod IP through the downward API, which the
//     deploy example puts in CONNECT_REST_ADVERTISED_HOST_NAME.
package advertise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Address is a discovered advertised address and where it came from.
type Address struct {
	Host   string
	Port   int // 0: the listener's own port
	Source string
}

// ecsMetadataEnv is set by the ECS agent in every container (v4).
const ecsMetadataEnv = "ECS_CONTAINER_METADATA_URI_V4"

// lookupTimeout bounds the one metadata request: the agent answers on a
// link-local address at once or not at all.
const lookupTimeout = 2 * time.Second

// Discover looks for the platform's address of this worker, given its
// environment (KEY=value) and the REST listener's port. ok is false when
// no platform names one; err says why a platform's answer was unusable.
func Discover(ctx context.Context, environ []string, listenerPort int, client *http.Client) (a Address, ok bool, err error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, found := strings.Cut(kv, "="); found {
			env[k] = v
		}
	}
	if a, ok, err := nomad(env, listenerPort); ok || err != nil {
		return a, ok, err
	}
	if uri := env[ecsMetadataEnv]; uri != "" {
		return ecs(ctx, uri, client)
	}
	return Address{}, false, nil
}

// nomad finds the port label mapped to the listener.
func nomad(env map[string]string, listenerPort int) (Address, bool, error) {
	var labels []string
	for k, v := range env {
		if label, found := strings.CutPrefix(k, "NOMAD_PORT_"); found && v == strconv.Itoa(listenerPort) {
			labels = append(labels, label)
		}
	}
	if len(labels) == 0 {
		return Address{}, false, nil
	}
	slices.Sort(labels)
	label := labels[0]
	host := env["NOMAD_HOST_IP_"+label]
	if host == "" {
		host = env["NOMAD_IP_"+label]
	}
	if host == "" {
		return Address{}, false, fmt.Errorf("the Nomad port label %q maps the REST port %d but NOMAD_HOST_IP_%s is not set", label, listenerPort, label)
	}
	port := 0
	if p := env["NOMAD_HOST_PORT_"+label]; p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Address{}, false, fmt.Errorf("NOMAD_HOST_PORT_%s is %q, not a port", label, p)
		}
		port = n
	}
	return Address{Host: host, Port: port, Source: "Nomad port label " + label}, true, nil
}

// ecs reads the container metadata's networks; only awsvpc gives the task
// an address of its own that other tasks can dial.
func ecs(ctx context.Context, uri string, client *http.Client) (Address, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return Address{}, false, fmt.Errorf("ECS metadata endpoint %s: %w", uri, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Address{}, false, fmt.Errorf("ECS metadata endpoint: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Address{}, false, fmt.Errorf("ECS metadata endpoint: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Address{}, false, fmt.Errorf("ECS metadata endpoint answered %s", resp.Status)
	}
	var meta struct {
		Networks []struct {
			NetworkMode   string
			IPv4Addresses []string
		}
	}
	if err := json.Unmarshal(body, &meta); err != nil {
		return Address{}, false, fmt.Errorf("ECS container metadata: %w", err)
	}
	for _, n := range meta.Networks {
		if n.NetworkMode != "awsvpc" {
			continue
		}
		for _, ip := range n.IPv4Addresses {
			if net.ParseIP(ip).To4() != nil {
				return Address{Host: ip, Source: "ECS task metadata (awsvpc)"}, true, nil
			}
		}
	}
	return Address{}, false, errors.New("ECS container metadata names no awsvpc IPv4 address (bridge and host networking give the task none of its own): set CONNECT_REST_ADVERTISED_HOST_NAME")
}
