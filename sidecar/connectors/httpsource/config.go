package httpsource

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/internal/settings"
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
	TimeoutConfig        = "http.timeout.ms"
	AuthHeaderConfig     = "http.auth.header"
	AuthHeaderFileConfig = "http.auth.header.file"
	HeadersConfig        = "http.headers"
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
var urlKey = settings.Required(URLConfig, plugin.TypeString, plugin.High,
	"URL the task GETs records from, http:// or https://. The cursor is added as a query parameter (see "+CursorParamConfig+"); other query parameters are sent as written. "+
		"It is also the source partition the cursor is stored under, so changing it starts over. Keep credentials out of it: use "+AuthHeaderConfig+" or "+HeadersConfig+". "+
		"Its host must be one the worker's SIDECAR_HTTP_ALLOWED_HOSTS allows.").
	Checked(checkURL)

var configDef = settings.Def{
	urlKey,
	settings.Required(TopicConfig, plugin.TypeString, plugin.High,
		"Topic the records are written to, unless a record names its own.").Checked(settings.NonEmptyString),
	settings.Optional(CursorParamConfig, plugin.TypeString, "cursor", plugin.Medium,
		"Query parameter that carries the cursor of the last answer. Until there is one, the URL is sent as configured.").
		Checked(settings.NonEmptyString),
	settings.Optional(PollIntervalConfig, plugin.TypeLong, "1000", plugin.Medium,
		"Milliseconds to wait after an answer with no records before asking again.").Checked(settings.Between(1, maxMillis)),
	settings.Optional(BackoffMaxConfig, plugin.TypeLong, "30000", plugin.Medium,
		"Longest wait in milliseconds between requests. While answers stay empty or requests fail, the wait doubles from "+PollIntervalConfig+", with jitter, up to this. At least "+PollIntervalConfig+".").
		Checked(settings.Between(1, maxMillis)),
	settings.Optional(TimeoutConfig, plugin.TypeLong, "10000", plugin.Medium,
		"Milliseconds one request may take, reading the whole answer included.").Checked(settings.Between(1, maxMillis)),
	settings.Nullable(AuthHeaderConfig, plugin.TypePassword, plugin.Medium,
		"Value of the Authorization header sent with each request, such as 'Bearer <token>'. Empty or unset: none. Set at most one of this and "+AuthHeaderFileConfig+"."),
	settings.Nullable(AuthHeaderFileConfig, plugin.TypeString, plugin.Medium,
		"File holding the value of the Authorization header, such as a mounted Kubernetes secret; white space around it is ignored. "+
			"It is read for every request, so a rotated secret is used without a restart. Empty or unset: none."),
	settings.Optional(HeadersConfig, plugin.TypeList, "", plugin.Low,
		"More request headers, comma-separated, each written 'Name: value'. Values cannot hold commas. Authorization belongs in "+AuthHeaderConfig+" or "+AuthHeaderFileConfig+".").
		Checked(checkHeaders),
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
		auth:        v.String(AuthHeaderConfig),
		authFile:    v.String(AuthHeaderFileConfig),
	}
	// Both checked by their keys' validators already.
	c.url, _ = url.Parse(c.rawURL)
	c.headers, _ = parseHeaders(HeadersConfig, v.String(HeadersConfig))
	return c, nil
}

// checkTogether applies the rules that span settings, which a key's own
// validator cannot see.
func (c config) checkTogether() error {
	if c.auth != "" && c.authFile != "" {
		return settings.Invalid(AuthHeaderFileConfig, c.authFile,
			"Set only one of "+AuthHeaderConfig+" and "+AuthHeaderFileConfig)
	}
	if c.backoffMax < c.interval {
		return settings.Invalid(BackoffMaxConfig, strconv.FormatInt(c.backoffMax.Milliseconds(), 10),
			fmt.Sprintf("Value must be at least %s (%d)", PollIntervalConfig, c.interval.Milliseconds()))
	}
	if _, ok := c.headers["Authorization"]; ok && (c.auth != "" || c.authFile != "") {
		return settings.Invalid(HeadersConfig, "[hidden]",
			"Authorization is set by "+AuthHeaderConfig+" or "+AuthHeaderFileConfig+"; remove it from "+HeadersConfig)
	}
	return nil
}

func checkURL(key string, v any) error {
	s, _ := v.(string)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return settings.Invalid(key, s, "Must be an absolute http:// or https:// URL, such as https://api.example.com/events")
	}
	return nil
}

// checkEgress refuses an http.url whose host p does not allow.
func checkEgress(p *egress.Policy, rawURL string) error {
	if err := p.CheckURL(rawURL); err != nil {
		return settings.Invalid(URLConfig, rawURL, err.Error())
	}
	return nil
}

func checkHeaders(key string, v any) error {
	s, _ := v.(string)
	_, err := parseHeaders(key, s)
	return err
}

// parseHeaders reads "Name: value, Name: value". Errors name the entry
// but never show a value, which may well be a secret.
func parseHeaders(key, s string) (http.Header, error) {
	h := http.Header{}
	if strings.TrimSpace(s) == "" {
		return h, nil
	}
	for i, entry := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(entry, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			return nil, settings.Invalid(key, "[hidden]", fmt.Sprintf("Entry %d has no ':'; write each header as 'Name: value', comma-separated", i+1))
		case !isToken(name):
			return nil, settings.Invalid(key, "[hidden]", fmt.Sprintf("Entry %d: %q is not a header name", i+1, name))
		case strings.ContainsAny(value, "\r\n\x00"):
			return nil, settings.Invalid(key, "[hidden]", fmt.Sprintf("The value of header %s holds a line break or NUL", name))
		}
		h.Add(name, value)
	}
	return h, nil
}

// isToken reports whether s is an HTTP token (RFC 9110), as header names
// must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
