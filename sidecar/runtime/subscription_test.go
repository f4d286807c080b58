package runtime_test

import (
	"slices"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
)

func TestParseSinkSubscription(t *testing.T) {
	tests := []struct {
		name     string
		worker   map[string]string
		conf     map[string]string
		group    string
		earliest bool
		match    []string
		noMatch  []string
	}{
		{name: "defaults", conf: map[string]string{"topics": " a , b,"},
			group: "connect-c", earliest: true, match: []string{"a", "b"}, noMatch: []string{"ab", "c"}},
		{name: "regex matches whole names", conf: map[string]string{"topics.regex": "orders-.*|x"},
			group: "connect-c", earliest: true, match: []string{"orders-1", "x"}, noMatch: []string{"my-orders-1", "xy"}},
		{name: "worker's consumer configdef.Props", worker: map[string]string{"consumer.group.id": "w", "consumer.auto.offset.reset": "latest"},
			conf: map[string]string{"topics": "a"}, group: "w", earliest: false, match: []string{"a"}},
		{name: "connector overrides win", worker: map[string]string{"consumer.group.id": "w"},
			conf:  map[string]string{"topics": "a", "consumer.override.group.id": "mine", "consumer.override.auto.offset.reset": "EARLIEST"},
			group: "mine", earliest: true, match: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := runtime.ParseSinkSubscription(config.Worker{Properties: tt.worker}, "c", tt.conf)
			if err != nil {
				t.Fatal(err)
			}
			if s.Group != tt.group || s.Earliest != tt.earliest {
				t.Errorf("group %q earliest %v, want %q %v", s.Group, s.Earliest, tt.group, tt.earliest)
			}
			for _, topic := range tt.match {
				if !s.Matches(topic) {
					t.Errorf("%q not matched", topic)
				}
			}
			for _, topic := range tt.noMatch {
				if s.Matches(topic) || slices.Contains(s.Topics, topic) {
					t.Errorf("%q matched", topic)
				}
			}
		})
	}
}

// TestParseSinkSubscriptionErrors: a config the tasks fail on gives no
// subscription.
func TestParseSinkSubscriptionErrors(t *testing.T) {
	for name, conf := range map[string]map[string]string{
		"no topics": {},
		"both":      {"topics": "a", "topics.regex": "a"},
		"bad regex": {"topics.regex": "("},
		"bad reset": {"topics": "a", "consumer.override.auto.offset.reset": "none"},
	} {
		if _, err := runtime.ParseSinkSubscription(config.Worker{}, "c", conf); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
