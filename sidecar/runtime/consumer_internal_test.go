package runtime

import (
	"errors"
	"slices"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
)

func TestConsumerSettingsRefuseWhatTheConsumerCannotDo(t *testing.T) {
	for name, consumer := range map[string]configdef.Props{
		"group protocol":       {"group.protocol": "share"},
		"remote assignor":      {"group.protocol": "consumer", "group.remote.assignor": "sticky"},
		"assignor":             {"partition.assignment.strategy": "com.example.MyAssignor"},
		"isolation level":      {"isolation.level": "serializable"},
		"reset":                {"auto.offset.reset": "none"},
		"fetch bytes":          {"fetch.max.bytes": "0"},
		"fetch bytes too many": {"max.partition.fetch.bytes": "4294967296"},
		"session":              {"session.timeout.ms": "soon"},
	} {
		_, err := parseConsumerSettings("c", configdef.Props{"topics": "a"}, consumer)
		var ce *configdef.Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: %v, want a configdef.Error", name, err)
		}
	}
}

func TestConsumerSettingsAssignors(t *testing.T) {
	for _, tt := range []struct {
		consumer configdef.Props
		want     []string // classic protocol names; nil: the broker assigns
	}{
		{configdef.Props{}, []string{"cooperative-sticky"}},
		{configdef.Props{"partition.assignment.strategy": "org.apache.kafka.clients.consumer.RangeAssignor, org.apache.kafka.clients.consumer.CooperativeStickyAssignor"},
			[]string{"range", "cooperative-sticky"}},
		{configdef.Props{"partition.assignment.strategy": "roundrobin"}, []string{"roundrobin"}},
		{configdef.Props{"group.protocol": "CONSUMER"}, nil},
	} {
		c, err := parseConsumerSettings("c", configdef.Props{"topics": "a"}, tt.consumer)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range c.balancers {
			got = append(got, b.ProtocolName())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%v: assignors %v, want %v", tt.consumer, got, tt.want)
		}
	}
}

// Settings the consumer does not read are named, not silently dropped.
func TestConsumerSettingsNameWhatTheyIgnore(t *testing.T) {
	c, err := parseConsumerSettings("c", configdef.Props{"topics": "a"}, configdef.Props{
		"group.instance.id": "pod-0", "isolation.level": "read_committed", "client.rack": "eu-1a", "check.crcs": "false",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.unknown, []string{"check.crcs", "client.rack"}) {
		t.Errorf("unknown %v, want check.crcs and client.rack", c.unknown)
	}
}
