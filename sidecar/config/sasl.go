package config

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// OAuthBearer holds the OIDC client-credentials login (KIP-768) that
// sasl.mechanism=OAUTHBEARER uses, by Java's names. Client id, secret and
// scope may also come from clientId, clientSecret and scope in
// sasl.jaas.config; the properties win there, as in Java, and the
// SIDECAR_SASL_* settings win over both.
type OAuthBearer struct {
	// Kafka 4.3 still logs in with its unsecured test login unless this
	// names the OIDC handler; here an empty value means the OIDC login, the
	// only one there is.
	LoginCallbackHandlerClass string `prop:"sasl.login.callback.handler.class" doc:"login callback handler: with OAUTHBEARER, org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler (what Java needs for the OIDC login; empty means the same here)"`
	TokenEndpointURL          string `prop:"sasl.oauthbearer.token.endpoint.url" doc:"the OAuth/OIDC provider's token endpoint, http:// or https://, e.g. https://idp.example.com/oauth2/token"`
	ClientID                  string `prop:"sasl.oauthbearer.client.credentials.client.id" doc:"OAuth client id (or clientId in sasl.jaas.config), e.g. connect"`
	ClientSecret              string `prop:"sasl.oauthbearer.client.credentials.client.secret" doc:"OAuth client secret (or clientSecret in sasl.jaas.config, or SIDECAR_SASL_PASSWORD_FILE)"`
	Scope                     string `prop:"sasl.oauthbearer.scope" doc:"scope the token is asked for (or scope in sasl.jaas.config), e.g. kafka"`
	JWTRetrieverClass         string `prop:"sasl.oauthbearer.jwt.retriever.class" default:"org.apache.kafka.common.security.oauthbearer.DefaultJwtRetriever" doc:"how tokens are fetched; DefaultJwtRetriever or ClientCredentialsJwtRetriever (org.apache.kafka.common.security.oauthbearer.), both the client-credentials grant"`
	HeaderURLEncode           Bool   `prop:"sasl.oauthbearer.header.urlencode" default:"false" doc:"true to URL-encode client id and secret in the token request's Basic authorization (RFC 6749), true or false"`
	SubClaimName              string `prop:"sasl.oauthbearer.sub.claim.name" default:"sub" doc:"the access token's claim that names its subject, e.g. sub"`

	// When to refresh the token: Java's login refresh settings.
	RefreshWindowFactor     float64 `prop:"sasl.login.refresh.window.factor" default:"0.8" doc:"part of the token's lifetime after which it is refreshed, 0.5 to 1.0, e.g. 0.8"`
	RefreshWindowJitter     float64 `prop:"sasl.login.refresh.window.jitter" default:"0.05" doc:"random part of the lifetime added to that, 0 to 0.25, e.g. 0.05"`
	RefreshMinPeriodSeconds int     `prop:"sasl.login.refresh.min.period.seconds" default:"60" doc:"least time between refreshes in seconds, 0 to 900 (with the buffer, ignored for tokens that live shorter than both), e.g. 60"`
	RefreshBufferSeconds    int     `prop:"sasl.login.refresh.buffer.seconds" default:"300" doc:"time before expiry a refresh keeps free, in seconds, 0 to 3600, e.g. 300"`

	ConnectTimeout  Millis `prop:"sasl.login.connect.timeout.ms" doc:"time to connect to the token endpoint in ms; unset, only the login's own deadline applies, e.g. 10000"`
	ReadTimeout     Millis `prop:"sasl.login.read.timeout.ms" doc:"time to wait for the token endpoint's answer in ms; unset, only the login's own deadline applies, e.g. 10000"`
	RetryBackoff    Millis `prop:"sasl.login.retry.backoff.ms" default:"100" doc:"first wait before asking the token endpoint again, in ms; it doubles, e.g. 100"`
	RetryBackoffMax Millis `prop:"sasl.login.retry.backoff.max.ms" default:"10000" doc:"time one login keeps retrying the token endpoint, in ms, e.g. 10000"`

	// Extensions are the SASL extensions from extension_<name> options
	// of sasl.jaas.config (Confluent Cloud's logicalCluster and
	// identityPoolId, for instance).
	Extensions map[string]string
}

// The OIDC login handler, under its Kafka 4.x name and the 3.x one that
// env files written for older images still carry.
var oauthLoginHandlers = []string{
	"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
	"org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler",
}

var jwtRetrievers = []string{
	"org.apache.kafka.common.security.oauthbearer.DefaultJwtRetriever",
	"org.apache.kafka.common.security.oauthbearer.ClientCredentialsJwtRetriever",
}

// Java's rules for SASL extension names and values.
var (
	extensionName  = regexp.MustCompile(`^[A-Za-z]+$`)
	extensionValue = regexp.MustCompile(`^[\x21-\x7E \t\r\n]+$`)
)

func (v *validator) oauthBearer(s *Security, jaas JAAS, sc *Sidecar) {
	o := &s.OAuthBearer
	if jaas.Module != "" && jaas.Module != oauthLoginModule {
		v.bad("sasl.jaas.config", "names login module %s; OAUTHBEARER takes %s", jaas.Module, oauthLoginModule)
		return
	}
	o.Extensions = map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(jaas.Options)) {
		value := jaas.Options[name]
		ext, isExt := strings.CutPrefix(name, "extension_")
		switch {
		case name == "clientId" || name == "clientSecret" || name == "scope":
		case isExt && (!extensionName.MatchString(ext) || ext == "auth"):
			v.bad("sasl.jaas.config", "has option %s: an extension name is letters only, and not auth", name)
		case isExt && !extensionValue.MatchString(value):
			v.bad("sasl.jaas.config", "has option %s, whose value holds characters a SASL extension cannot carry", name)
		case isExt:
			o.Extensions[ext] = value
		case strings.HasPrefix(name, "unsecuredLogin"):
			v.bad("sasl.jaas.config", "has option %s of Kafka's unsecured test login, which this worker does not have; give clientId and clientSecret for the OIDC login", name)
		default:
			v.bad("sasl.jaas.config", "has option %s, which OAUTHBEARER does not read here; it reads clientId, clientSecret, scope and extension_<name>", name)
		}
	}
	o.ClientID = firstSet(sc.SASLUsername, o.ClientID, jaas.Options["clientId"])
	o.ClientSecret = firstSet(sidecarPassword(sc), o.ClientSecret, jaas.Options["clientSecret"])
	o.Scope = firstSet(o.Scope, jaas.Options["scope"])

	if o.TokenEndpointURL == "" {
		v.bad("sasl.oauthbearer.token.endpoint.url", "is required with sasl.mechanism OAUTHBEARER")
	} else if u, err := url.Parse(o.TokenEndpointURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.bad("sasl.oauthbearer.token.endpoint.url", "is not an http:// or https:// URL with a host (a token read from a file is not supported)")
	}
	if !slices.Contains(jwtRetrievers, o.JWTRetrieverClass) {
		v.bad("sasl.oauthbearer.jwt.retriever.class", "is %q; this worker fetches tokens with the client-credentials grant only", o.JWTRetrieverClass)
	}
	if o.ClientID == "" {
		v.bad("sasl.oauthbearer.client.credentials.client.id", "is required with sasl.mechanism OAUTHBEARER; or give clientId in sasl.jaas.config, or SIDECAR_SASL_USERNAME")
	}
	if o.ClientSecret == "" {
		v.bad("sasl.oauthbearer.client.credentials.client.secret", "is required with sasl.mechanism OAUTHBEARER; or give clientSecret in sasl.jaas.config, or SIDECAR_SASL_PASSWORD(_FILE)")
	}
	if o.SubClaimName == "" {
		v.bad("sasl.oauthbearer.sub.claim.name", "is empty")
	}
	v.between("sasl.login.refresh.window.factor", o.RefreshWindowFactor, 0.5, 1)
	v.between("sasl.login.refresh.window.jitter", o.RefreshWindowJitter, 0, 0.25)
	v.between("sasl.login.refresh.min.period.seconds", float64(o.RefreshMinPeriodSeconds), 0, 900)
	v.between("sasl.login.refresh.buffer.seconds", float64(o.RefreshBufferSeconds), 0, 3600)
	if o.RetryBackoffMax < o.RetryBackoff {
		v.bad("sasl.login.retry.backoff.max.ms", "is %d, below sasl.login.retry.backoff.ms (%d)", o.RetryBackoffMax.Ms(), o.RetryBackoff.Ms())
	}
}

func (v *validator) between(prop string, n, lo, hi float64) {
	if n < lo || n > hi {
		v.bad(prop, "is %v, not between %v and %v", n, lo, hi)
	}
}

func firstSet(values ...string) string {
	for _, s := range values {
		if s != "" {
			return s
		}
	}
	return ""
}

// AWSIAM holds the options of aws-msk-iam-auth's IAMLoginModule this
// worker honours. With none, credentials come from the standard AWS chain
// (environment, web identity, ECS task role, shared profile, EC2).
type AWSIAM struct {
	ProfileName     string // awsProfileName: a profile of the shared AWS config
	RoleARN         string // awsRoleArn: a role to assume with the chain's credentials
	RoleSessionName string // awsRoleSessionName
	RoleExternalID  string // awsRoleExternalId
	STSRegion       string // awsStsRegion: where to assume it; the global endpoint by default
}

// Options of IAMLoginModule that are refused, and why.
var iamRefused = map[string]string{
	"awsRoleAccessKeyId":     "the credentials that assume awsRoleArn come from the AWS chain (environment, web identity, ECS task role), not from sasl.jaas.config",
	"awsRoleSecretAccessKey": "the credentials that assume awsRoleArn come from the AWS chain (environment, web identity, ECS task role), not from sasl.jaas.config",
	"awsRoleSessionToken":    "the credentials that assume awsRoleArn come from the AWS chain (environment, web identity, ECS task role), not from sasl.jaas.config",
	"awsDebugCreds":          "this worker does not log the caller identity; remove it",
	"awsMaxRetries":          "the AWS SDK's own retries apply; remove it",
	"awsMaxBackOffTimeMs":    "the AWS SDK's own retries apply; remove it",
}

func (v *validator) awsIAM(s *Security, jaas JAAS) {
	if jaas.Module != "" && jaas.Module != iamLoginModule {
		v.bad("sasl.jaas.config", "names login module %s; AWS_MSK_IAM takes %s", jaas.Module, iamLoginModule)
		return
	}
	a := &s.AWSIAM
	fields := map[string]*string{
		"awsProfileName": &a.ProfileName, "awsRoleArn": &a.RoleARN, "awsRoleSessionName": &a.RoleSessionName,
		"awsRoleExternalId": &a.RoleExternalID, "awsStsRegion": &a.STSRegion,
	}
	for _, name := range slices.Sorted(maps.Keys(jaas.Options)) {
		value := jaas.Options[name]
		if f, ok := fields[name]; ok {
			*f = value
		} else if why, ok := iamRefused[name]; ok {
			v.bad("sasl.jaas.config", "has option %s, which is not supported: %s", name, why)
		} else {
			v.bad("sasl.jaas.config", "has option %s, which IAMLoginModule does not have; this worker reads %s", name, strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
		}
	}
	if a.ProfileName != "" && a.RoleARN != "" {
		v.bad("sasl.jaas.config", "has both awsProfileName and awsRoleArn; give one (a profile can itself name a role_arn)")
	}
}
