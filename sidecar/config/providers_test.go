package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Providers as a Confluent image is given them: CONNECT_* variables with
// Java's class names; the env provider reads the environment Load reads.
func providerEnv(dir string, extra ...string) []string {
	return withMinimal(append([]string{
		"CONNECT_CONFIG_PROVIDERS=file,env",
		"CONNECT_CONFIG_PROVIDERS_FILE_CLASS=org.apache.kafka.common.config.provider.FileConfigProvider",
		"CONNECT_CONFIG_PROVIDERS_FILE_PARAM_ALLOWED_PATHS=" + dir,
		"CONNECT_CONFIG_PROVIDERS_ENV_CLASS=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
		"CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN=KAFKA_.*",
		"KAFKA_GROUP=orders-connect",
	}, extra...)...)
}

func secretsFile(t *testing.T) (dir, file string) {
	t.Helper()
	dir = t.TempDir()
	file = filepath.Join(dir, "kafka.properties")
	jaas := `jaas=org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="s3cr3t-jaas";` + "\n"
	if err := os.WriteFile(file, []byte(jaas), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

// The worker's own settings are resolved before they are read (KIP-421);
// the provider settings stay as given.
func TestLoadResolvesWorkerSettings(t *testing.T) {
	dir, file := secretsFile(t)
	l, err := Load(providerEnv(dir,
		"CONNECT_GROUP_ID=${env:KAFKA_GROUP}",
		"CONNECT_SASL_JAAS_CONFIG=${file:"+file+":jaas}",
		"CONNECT_PRODUCER_CLIENT_ID=${env:KAFKA_GROUP}-producer",
	), "")
	if err != nil {
		t.Fatal(err)
	}
	w := l.Worker
	for _, c := range []struct{ name, got, want string }{
		{"group.id", w.GroupID, "orders-connect"},
		{"config topic default", w.ConfigStorageTopic, "orders-connect-configs"},
		{"JAAS line", w.Security.SASLJAASConfig, `org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="s3cr3t-jaas";`},
		{"producer override", w.Properties["producer.client.id"], "orders-connect-producer"},
		{"provider setting", w.Properties["config.providers.file.param.allowed.paths"], dir},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if got := w.Providers; got == nil {
		t.Fatal("no providers for connector configurations")
	}
	if len(l.Ignored) != 0 {
		t.Errorf("ignored %v", l.Ignored)
	}
}

// A placeholder that cannot be resolved stops the worker naming the
// variable, the placeholder and what is wrong, never a secret; one in a
// setting the worker ignores anyway does not.
func TestLoadRefusesUnresolvedWorkerSettings(t *testing.T) {
	dir, file := secretsFile(t)
	for _, tc := range []struct{ name, setting, want string }{
		{"missing key", "CONNECT_SASL_JAAS_CONFIG=${file:" + file + ":jaas.config}",
			"CONNECT_SASL_JAAS_CONFIG cannot resolve ${file:" + file + ":jaas.config} (" + file + ` has no key "jaas.config"): ` + placeholderDoc},
		{"missing file", "CONNECT_SASL_JAAS_CONFIG=${file:" + dir + "/nope.properties:jaas}",
			"CONNECT_SASL_JAAS_CONFIG cannot resolve ${file:" + dir + "/nope.properties:jaas} (open " + dir + "/nope.properties: no such file or directory): " + placeholderDoc},
		{"provider not configured", "CONNECT_GROUP_ID=${vault:kv/connect:group}",
			`CONNECT_GROUP_ID cannot resolve ${vault:kv/connect:group} (there is no config provider "vault": config.providers lists file,env): ` + placeholderDoc},
		{"outside allowed.paths", "CONNECT_GROUP_ID=${file:/etc/passwd:root}",
			"CONNECT_GROUP_ID cannot resolve ${file:/etc/passwd:root} (/etc/passwd is outside config.providers.file.param.allowed.paths (" + dir + ")): " + placeholderDoc},
		{"variable not allowed", "CONNECT_GROUP_ID=${env:HOME}",
			"CONNECT_GROUP_ID cannot resolve ${env:HOME} (environment variable HOME does not match config.providers.env.param.allowlist.pattern (KAFKA_.*)): " + placeholderDoc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(providerEnv(dir, tc.setting), "")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error\n%v\nwant\n%s", err, tc.want)
			}
		})
	}
	if _, err := Load(providerEnv(dir, "CONNECT_PLUGIN_PATH=${env:KAFKA_PLUGINS}"), ""); err != nil {
		t.Errorf("an ignored setting stopped the worker: %v", err)
	}
}

// Provider settings that cannot work stop the worker by their variable;
// unused ones are logged as ignored.
func TestLoadChecksProviderSettings(t *testing.T) {
	_, err := Load(withMinimal(
		"CONNECT_CONFIG_PROVIDERS=file,vault",
		"CONNECT_CONFIG_PROVIDERS_FILE_CLASS=FileConfigProvider",
		"CONNECT_CONFIG_PROVIDERS_FILE_PARAM_ALLOWED_PATHS=etc/secrets",
		"CONNECT_CONFIG_PROVIDERS_VAULT_CLASS=io.confluent.csid.config.provider.vault.VaultConfigProvider",
	), "")
	want := []string{
		`CONNECT_CONFIG_PROVIDERS_FILE_PARAM_ALLOWED_PATHS has "etc/secrets", which is not an absolute path: `,
		`CONNECT_CONFIG_PROVIDERS_VAULT_CLASS is "io.confluent.csid.config.provider.vault.VaultConfigProvider", which this worker does not have`,
	}
	if err == nil {
		t.Fatal("Load succeeded")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("errors:\n%v\nwant %d", err, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("error %d:\n%s\nwant\n%s...", i, lines[i], want[i])
		}
	}

	l, err := Load(withMinimal(
		"CONNECT_CONFIG_PROVIDERS=env",
		"CONNECT_CONFIG_PROVIDERS_ENV_CLASS=EnvVarConfigProvider",
		"CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERNS=KAFKA_.*",
	), "")
	if err != nil {
		t.Fatal(err)
	}
	wantIgnored := "CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERNS is ignored: EnvVarConfigProvider reads only config.providers.env.param.allowlist.pattern"
	if len(l.Ignored) != 1 || l.Ignored[0] != wantIgnored {
		t.Errorf("ignored %q, want %q", l.Ignored, wantIgnored)
	}
}
