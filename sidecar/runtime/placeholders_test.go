package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
	sidecarruntime "github.com/connect-sidecar/connect-sidecar/sidecar/runtime"
	"github.com/connect-sidecar/connect-sidecar/stores/configstore"
	"github.com/connect-sidecar/connect-sidecar/stores/statusstore"
)

// providersEnv configures the file and env providers; the env provider
// reads the worker's environment, which holds vars.
func providersEnv(vars ...string) []string {
	return append([]string{
		"CONNECT_CONFIG_PROVIDERS=file,env",
		"CONNECT_CONFIG_PROVIDERS_FILE_CLASS=org.apache.kafka.common.config.provider.FileConfigProvider",
		"CONNECT_CONFIG_PROVIDERS_ENV_CLASS=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
	}, vars...)
}

// The connector and its tasks get the values; the task configs the
// connector hands back, and the specs the herder compares, keep the
// placeholders.
func TestPlaceholdersResolveWhereTheyRun(t *testing.T) {
	topic := kafkatest.Name(t, "numbers")
	p := newProbe(topic)
	secrets := filepath.Join(t.TempDir(), "source.properties")
	if err := os.WriteFile(secrets, []byte("topic="+topic+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, providersEnv("APP_PROBE="+topic)...)
	e.b.CreateTopic(t, topic, 1)
	topicRef, probeRef := "${file:"+secrets+":topic}", "${env:APP_PROBE}"
	ids := e.start("numbers", 1, sourceConf(topicRef, probeRef, "count", "5"))

	consumeAll(t, e.b, topic, 1, 5)
	p.mu.Lock()
	started := p.start
	p.mu.Unlock()
	if started["topic"] != topic || started["probe"] != topic {
		t.Errorf("the task started with topic %q, probe %q; want both resolved to %q", started["topic"], started["probe"], topic)
	}
	info := e.rt.Tasks()[ids[0]]
	for _, c := range []map[string]string{info.Task.TaskConfig, info.Task.ConnectorConfig} {
		if c["topic"] != topicRef || c["probe"] != probeRef {
			t.Errorf("the herder sees topic %q, probe %q; want the placeholders", c["topic"], c["probe"])
		}
	}
	configs, err := e.rt.TaskConfigs("numbers", 1)
	if err != nil {
		t.Fatal(err)
	}
	if configs[0]["topic"] != topicRef || configs[0]["probe"] != probeRef {
		t.Errorf("task configs for the config topic hold topic %q, probe %q; want the placeholders", configs[0]["topic"], configs[0]["probe"])
	}
}

// A placeholder that cannot be resolved fails the connector or the task,
// saying which placeholder and why, and never shows a value.
func TestUnresolvedPlaceholdersFail(t *testing.T) {
	dir := t.TempDir()
	secrets := filepath.Join(dir, "db.properties")
	if err := os.WriteFile(secrets, []byte("password=s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, providersEnv()...)
	missing := "${file:" + filepath.Join(dir, "missing.properties") + ":password}"
	conf := map[string]string{"connector.class": numbersClass, "db.password": missing, "db.user": "${file:" + secrets + ":password}"}
	if err := e.rt.StartConnector(sidecarruntime.ConnectorSpec{Name: "c", Config: conf, Target: configstore.Started}); err != nil {
		t.Fatal(err)
	}
	st := e.waitConnectorState("c", statusstore.Failed)
	want := "db.password: cannot resolve " + missing + ": open " + filepath.Join(dir, "missing.properties") + ": no such file or directory"
	if !strings.Contains(st.Trace, want) || strings.Contains(st.Trace, "s3cr3t") {
		t.Errorf("connector trace:\n%s\nwant it to hold %q and no secret", st.Trace, want)
	}

	id := sidecarruntime.TaskID{Connector: "t", Task: 0}
	taskConf := map[string]string{"connector.class": numbersClass, "token": "${env:NOT_SET}"}
	if err := e.rt.StartTask(sidecarruntime.TaskSpec{ID: id, ConnectorConfig: taskConf, TaskConfig: taskConf, Target: configstore.Started}); err != nil {
		t.Fatal(err)
	}
	st = e.waitTaskState(id, statusstore.Failed)
	if want := "token: cannot resolve ${env:NOT_SET}: environment variable NOT_SET is not set"; !strings.Contains(st.Trace, want) {
		t.Errorf("task trace:\n%s\nwant it to hold %q", st.Trace, want)
	}
}
