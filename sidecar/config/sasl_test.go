package config

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
)

const secret = "s3cr3t-value"

func TestParseJAAS(t *testing.T) {
	tests := []struct {
		line string
		want JAAS
	}{
		{"", JAAS{}},
		{`org.example.Login required;`, JAAS{Module: "org.example.Login", Flag: "required", Options: map[string]string{}}},
		{"  org.example.Login  REQUIRED\n  a=\"x y\"\tb=bare c=\"q\\\"uote\\\\\" ;  ",
			JAAS{Module: "org.example.Login", Flag: "required", Options: map[string]string{"a": "x y", "b": "bare", "c": `q"uote\`}}},
		{`m optional empty="";`, JAAS{Module: "m", Flag: "optional", Options: map[string]string{"empty": ""}}},
	}
	for _, tt := range tests {
		got, err := ParseJAAS(tt.line)
		if err != nil {
			t.Errorf("%q: %v", tt.line, err)
			continue
		}
		if got.Module != tt.want.Module || got.Flag != tt.want.Flag || !maps.Equal(got.Options, tt.want.Options) {
			t.Errorf("%q: got %+v, want %+v", tt.line, got, tt.want)
		}
	}
}

func TestParseJAASNamesTheProblemNeverTheValue(t *testing.T) {
	tests := []struct{ line, want string }{
		{`m required password="` + secret + `"`, `does not end with ";"`},
		{`m password="` + secret + `";`, "has no control flag after the login module (required, requisite, sufficient, optional)"},
		{`m required password="` + secret + `;`, "option password has an unterminated quoted value"},
		{`m required password ` + secret + `;`, "option password has no =value"},
		{`m required password=;`, "option password has no value"},
		{`m required a="` + secret + `"; n required;`, "holds more than one login module; a client takes exactly one"},
		{`"` + secret + `" required;`, "does not start with a login module class"},
		{`m required ="` + secret + `";`, `has an unexpected '=' where an option name should be`},
	}
	for _, tt := range tests {
		_, err := ParseJAAS(tt.line)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: error %v, want %q", tt.line, err, tt.want)
		}
	}
}

const (
	oauthJAAS = `CONNECT_SASL_JAAS_CONFIG=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="jaas-id" clientSecret="` + secret + `" scope="jaas-scope" extension_logicalCluster="lkc-1";`
	endpoint  = "CONNECT_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL=https://idp.example.com/token"
)

func oauthEnv(extra ...string) []string {
	return withMinimal(append([]string{"CONNECT_SECURITY_PROTOCOL=SASL_SSL", "CONNECT_SASL_MECHANISM=oauthbearer", endpoint}, extra...)...)
}

func TestLoadOAuthBearer(t *testing.T) {
	tests := []struct {
		name                  string
		environ               []string
		id, secretOut, scope  string
		extensions            map[string]string
		factor                float64
		minPeriod, backoffMax time.Duration
	}{
		{"from JAAS", oauthEnv(oauthJAAS), "jaas-id", secret, "jaas-scope", map[string]string{"logicalCluster": "lkc-1"}, 0.8, 60, 10 * time.Second},
		{"properties win over JAAS", oauthEnv(oauthJAAS,
			"CONNECT_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_ID=prop-id", "CONNECT_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET=prop-secret",
			"CONNECT_SASL_OAUTHBEARER_SCOPE=prop-scope", "CONNECT_SASL_LOGIN_REFRESH_WINDOW_FACTOR=0.5",
			"CONNECT_SASL_LOGIN_REFRESH_MIN_PERIOD_SECONDS=0", "CONNECT_SASL_LOGIN_RETRY_BACKOFF_MAX_MS=500"),
			"prop-id", "prop-secret", "prop-scope", map[string]string{"logicalCluster": "lkc-1"}, 0.5, 0, 500 * time.Millisecond},
		{"sidecar settings win over both", oauthEnv(oauthJAAS, "CONNECT_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_ID=prop-id",
			"SIDECAR_SASL_USERNAME=env-id", "SIDECAR_SASL_PASSWORD_FILE="+writeFile(t, "secret", "file-secret\n")),
			"env-id", "file-secret", "jaas-scope", map[string]string{"logicalCluster": "lkc-1"}, 0.8, 60, 10 * time.Second},
		{"no JAAS line", oauthEnv("CONNECT_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_ID=prop-id",
			"CONNECT_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET=prop-secret",
			"CONNECT_SASL_LOGIN_CALLBACK_HANDLER_CLASS=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler"),
			"prop-id", "prop-secret", "", map[string]string{}, 0.8, 60, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Load(tt.environ, "")
			if err != nil {
				t.Fatal(err)
			}
			o := l.Worker.Security.OAuthBearer
			if o.ClientID != tt.id || o.ClientSecret != tt.secretOut || o.Scope != tt.scope || !maps.Equal(o.Extensions, tt.extensions) {
				t.Errorf("id %q secret %q scope %q extensions %v", o.ClientID, o.ClientSecret, o.Scope, o.Extensions)
			}
			if o.RefreshWindowFactor != tt.factor || time.Duration(o.RefreshMinPeriodSeconds) != tt.minPeriod || o.RetryBackoffMax.D() != tt.backoffMax {
				t.Errorf("factor %v, min period %v, backoff max %v", o.RefreshWindowFactor, o.RefreshMinPeriodSeconds, o.RetryBackoffMax.D())
			}
			if o.RefreshWindowJitter != 0.05 || o.RefreshBufferSeconds != 300 || o.RetryBackoff.D() != 100*time.Millisecond || o.SubClaimName != "sub" {
				t.Errorf("defaults: %+v", o)
			}
		})
	}
}

func TestLoadAWSMSKIAM(t *testing.T) {
	const module = "software.amazon.msk.auth.iam.IAMLoginModule"
	tests := []struct {
		jaas string
		want AWSIAM
	}{
		{"", AWSIAM{}},
		{module + " required;", AWSIAM{}},
		{module + ` required awsProfileName="msk";`, AWSIAM{ProfileName: "msk"}},
		{module + ` required awsRoleArn="arn:aws:iam::123456789012:role/msk" awsRoleSessionName="s" awsRoleExternalId="x" awsStsRegion="eu-west-1";`,
			AWSIAM{RoleARN: "arn:aws:iam::123456789012:role/msk", RoleSessionName: "s", RoleExternalID: "x", STSRegion: "eu-west-1"}},
	}
	for _, tt := range tests {
		l, err := Load(withMinimal("CONNECT_SECURITY_PROTOCOL=SASL_SSL", "CONNECT_SASL_MECHANISM=AWS_MSK_IAM", "CONNECT_SASL_JAAS_CONFIG="+tt.jaas,
			"CONNECT_SASL_CLIENT_CALLBACK_HANDLER_CLASS=software.amazon.msk.auth.iam.IAMClientCallbackHandler"), "")
		if err != nil {
			t.Errorf("%q: %v", tt.jaas, err)
			continue
		}
		if got := l.Worker.Security.AWSIAM; got != tt.want {
			t.Errorf("%q: %+v, want %+v", tt.jaas, got, tt.want)
		}
	}
}

// Each bad SASL setting gives one error that names the setting and what
// is wrong, and never the secret.
func TestLoadSASLRefusals(t *testing.T) {
	const (
		oauthModule = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
		iamModule   = "software.amazon.msk.auth.iam.IAMLoginModule"
	)
	aws := func(jaas string) []string {
		return withMinimal("CONNECT_SECURITY_PROTOCOL=SASL_SSL", "CONNECT_SASL_MECHANISM=AWS_MSK_IAM", "CONNECT_SASL_JAAS_CONFIG="+jaas)
	}
	tests := []struct {
		name    string
		environ []string
		want    string // the start of the one error
	}{
		{"missing client secret", oauthEnv(`CONNECT_SASL_JAAS_CONFIG=` + oauthModule + ` required clientId="id";`),
			"CONNECT_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET is required with sasl.mechanism OAUTHBEARER; or give clientSecret in sasl.jaas.config, or SIDECAR_SASL_PASSWORD(_FILE): OAuth client secret"},
		{"missing client id", oauthEnv(`CONNECT_SASL_JAAS_CONFIG=` + oauthModule + ` required clientSecret="` + secret + `";`),
			"CONNECT_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_ID is required with sasl.mechanism OAUTHBEARER"},
		{"malformed JAAS", oauthEnv(`CONNECT_SASL_JAAS_CONFIG=` + oauthModule + ` required clientId="id" clientSecret="` + secret),
			"CONNECT_SASL_JAAS_CONFIG is not a JAAS login line: it option clientSecret has an unterminated quoted value: JAAS login line"},
		{"JAAS without semicolon", oauthEnv(`CONNECT_SASL_JAAS_CONFIG=` + oauthModule + ` required clientId="id" clientSecret="` + secret + `"`),
			`CONNECT_SASL_JAAS_CONFIG is not a JAAS login line: it does not end with ";"`},
		{"missing endpoint", withMinimal("CONNECT_SECURITY_PROTOCOL=SASL_SSL", "CONNECT_SASL_MECHANISM=OAUTHBEARER", oauthJAAS),
			"CONNECT_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL is required with sasl.mechanism OAUTHBEARER"},
		{"file endpoint", oauthEnv(oauthJAAS, "CONNECT_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL=file:///var/run/token"),
			"CONNECT_SASL_OAUTHBEARER_TOKEN_ENDPOINT_URL is not an http:// or https:// URL with a host (a token read from a file is not supported)"},
		{"PLAIN module", oauthEnv(`CONNECT_SASL_JAAS_CONFIG=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="` + secret + `";`),
			"CONNECT_SASL_JAAS_CONFIG names login module org.apache.kafka.common.security.plain.PlainLoginModule; OAUTHBEARER takes " + oauthModule},
		{"unsecured login", oauthEnv(`CONNECT_SASL_JAAS_CONFIG=` + oauthModule + ` required clientId="id" clientSecret="` + secret + `" unsecuredLoginStringClaim_sub="alice";`),
			"CONNECT_SASL_JAAS_CONFIG has option unsecuredLoginStringClaim_sub of Kafka's unsecured test login, which this worker does not have"},
		{"unknown option", oauthEnv(oauthJAAS[:len(oauthJAAS)-1] + ` ssl.truststore.location="/ca.pem";`),
			"CONNECT_SASL_JAAS_CONFIG has option ssl.truststore.location, which OAUTHBEARER does not read here; it reads clientId, clientSecret, scope and extension_<name>"},
		{"extension name", oauthEnv(oauthJAAS[:len(oauthJAAS)-1] + ` extension_auth="x";`),
			"CONNECT_SASL_JAAS_CONFIG has option extension_auth: an extension name is letters only, and not auth"},
		{"unsecured handler", oauthEnv(oauthJAAS, "CONNECT_SASL_LOGIN_CALLBACK_HANDLER_CLASS=org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler"),
			`CONNECT_SASL_LOGIN_CALLBACK_HANDLER_CLASS is "org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler", a class this worker does not have; with OAUTHBEARER use org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler, or leave it empty`},
		{"file retriever", oauthEnv(oauthJAAS, "CONNECT_SASL_OAUTHBEARER_JWT_RETRIEVER_CLASS=org.apache.kafka.common.security.oauthbearer.FileJwtRetriever"),
			`CONNECT_SASL_OAUTHBEARER_JWT_RETRIEVER_CLASS is "org.apache.kafka.common.security.oauthbearer.FileJwtRetriever"; this worker fetches tokens with the client-credentials grant only`},
		{"window factor", oauthEnv(oauthJAAS, "CONNECT_SASL_LOGIN_REFRESH_WINDOW_FACTOR=0.3"),
			"CONNECT_SASL_LOGIN_REFRESH_WINDOW_FACTOR is 0.3, not between 0.5 and 1"},
		{"buffer", oauthEnv(oauthJAAS, "CONNECT_SASL_LOGIN_REFRESH_BUFFER_SECONDS=3601"),
			"CONNECT_SASL_LOGIN_REFRESH_BUFFER_SECONDS is 3601, not between 0 and 3600"},
		{"backoff", oauthEnv(oauthJAAS, "CONNECT_SASL_LOGIN_RETRY_BACKOFF_MS=20000"),
			"CONNECT_SASL_LOGIN_RETRY_BACKOFF_MAX_MS is 10000, below sasl.login.retry.backoff.ms (20000)"},
		{"IAM with a PLAIN line", aws(`org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="` + secret + `";`),
			"CONNECT_SASL_JAAS_CONFIG names login module org.apache.kafka.common.security.plain.PlainLoginModule; AWS_MSK_IAM takes " + iamModule},
		{"IAM role keys", aws(iamModule + ` required awsRoleArn="arn" awsRoleSecretAccessKey="` + secret + `";`),
			"CONNECT_SASL_JAAS_CONFIG has option awsRoleSecretAccessKey, which is not supported: the credentials that assume awsRoleArn come from the AWS chain"},
		{"IAM debug", aws(iamModule + ` required awsDebugCreds=true;`),
			"CONNECT_SASL_JAAS_CONFIG has option awsDebugCreds, which is not supported: this worker does not log the caller identity; remove it"},
		{"IAM unknown", aws(iamModule + ` required awsRegion="x";`),
			"CONNECT_SASL_JAAS_CONFIG has option awsRegion, which IAMLoginModule does not have; this worker reads awsProfileName, awsRoleArn, awsRoleExternalId, awsRoleSessionName, awsStsRegion"},
		{"IAM profile and role", aws(iamModule + ` required awsProfileName="p" awsRoleArn="arn";`),
			"CONNECT_SASL_JAAS_CONFIG has both awsProfileName and awsRoleArn; give one"},
		{"client handler", oauthEnv(oauthJAAS, "CONNECT_SASL_CLIENT_CALLBACK_HANDLER_CLASS=software.amazon.msk.auth.iam.IAMClientCallbackHandler"),
			`CONNECT_SASL_CLIENT_CALLBACK_HANDLER_CLASS is "software.amazon.msk.auth.iam.IAMClientCallbackHandler", a class this worker does not have; leave it empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.environ, "")
			got := fmt.Sprint(err)
			if strings.Contains(got, "\n") || !strings.HasPrefix(got, tt.want) {
				t.Errorf("got\n%s\nwant one error starting\n%s", got, tt.want)
			}
			if strings.Contains(got, secret) {
				t.Errorf("the error shows the secret: %s", got)
			}
		})
	}
}
