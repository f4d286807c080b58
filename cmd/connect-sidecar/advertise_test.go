package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// Without CONNECT_REST_ADVERTISED_HOST_NAME, a worker in a Nomad
// allocation advertises the host address and port Nomad mapped to its REST
// port, which is what other allocations dial, and says so in its log.
func TestWorkerAdvertisesNomadsAddress(t *testing.T) {
	b := kafkatest.Start(t)
	port, mapped := freeTCPPort(t), freeTCPPort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	w := kafkatest.StartCommand(t, url, []string{
		"CONNECT_BOOTSTRAP_SERVERS=" + b.Addr,
		"CONNECT_GROUP_ID=" + kafkatest.Name(t, "g"),
		"CONNECT_LISTENERS=" + url,
		"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1", "CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1", "CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
		"NOMAD_PORT_rest=" + strconv.Itoa(port), "NOMAD_HOST_IP_rest=127.0.0.1", "NOMAD_HOST_PORT_rest=" + strconv.Itoa(mapped),
	}, "run")
	w.WaitHealthy(t, time.Minute)
	want := "127.0.0.1:" + strconv.Itoa(mapped)
	code, body, err := w.Do(http.MethodPut, "/connectors/gen/config", `{"connector.class":"DatagenConnector","tasks.max":"1","topic":"advertised","rate":"1"}`)
	if err != nil || code >= 300 {
		t.Fatalf("PUT: %d %s %v", code, body, err)
	}
	kafkatest.Eventually(t, time.Minute, func() error {
		_, body, err := w.Get("/connectors/gen/status")
		if err != nil {
			return err
		}
		var st struct {
			Connector struct {
				WorkerID string `json:"worker_id"`
			} `json:"connector"`
		}
		if err := json.Unmarshal([]byte(body), &st); err != nil || st.Connector.WorkerID != want {
			return fmt.Errorf("status %s (%v), want the connector on %s", body, err, want)
		}
		return nil
	})
	if log := w.Log(); !strings.Contains(log, "advertising the platform's address") || !strings.Contains(log, "Nomad port label rest") {
		t.Errorf("the log does not say where the advertised address came from:\n%s", log)
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
