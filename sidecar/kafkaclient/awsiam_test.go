package kafkaclient

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	signer "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/segmentio/kafka-go/sasl"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata golden files")

const (
	mskHost   = "b-1.demo.abc123.c2.kafka.eu-west-1.amazonaws.com"
	mskSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// signedPayload runs m for a connection to host and decodes its first
// message.
func signedPayload(t *testing.T, m sasl.Mechanism, host string) map[string]string {
	t.Helper()
	ctx := sasl.WithMetadata(context.Background(), &sasl.Metadata{Host: host, Port: 9098})
	sm, first, err := m.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var payload map[string]string
	if err := json.Unmarshal(first, &payload); err != nil {
		t.Fatalf("%v: %s", err, first)
	}
	if done, _, err := sm.Next(ctx, []byte(`{"version":"2020_10_22","request-id":"r"}`)); !done || err != nil {
		t.Errorf("after the broker's answer: done %v, %v", done, err)
	}
	return payload
}

// No MSK here: the payload is signed with fixed credentials at a fixed
// time and compared with a golden file, and its signature is checked
// against SigV4 computed here from the AWS documentation.
func TestAWSMSKIAMSignedPayload(t *testing.T) {
	m := awsMSKIAM{
		creds:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", mskSecret, "session/token+="),
		signer: signer.NewSigner(),
		now:    func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) },
	}
	payload := signedPayload(t, m, mskHost)
	if !strings.HasPrefix(payload["user-agent"], "kafka-go/sasl/aws_msk_iam_v2/") {
		t.Errorf("user-agent %q", payload["user-agent"])
	}
	payload["user-agent"] = "(names the Go version)"
	got, err := json.MarshalIndent(payload, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "aws_msk_iam.json")
	if *rewrite {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got)+"\n" != string(want) {
		t.Errorf("payload\n%s\nwant (%s, -rewrite to update)\n%s", got, golden, want)
	}
	if sig := sigV4(payload, mskSecret); payload["x-amz-signature"] != sig {
		t.Errorf("x-amz-signature %s, but SigV4 gives %s", payload["x-amz-signature"], sig)
	}
}

// sigV4 signs the presigned GET kafka://host/?... that the payload
// describes, as MSK checks it.
func sigV4(p map[string]string, secret string) string {
	q := url.Values{}
	for field, param := range map[string]string{
		"action": "Action", "x-amz-algorithm": "X-Amz-Algorithm", "x-amz-credential": "X-Amz-Credential", "x-amz-date": "X-Amz-Date",
		"x-amz-expires": "X-Amz-Expires", "x-amz-security-token": "X-Amz-Security-Token", "x-amz-signedheaders": "X-Amz-SignedHeaders",
	} {
		q.Set(param, p[field])
	}
	canonical := strings.Join([]string{"GET", "/", strings.ReplaceAll(q.Encode(), "+", "%20"),
		"host:" + p["host"] + "\n", "host", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, "\n")
	scope := strings.SplitN(p["x-amz-credential"], "/", 2)[1]
	hash := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + p["x-amz-date"] + "\n" + scope + "\n" + hex.EncodeToString(hash[:])
	key := []byte("AWS4" + secret)
	for _, part := range strings.Split(scope, "/") {
		key = hmacSHA256(key, part)
	}
	return hex.EncodeToString(hmacSHA256(key, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// isolateAWS empties the AWS settings of the environment for one test, so
// that no test reads a developer's ~/.aws or asks an instance metadata
// service, and sets the given ones.
func isolateAWS(t *testing.T, env ...string) {
	dir := t.TempDir()
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_DEFAULT_REGION"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_REGION", "eu-west-1")
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		t.Setenv(name, value)
	}
}

// fakeSTS answers AssumeRole and AssumeRoleWithWebIdentity with
// credentials whose key id names the action.
func fakeSTS(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		action := r.Form.Get("Action")
		if action == "AssumeRole" && (r.Form.Get("RoleSessionName") != "aws-msk-iam-auth" || r.Form.Get("ExternalId") != "ext-1") {
			t.Errorf("AssumeRole form %v", r.Form)
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%[1]sResult><Credentials>
<AccessKeyId>AKID%[2]s</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token-%[2]s</SessionToken>
<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></%[1]sResult></%[1]sResponse>`, action, strings.ToUpper(action))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The credentials come from where the platform puts them: the
// environment, the ECS task role, a web identity token (EKS), a profile,
// or a role assumed with one of those.
func TestAWSMSKIAMCredentialChain(t *testing.T) {
	ecs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"AccessKeyId":"AKIDECS","SecretAccessKey":"secret","Token":"token-ecs","Expiration":"2099-01-01T00:00:00Z"}`)
	}))
	defer ecs.Close()
	sts := fakeSTS(t)
	webToken := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(webToken, []byte("eyJ.web.identity"), 0o600); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(profile, []byte("[profile msk]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	envKeys := []string{"AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=secret", "AWS_SESSION_TOKEN=token-env"}
	tests := []struct {
		name      string
		env       []string
		iam       config.AWSIAM
		akid, tok string
	}{
		{"environment", envKeys, config.AWSIAM{}, "AKIDENV", "token-env"},
		{"ECS task role", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + ecs.URL + "/creds"}, config.AWSIAM{}, "AKIDECS", "token-ecs"},
		{"web identity", []string{"AWS_WEB_IDENTITY_TOKEN_FILE=" + webToken, "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web", "AWS_ENDPOINT_URL_STS=" + sts.URL},
			config.AWSIAM{}, "AKIDASSUMEROLEWITHWEBIDENTITY", "token-ASSUMEROLEWITHWEBIDENTITY"},
		{"awsProfileName", []string{"AWS_CONFIG_FILE=" + profile}, config.AWSIAM{ProfileName: "msk"}, "AKIDPROFILE", ""},
		{"awsRoleArn", append(envKeys, "AWS_ENDPOINT_URL_STS="+sts.URL), config.AWSIAM{RoleARN: "arn:aws:iam::123456789012:role/msk", RoleExternalID: "ext-1"},
			"AKIDASSUMEROLE", "token-ASSUMEROLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWS(t, tt.env...)
			m, err := newAWSMSKIAM(tt.iam, []string{mskHost + ":9098"})
			if err != nil {
				t.Fatal(err)
			}
			p := signedPayload(t, m, mskHost)
			if akid, _, _ := strings.Cut(p["x-amz-credential"], "/"); akid != tt.akid || p["x-amz-security-token"] != tt.tok {
				t.Errorf("signed as %s with token %q, want %s and %q", akid, p["x-amz-security-token"], tt.akid, tt.tok)
			}
			if !strings.Contains(p["x-amz-credential"], "/eu-west-1/kafka-cluster/aws4_request") {
				t.Errorf("credential scope %s", p["x-amz-credential"])
			}
		})
	}
}

func TestAWSMSKIAMRefusesWhatCannotWork(t *testing.T) {
	isolateAWS(t)
	_, err := newAWSMSKIAM(config.AWSIAM{}, []string{mskHost + ":9098"})
	if err == nil || !strings.HasPrefix(err.Error(), "AWS_MSK_IAM: no AWS credentials: ") {
		t.Errorf("without credentials: %v", err)
	}
	isolateAWS(t, "AWS_ACCESS_KEY_ID=AKIDENV", "AWS_SECRET_ACCESS_KEY=secret", "AWS_REGION=")
	_, err = newAWSMSKIAM(config.AWSIAM{}, []string{"kafka.internal:9098"})
	if err == nil || err.Error() != "AWS_MSK_IAM: the AWS region of broker kafka.internal is not in its host name; set AWS_REGION" {
		t.Errorf("without a region: %v", err)
	}
	_, err = newAWSMSKIAM(config.AWSIAM{ProfileName: "missing"}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "AWS_MSK_IAM: AWS configuration: ") || !strings.Contains(err.Error(), "missing") {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestRegionOf(t *testing.T) {
	for host, want := range map[string]string{
		mskHost: "eu-west-1",
		"boot-abc.c1.kafka-serverless.us-east-2.amazonaws.com": "us-east-2",
		"b-2.demo.x.c3.kafka.cn-north-1.amazonaws.com.cn":      "cn-north-1",
		"kafka.internal": "",
	} {
		if got := regionOf(host); got != want {
			t.Errorf("%s: %q, want %q", host, got, want)
		}
	}
}
