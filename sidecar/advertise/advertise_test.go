package advertise

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func metadataServer(t *testing.T, status int, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A trimmed answer of the ECS agent's container metadata endpoint (v4)
// for a Fargate task.
const fargate = `{"DockerId":"ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66","Name":"connect-sidecar",
"Networks":[{"NetworkMode":"awsvpc","IPv4Addresses":["10.0.2.106"],"AttachmentIndex":0,"MACAddress":"12:a1:b2:c3:d4:e5",
"IPv4SubnetCIDRBlock":"10.0.2.0/24","PrivateDNSName":"ip-10-0-2-106.us-west-2.compute.internal","SubnetGatewayIpv4Address":"10.0.2.1/24"}]}`

func TestDiscover(t *testing.T) {
	for _, tt := range []struct {
		name    string
		environ []string
		want    Address
		ok      bool
		err     string
	}{
		{name: "nothing", environ: []string{"HOME=/", "PATH=/bin"}},
		{name: "nomad bridge", environ: []string{"NOMAD_PORT_http=8080", "NOMAD_PORT_rest=8083", "NOMAD_HOST_IP_rest=10.1.2.3", "NOMAD_HOST_PORT_rest=27015", "NOMAD_IP_rest=10.1.2.3"},
			want: Address{Host: "10.1.2.3", Port: 27015, Source: "Nomad port label rest"}, ok: true},
		{name: "nomad host network", environ: []string{"NOMAD_PORT_connect=8083", "NOMAD_IP_connect=10.1.2.4"},
			want: Address{Host: "10.1.2.4", Source: "Nomad port label connect"}, ok: true},
		{name: "nomad without an address", environ: []string{"NOMAD_PORT_rest=8083"}, err: "NOMAD_HOST_IP_rest is not set"},
		{name: "nomad bad port", environ: []string{"NOMAD_PORT_rest=8083", "NOMAD_HOST_IP_rest=10.1.2.3", "NOMAD_HOST_PORT_rest=x"}, err: "not a port"},
		{name: "ecs fargate", environ: []string{ecsMetadataEnv + "=" + metadataServer(t, 200, fargate)},
			want: Address{Host: "10.0.2.106", Source: "ECS task metadata (awsvpc)"}, ok: true},
		{name: "ecs bridge", environ: []string{ecsMetadataEnv + "=" + metadataServer(t, 200, `{"Networks":[{"NetworkMode":"bridge","IPv4Addresses":["172.17.0.2"]}]}`)},
			err: "no awsvpc IPv4 address"},
		{name: "ecs agent fails", environ: []string{ecsMetadataEnv + "=" + metadataServer(t, 500, "oops")}, err: "answered 500"},
		{name: "ecs garbage", environ: []string{ecsMetadataEnv + "=" + metadataServer(t, 200, "<html>")}, err: "ECS container metadata"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := Discover(context.Background(), tt.environ, 8083, http.DefaultClient)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil || ok != tt.ok || got != tt.want {
				t.Errorf("got %+v %v %v, want %+v %v", got, ok, err, tt.want, tt.ok)
			}
		})
	}
}
