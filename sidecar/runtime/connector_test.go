package runtime_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	sidecarruntime "github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

func TestConnectorFollowsTargetStates(t *testing.T) {
	e := newEnv(t)
	conf := map[string]string{"connector.class": "CollectSink", "topics": "a,b", "probe": "none"}
	if err := e.rt.StartConnector(sidecarruntime.ConnectorSpec{Name: "c", Config: conf, Target: configstore.Started}); err != nil {
		t.Fatal(err)
	}
	if st := e.waitConnectorState("c", statusstore.Running); st.Version != "4.5.6" || st.WorkerID != "worker-a:8083" {
		t.Errorf("status %+v", st)
	}
	configs, err := e.rt.TaskConfigs("c", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) != 2 || configs[1]["task.id"] != "1" || configs[1]["topics"] != "a,b" {
		t.Errorf("task configs %v: want two, with the sink's topics", configs)
	}

	steps := []struct {
		target configstore.TargetState
		state  sidecarruntime.State
		status statusstore.State
	}{
		{configstore.Paused, sidecarruntime.Paused, statusstore.Paused},
		{configstore.Stopped, sidecarruntime.Stopped, statusstore.Stopped},
		{configstore.Started, sidecarruntime.Running, statusstore.Running},
	}
	for _, s := range steps {
		if err := e.rt.SetConnectorTarget("c", s.target); err != nil {
			t.Fatal(err)
		}
		info := e.rt.Connectors()["c"]
		if info.State != s.state || info.Connector.Target != s.target {
			t.Errorf("after %v: %+v", s.target, info)
		}
		e.waitConnectorState("c", s.status)
		_, err := e.rt.TaskConfigs("c", 1)
		var ns *sidecarruntime.NotStartedError
		if (s.state == sidecarruntime.Running) == errors.As(err, &ns) {
			t.Errorf("TaskConfigs of a %v connector: %v", s.state, err)
		}
	}
	e.gen.Store(8)
	e.rt.StopConnectors([]string{"c"})
	e.waitConnectorState("c", statusstore.Unassigned)
	if _, err := e.rt.TaskConfigs("c", 1); err == nil {
		t.Error("a stopped connector answered")
	}
}

// A target state set while the connector is still starting wins: the
// herder pauses a connector it has just started when a pause arrives in
// the same round (run with -race: the start reads the target the pause
// writes).
func TestConnectorPausedWhileStarting(t *testing.T) {
	e := newEnv(t)
	conf := map[string]string{"connector.class": "CollectSink", "topics": "a", "probe": "none"}
	if err := e.rt.StartConnector(sidecarruntime.ConnectorSpec{Name: "c", Config: conf, Target: configstore.Started}); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.SetConnectorTarget("c", configstore.Paused); err != nil {
		t.Fatal(err)
	}
	e.waitConnectorState("c", statusstore.Paused)
	if info := e.rt.Connectors()["c"]; info.State != sidecarruntime.Paused {
		t.Errorf("after a pause while starting: %+v", info)
	}
}

func TestConnectorFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		conf  map[string]string
		trace string
		class string // as the trace names it: resolved, else as configured
	}{
		{"unknown class", map[string]string{"connector.class": "NoSuchConnector"}, `no plugin named "NoSuchConnector"`, "NoSuchConnector"},
		{"not a connector", map[string]string{"connector.class": "StringConverter"}, "is a converter plugin", "StringConverter"},
		{"start fails", map[string]string{"connector.class": "NumberSource", "connector.fail": "true"}, "connector refuses to start", numbersClass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if err := e.rt.StartConnector(sidecarruntime.ConnectorSpec{Name: "c", Config: tc.conf, Target: configstore.Started}); err != nil {
				t.Fatal(err)
			}
			st := e.waitConnectorState("c", statusstore.Failed)
			if !strings.Contains(st.Trace, tc.trace) || !slices.Contains(strings.Split(st.Trace, "\n"), "\tconnector: "+tc.class) {
				t.Errorf("trace lacks %q and the connector class %s:\n%s", tc.trace, tc.class, st.Trace)
			}
			if strings.Contains(st.Trace, "goroutine") {
				t.Errorf("trace has a Go stack:\n%s", st.Trace)
			}
			if info := e.rt.Connectors()["c"]; info.State != sidecarruntime.Failed || info.Err == nil {
				t.Errorf("info %+v", info)
			}
			if e.changed.Load() == 0 {
				t.Error("the herder was not told")
			}
			// A failed connector stays failed.
			if err := e.rt.SetConnectorTarget("c", configstore.Paused); err != nil {
				t.Fatal(err)
			}
			if info := e.rt.Connectors()["c"]; info.State != sidecarruntime.Failed {
				t.Errorf("a failed connector moved to %v", info.State)
			}
		})
	}
}

func TestConnectorPanicIsContained(t *testing.T) {
	e := newEnv(t)
	conf := map[string]string{"connector.class": numbersClass, "connector.panic": "true"}
	if err := e.rt.StartConnector(sidecarruntime.ConnectorSpec{Name: "c", Config: conf, Target: configstore.Started}); err != nil {
		t.Fatal(err)
	}
	_, err := e.rt.TaskConfigs("c", 1)
	var pe *sidecarruntime.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("TaskConfigs error %v, want a PanicError", err)
	}
	st := e.waitConnectorState("c", statusstore.Failed)
	if !strings.Contains(st.Trace, "connector panics in TaskConfigs") {
		t.Errorf("trace:\n%s", st.Trace)
	}
	if err := e.rt.StartConnector(sidecarruntime.ConnectorSpec{Name: "c", Config: conf}); err == nil {
		t.Error("started a connector twice")
	}
}

func TestTaskFailsOnABadConverter(t *testing.T) {
	e := newEnv(t)
	topic := kafkatest.Name(t, "numbers")
	newProbe(topic)
	ids := e.start("numbers", 1, sourceConf(topic, topic, "value.converter", "org.example.NoSuchConverter"))
	st := e.waitTaskState(ids[0], statusstore.Failed)
	if !strings.Contains(st.Trace, "value.converter") || !strings.Contains(st.Trace, "NoSuchConverter") {
		t.Errorf("trace:\n%s", st.Trace)
	}
	var pe *sidecarruntime.PluginError
	if info := e.rt.Tasks()[ids[0]]; !errors.As(info.Err, &pe) {
		t.Errorf("task error %v, want a PluginError", info.Err)
	}
}

// Converters come from the worker unless the connector names its own; a
// connector may name a converter as its header converter.
func TestConvertersFromWorkerAndConnector(t *testing.T) {
	e := newEnv(t,
		"CONNECT_VALUE_CONVERTER=org.apache.kafka.connect.json.JsonConverter",
		"CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE=false")
	topic := kafkatest.Name(t, "numbers")
	e.b.CreateTopic(t, topic, 1)
	newProbe(topic)
	conf := sourceConf(topic, topic, "count", "1",
		"header.converter", "org.apache.kafka.connect.json.JsonConverter",
		"header.converter.schemas.enable", "false")
	delete(conf, "value.converter")
	delete(conf, "value.converter.schemas.enable")
	e.start("numbers", 1, conf)
	m := consumeAll(t, e.b, topic, 1, 1)[0][0]
	if string(m.Key) != "k0" || string(m.Value) != `"v0"` {
		t.Errorf("record %s=%s, want k0=\"v0\" (worker's JsonConverter without schemas)", m.Key, m.Value)
	}
	if len(m.Headers) != 1 || string(m.Headers[0].Value) != "0" {
		t.Errorf("headers %v, want n=0 written by JsonConverter", m.Headers)
	}
}
