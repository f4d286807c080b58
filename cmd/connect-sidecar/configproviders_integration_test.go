//go:build integration

package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connect-sidecar/connect-sidecar/internal/kafkatest"
)

// Config providers in a mixed cluster. A Java 4.3.1 worker and Go workers
// share one group, each with the file and env providers. A FileStreamSink
// whose file comes from ${file:...} and a FileStreamSource whose header
// value comes from ${env:...} run on a Go worker, then on the Java one,
// then on a Go one again, always with the values resolved; the config
// topic, every REST answer and the Go workers' logs hold only the
// placeholders. Neither a password among the Go worker's own settings nor
// one a connector config writes as it is shows anywhere.
func TestIntegrationConfigProvidersOnAMixedCluster(t *testing.T) {
	b := kafkatest.Start(t)
	group := kafkatest.Name(t, "providers")
	dir, secrets := t.TempDir(), t.TempDir()
	in, out := filepath.Join(dir, "in.txt"), filepath.Join(dir, kafkatest.Name(t, "out")+".txt")
	origin := kafkatest.Name(t, "origin")
	workerPassword := kafkatest.Name(t, "jaas-password")
	writeFile(t, filepath.Join(secrets, "sink.properties"), "path="+out+"\n")
	writeFile(t, filepath.Join(secrets, "worker.properties"),
		`jaas=org.apache.kafka.common.security.plain.PlainLoginModule required username="connect" password="`+workerPassword+`";`+"\n")
	// Outside allowed.paths: a placeholder must not read it.
	writeFile(t, filepath.Join(dir, "other.properties"), "path="+out+"\n")
	appendLines(t, in, 0, 50)
	secretValues := []string{out, origin, workerPassword}

	props := []string{
		"config.providers=file,env",
		"config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
		"config.providers.file.param.allowed.paths=" + secrets,
		"config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
		"config.providers.env.param.allowlist.pattern=PIPELINE_.*",
		"session.timeout.ms=" + strconv.Itoa(int(mixedSession.Milliseconds())), "heartbeat.interval.ms=1000",
		"scheduled.rebalance.max.delay.ms=0", "offset.flush.interval.ms=500",
	}
	t.Setenv("PIPELINE_ORIGIN", origin) // the Java worker's environment
	goEnv := append(kafkatest.FileStream(dir),
		"CONNECT_GROUP_ID="+group, "PIPELINE_ORIGIN="+origin, "SIDECAR_LOG_LEVEL=debug",
		"CONNECT_SASL_JAAS_CONFIG=${file:"+filepath.Join(secrets, "worker.properties")+":jaas}")
	for _, kv := range props {
		goEnv = append(goEnv, "CONNECT_"+envName(kv))
	}

	topic := kafkatest.Name(t, "lines")
	b.CreateTopic(t, topic, 1)
	asText := `"key.converter":"org.apache.kafka.connect.storage.StringConverter","value.converter":"org.apache.kafka.connect.storage.StringConverter"`
	sinkConf := fmt.Sprintf(`{"name":"sink","connector.class":"FileStreamSink","tasks.max":"1","topics":%q,"file":"${file:%s:path}",%s}`,
		topic, filepath.Join(secrets, "sink.properties"), asText)
	srcConf := fmt.Sprintf(`{"connector.class":"FileStreamSource","tasks.max":"1","file":%q,"topic":%q,%s,`+
		`"transforms":"origin","transforms.origin.type":"org.apache.kafka.connect.transforms.InsertHeader",`+
		`"transforms.origin.header":"origin","transforms.origin.value.literal":"${env:PIPELINE_ORIGIN}"}`, in, topic, asText)

	// A Go worker alone: the sink is created there and writes where the
	// file provider says.
	go1 := kafkatest.StartWorker(t, b, goEnv...)
	go1.WaitHealthy(t, time.Minute)
	badPlaceholdersAreRefused(t, go1, topic, secrets, dir, secretValues)
	kafkatest.PutConnector(t, go1.URL, "sink", sinkConf)
	b.Produce(t, topic, "", "line-900000")
	awaitLines(t, out, 1, time.Minute)

	// The Java worker joins and creates the source; once the Go worker
	// leaves, the Java worker runs both.
	java := kafkatest.StartJavaWorker(t, b, group, props...)
	kafkatest.PutConnector(t, java.URL, "src", srcConf)
	awaitLines(t, out, 51, time.Minute)
	go1.Signal(t, syscall.SIGTERM)
	go1.Wait(t, time.Minute)
	awaitPlacement(t, java.URL, hostPort(java.URL))
	appendLines(t, in, 50, 100)
	awaitLines(t, out, 101, time.Minute)
	answers := restAnswers(t, java)

	// A Go worker joins and the Java worker leaves: the Go worker runs
	// what the Java worker configured.
	go2 := kafkatest.StartWorker(t, b, goEnv...)
	go2.WaitHealthy(t, time.Minute)
	java.Stop(t)
	awaitPlacement(t, go2.URL, hostPort(go2.URL))
	appendLines(t, in, 100, 150)
	awaitLines(t, out, 151, time.Minute)
	answers += restAnswers(t, go2)
	code, body, err := go2.Do(http.MethodPut, "/connector-plugins/FileStreamSinkConnector/config/validate", sinkConf)
	if err != nil || code != http.StatusOK || !strings.Contains(body, `"error_count":0`) {
		t.Errorf("validating the sink on the Go worker: %d %s %v", code, body, err)
	}
	answers += body
	// A password written as it is: validation shows it [hidden].
	password := kafkatest.Name(t, "http-password")
	secretValues = append(secretValues, password)
	code, body, err = go2.Do(http.MethodPut, "/connector-plugins/HttpSinkConnector/config/validate",
		`{"name":"http","connector.class":"HttpSinkConnector","topics":"x","http.auth.header":"Authorization: Bearer `+password+`"}`)
	if err != nil || code != http.StatusOK || !strings.Contains(body, `"name":"http.auth.header","value":"[hidden]"`) {
		t.Errorf("validating an HTTP sink with a password: %d %s %v", code, body, err)
	}
	answers += body

	for _, m := range b.Consume(t, topic, 0, 151, time.Minute)[1:] {
		if len(m.Headers) != 1 || m.Headers[0].Key != "origin" || string(m.Headers[0].Value) != origin {
			t.Fatalf("record %q has headers %v, want origin with the value of ${env:PIPELINE_ORIGIN}", m.Value, m.Headers)
		}
	}
	var configs strings.Builder
	configTopic := group + "-configs"
	for _, m := range b.Consume(t, configTopic, 0, int(lastOffset(t, b, configTopic)), time.Minute) {
		configs.Write(m.Value)
	}
	for _, want := range []string{`"file":"${file:`, `"transforms.origin.value.literal":"${env:PIPELINE_ORIGIN}"`} {
		if !strings.Contains(configs.String(), want) {
			t.Errorf("the config topic has no %s", want)
		}
	}
	for what, text := range map[string]string{"the config topic": configs.String(), "a REST answer": answers, "the first Go worker's log": go1.Log(), "the second Go worker's log": go2.Log()} {
		for _, secret := range secretValues {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds the secret %q", what, secret)
			}
		}
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// badPlaceholdersAreRefused creates connectors whose placeholders cannot
// be resolved: each is refused with one message that names what is
// wrong, and no secret.
func badPlaceholdersAreRefused(t *testing.T, w *kafkatest.Process, topic, secrets, dir string, secretValues []string) {
	t.Helper()
	props := filepath.Join(secrets, "sink.properties")
	for _, tc := range []struct{ placeholder, want string }{
		{"${file:" + filepath.Join(secrets, "missing.properties") + ":path}", "no such file or directory"},
		{"${file:" + props + ":paht}", props + ` has no key \"paht\"`},
		{"${vault:secret/sink:path}", `there is no config provider \"vault\": config.providers lists file,env`},
		{"${file:" + filepath.Join(dir, "other.properties") + ":path}", "is outside config.providers.file.param.allowed.paths (" + secrets + ")"},
		{"${env:HOME}", "environment variable HOME does not match config.providers.env.param.allowlist.pattern (PIPELINE_.*)"},
	} {
		conf := fmt.Sprintf(`{"connector.class":"FileStreamSink","topics":%q,"file":%q}`, topic, tc.placeholder)
		code, body, err := w.Do(http.MethodPut, "/connectors/bad/config", conf)
		want := "file: cannot resolve " + tc.placeholder + ": "
		if err != nil || code != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(body, tc.want) {
			t.Errorf("PUT with %s: %d %s %v\nwant 400 with %q...%q", tc.placeholder, code, body, err, want, tc.want)
		}
		for _, secret := range secretValues {
			if strings.Contains(body, secret) {
				t.Errorf("the answer to %s holds a secret: %s", tc.placeholder, body)
			}
		}
	}
}

// awaitPlacement waits until both connectors and their tasks run on the
// worker with id.
func awaitPlacement(t *testing.T, base, id string) {
	t.Helper()
	kafkatest.Eventually(t, time.Minute, func() error {
		for _, name := range []string{"sink", "src"} {
			var st struct {
				Connector struct {
					State    string `json:"state"`
					WorkerID string `json:"worker_id"`
				} `json:"connector"`
			}
			if err := kafkatest.GetJSON(base+"/connectors/"+name+"/status", &st); err != nil {
				return err
			}
			on, err := kafkatest.TaskWorkers(base, name)
			if err != nil {
				return err
			}
			if st.Connector.State != "RUNNING" || st.Connector.WorkerID != id || !slices.Equal(on, []string{id}) {
				return fmt.Errorf("%s is %s on %s, its task on %v; want all on %s", name, st.Connector.State, st.Connector.WorkerID, on, id)
			}
		}
		return nil
	})
}

// restAnswers is what a worker, Java or Go, answers to every read of the
// connectors.
func restAnswers(t *testing.T, w interface {
	Do(method, path, body string) (int, string, error)
}) string {
	t.Helper()
	var all strings.Builder
	for _, path := range []string{
		"/connectors?expand=info&expand=status",
		"/connectors/sink", "/connectors/sink/config", "/connectors/sink/tasks", "/connectors/sink/status",
		"/connectors/sink/tasks/0/status", "/connectors/sink/topics", "/connectors/sink/offsets",
		"/connectors/src", "/connectors/src/config", "/connectors/src/tasks", "/connectors/src/status",
		"/connectors/src/tasks/0/status", "/connectors/src/topics", "/connectors/src/offsets",
	} {
		code, body, err := w.Do(http.MethodGet, path, "")
		if err != nil || code != http.StatusOK {
			t.Errorf("GET %s: %d %s %v", path, code, body, err)
		}
		all.WriteString(body)
	}
	return all.String()
}
