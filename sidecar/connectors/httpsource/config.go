package httpsource

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/internal/httpclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Setting names.
const (
	URLConfig            = "http.url"
	TopicConfig          = "topic"
	CursorParamConfig    = "http.cursor.param"
	PollIntervalConfig   = "http.poll.interval.ms"
	BackoffMaxConfig     = "http.poll.backoff.max.ms"
	TimeoutConfig        = httpclient.TimeoutConfig
	AuthHeaderConfig     = httpclient.AuthHeaderConfig
	AuthHeaderFileConfig = httpclient.AuthHeaderFileConfig
	HeadersConfig        = httpclient.HeadersConfig
)

// The source partition and offset fields.
const (
	URLField    = "url"    // partition: {"url": <http.url>}
	CursorField = "cursor" // offset: {"cursor": <cursor>}
)

// maxMillis bounds the time settings: a day is more than any of them
// needs, and keeps a typo from overflowing a time.Duration.
const maxMillis = 24 * 60 * 60 * 1000

// urlKey is http.url; its host must also be allowed by the worker's
// egress policy (see checkEgress).
var urlKey = configdef.Required(URLConfig, plugin.TypeString, plugin.High,
	"URL the task GETs records from, http:// or https://. The cursor is added as a query parameter (see "+CursorParamConfig+"); other query parameters are sent as written. "+
		"It is also the source partition the cursor is stored under, so changing it starts over. Keep credentials out of it: use "+AuthHeaderConfig+" or "+HeadersConfig+". "+
		"Its host must be one the worker's SIDECAR_HTTP_ALLOWED_HOSTS allows.").
	Checked(checkURL)

var configDef = configdef.Def{
	urlKey,
	configdef.Required(TopicConfig, plugin.TypeString, plugin.High,
		"Topic the records are written to, unless a record names its own.").Checked(configdef.NonEmptyString),
	configdef.Optional(CursorParamConfig, plugin.TypeString, "cursor", plugin.Medium,
		"Query parameter that carries the cursor of the last answer. Until there is one, the URL is sent as configured.").
		Checked(configdef.NonEmptyString),
	configdef.Optional(PollIntervalConfig, plugin.TypeLong, "1000", plugin.Medium,
		"Milliseconds to wait after an answer with no records before asking again.").Checked(configdef.Between(1, maxMillis)),
	configdef.Optional(BackoffMaxConfig, plugin.TypeLong, "30000", plugin.Medium,
		"Longest wait in milliseconds between requests. While answers stay empty or requests fail, the wait doubles from "+PollIntervalConfig+", with jitter, up to this. At least "+PollIntervalConfig+".").
		Checked(configdef.Between(1, maxMillis)),
	httpclient.Timeout("Milliseconds one request may take, reading the whole answer included.", maxMillis),
	httpclient.AuthHeader(
		"Value of the Authorization header sent with each request, such as 'Bearer <token>'. Empty or unset: none. Set at most one of this and " + AuthHeaderFileConfig + "."),
	httpclient.AuthHeaderFile(
		"File holding the value of the Authorization header, such as a mounted Kubernetes secret; white space around it is ignored. " +
			"It is read for every request, so a rotated secret is used without a restart. Empty or unset: none."),
	httpclient.Headers(
		"More request headers, comma-separated, each written 'Name: value'. Values cannot hold commas. Authorization belongs in "+AuthHeaderConfig+" or "+AuthHeaderFileConfig+".",
		checkHeaders),
}

// config is a parsed HttpSourceConnector configuration.
type config struct {
	rawURL      string // http.url as written (trimmed): the source partition
	url         *url.URL
	topic       string
	cursorParam string
	interval    time.Duration
	backoffMax  time.Duration
	timeout     time.Duration
	auth        string // "" when none, or when authFile is used
	authFile    string
	headers     http.Header
}

func parseConfig(props map[string]string) (config, error) {
	c, err := parseKeys(props)
	if err != nil {
		return config{}, err
	}
	return c, c.checkTogether()
}

// parseKeys reads each setting by its own rules.
func parseKeys(props map[string]string) (config, error) {
	v, err := configDef.Parse(props)
	if err != nil {
		return config{}, err
	}
	c := config{
		rawURL:      v.String(URLConfig),
		topic:       v.String(TopicConfig),
		cursorParam: v.String(CursorParamConfig),
		interval:    time.Duration(v.Long(PollIntervalConfig)) * time.Millisecond,
		backoffMax:  time.Duration(v.Long(BackoffMaxConfig)) * time.Millisecond,
		timeout:     time.Duration(v.Long(TimeoutConfig)) * time.Millisecond,
		auth:        v.Password(AuthHeaderConfig),
		authFile:    v.String(AuthHeaderFileConfig),
	}
	// Both checked by their keys' validators already.
	c.url, _ = url.Parse(c.rawURL)
	c.headers, _ = parseHeaders(HeadersConfig, v.List(HeadersConfig))
	return c, nil
}

// checkTogether applies the rules that span settings, which a key's own
// validator cannot see.
func (c config) checkTogether() error {
	if c.auth != "" && c.authFile != "" {
		return configdef.Invalid(AuthHeaderFileConfig, c.authFile,
			"Set only one of "+AuthHeaderConfig+" and "+AuthHeaderFileConfig)
	}
	if c.backoffMax < c.interval {
		return configdef.Invalid(BackoffMaxConfig, strconv.FormatInt(c.backoffMax.Milliseconds(), 10),
			fmt.Sprintf("Value must be at least %s (%d)", PollIntervalConfig, c.interval.Milliseconds()))
	}
	if _, ok := c.headers["Authorization"]; ok && (c.auth != "" || c.authFile != "") {
		return configdef.Invalid(HeadersConfig, "[hidden]",
			"Authorization is set by "+AuthHeaderConfig+" or "+AuthHeaderFileConfig+"; remove it from "+HeadersConfig)
	}
	return nil
}

func checkURL(key string, v any) error {
	s, _ := v.(string)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return configdef.Invalid(key, s, "Must be an absolute http:// or https:// URL, such as https://api.example.com/events")
	}
	return nil
}

// checkEgress refuses an http.url whose host p does not allow.
func checkEgress(p *egress.Policy, rawURL string) error {
	if err := p.CheckURL(rawURL); err != nil {
		return configdef.Invalid(URLConfig, rawURL, err.Error())
	}
	return nil
}

func checkHeaders(key string, v any) error {
	l, _ := v.([]string)
	_, err := parseHeaders(key, l)
	return err
}

// parseHeaders reads "Name: value" entries. Errors name the entry but
// never show a value, which may well be a secret.
func parseHeaders(key string, entries []string) (http.Header, error) {
	l, err := httpclient.ParseHeaders(entries)
	var he *httpclient.HeaderError
	if errors.As(err, &he) {
		msg := fmt.Sprintf("The value of header %s holds control characters", he.Name)
		switch he.Problem {
		case httpclient.NoColon:
			msg = fmt.Sprintf("Entry %d has no ':'; write each header as 'Name: value', comma-separated", he.Entry)
		case httpclient.BadName:
			msg = fmt.Sprintf("Entry %d: %q is not a header name", he.Entry, he.Name)
		}
		return nil, configdef.Invalid(key, "[hidden]", msg)
	}
	h := http.Header{}
	for _, e := range l {
		h.Add(e.Name, e.Value)
	}
	return h, nil
}
