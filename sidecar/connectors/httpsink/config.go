package httpsink

import (
	"crypto/tls"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/connectors/internal/httpclient"
	"github.com/connect-sidecar/connect-sidecar/sidecar/egress"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Setting names.
const (
	URLConfig                  = "http.url"
	HealthURLConfig            = "http.health.url"
	HealthIntervalConfig       = "http.health.interval.ms"
	FormatConfig               = "http.format"
	BatchMaxRecordsConfig      = "batch.max.records"
	BatchMaxBytesConfig        = "batch.max.bytes"
	BatchLingerConfig          = "batch.linger.ms"
	MaxInFlightConfig          = "max.in.flight"
	PartitionMaxInFlightConfig = "max.in.flight.per.partition"
	OrderingConfig             = "delivery.ordering"
	BufferMaxBytesConfig       = "buffer.max.bytes"
	TimeoutConfig              = httpclient.TimeoutConfig
	RetryBackoffConfig         = "retry.backoff.ms"
	RetryBackoffMaxConfig      = "retry.backoff.max.ms"
	RetryTimeoutConfig         = "retry.timeout.ms"
	AuthHeaderConfig           = httpclient.AuthHeaderConfig
	AuthHeaderFileConfig       = httpclient.AuthHeaderFileConfig
	HeadersConfig              = httpclient.HeadersConfig
	SSLCAFileConfig            = httpclient.SSLCAFileConfig
	SSLCertFileConfig          = httpclient.SSLCertFileConfig
	SSLKeyFileConfig           = httpclient.SSLKeyFileConfig
	SSLInsecureConfig          = httpclient.SSLInsecureConfig
)

// Values of http.format.
const (
	FormatJSON        = "json"
	FormatCloudEvents = "cloudevents"
)

// Values of delivery.ordering.
const (
	OrderPartition = "partition"
	OrderKey       = "key"
	OrderNone      = "none"
)

// maxMillis is the longest duration a *.ms setting can hold.
const maxMillis = int64(math.MaxInt64 / time.Millisecond)

const (
	nameConfig        = "name" // the connector's name, in every task config
	headerLineExample = "'Authorization: Bearer <token>'"
	ownHeaders        = "Content-Type, Content-Length, Transfer-Encoding, Host, Idempotency-Key and ce-*"
)

// def lists the settings; the URLs default to the worker's
// SIDECAR_APP_URL and SIDECAR_APP_HEALTH_URL, and must be hosts d.Egress
// allows.
func def(d Defaults) configdef.Def {
	return append(configdef.Def{
		configdef.Optional(URLConfig, plugin.TypeString, d.URL, plugin.High,
			"Where records are delivered: every batch is POSTed to this URL. Defaults to the worker's SIDECAR_APP_URL, the app next to the worker. "+
				"Its host must be one the worker's SIDECAR_HTTP_ALLOWED_HOSTS allows.").
			Checked(checkURL(d.Egress, true)),
		configdef.Optional(HealthURLConfig, plugin.TypeString, d.HealthURL, plugin.Medium,
			"The app's health endpoint, read with GET every "+HealthIntervalConfig+". While it answers anything but 2xx, or nothing, "+
				"no batch is sent, retries wait without using up "+RetryTimeoutConfig+", and the task stops consuming once its buffer is full. "+
				"Empty: no health checks. Defaults to the worker's SIDECAR_APP_HEALTH_URL.").
			Checked(checkURL(d.Egress, false)),
		configdef.Optional(HealthIntervalConfig, plugin.TypeLong, "1000", plugin.Low,
			"How often "+HealthURLConfig+" is read, in milliseconds. Delivery resumes at most this long after the app recovers.").
			Checked(configdef.Between(1, maxMillis)),
		configdef.Optional(FormatConfig, plugin.TypeString, FormatJSON, plugin.High,
			`How records are written in a request: json, a {"records":[...]} document with each record's id, topic, partition, offset, timestamp, key, value and headers; `+
				"or cloudevents, CloudEvents 1.0 in binary mode for a batch of one record and as an application/cloudevents-batch+json array for more.").
			Checked(oneOf(FormatJSON, FormatCloudEvents)),
		configdef.Optional(BatchMaxRecordsConfig, plugin.TypeInt, "500", plugin.Medium,
			"Most records in one request. 1 sends each record on its own.").
			Checked(configdef.AtLeast(1)),
		configdef.Optional(BatchMaxBytesConfig, plugin.TypeInt, "1048576", plugin.Medium,
			"Most bytes of records in one request body; a record larger than this is sent alone.").
			Checked(configdef.AtLeast(1)),
		configdef.Optional(BatchLingerConfig, plugin.TypeLong, "5", plugin.Medium,
			"How long, in milliseconds, a record waits for more records of its partition to fill a batch before it is sent anyway. 0 sends at once whatever is waiting.").
			Checked(configdef.Between(0, maxMillis)),
		configdef.Optional(OrderingConfig, plugin.TypeString, OrderPartition, plugin.High,
			"Which records keep their order, and so how many requests can be in flight at once. "+
				"partition: a partition's records go one batch at a time, in offset order, and a retry holds back the whole partition. "+
				"key: records with the same key (as read from Kafka) go one batch at a time, in offset order, while other keys of the partition go at the same time; "+
				"a retry holds back only its key. none: records go as soon as there is room, in any order. "+
				"With key and none, records done after one that is not are held, and sent again after a restart or a rebalance: the committed offset stays at the first record not done.").
			Checked(oneOf(OrderPartition, OrderKey, OrderNone)),
		configdef.Optional(MaxInFlightConfig, plugin.TypeInt, "8", plugin.Medium,
			"Most requests a task has outstanding at once, across its partitions. With "+OrderingConfig+"=partition a partition has one at a time, "+
				"so more than one needs records from several partitions; with key or none a partition can have several.").
			Checked(configdef.AtLeast(1)),
		configdef.Nullable(PartitionMaxInFlightConfig, plugin.TypeInt, plugin.Low,
			"Most requests of one partition outstanding at once with "+OrderingConfig+"=key or none, so that one partition's backlog leaves room for the others. "+
				"Unset: as many as "+MaxInFlightConfig+". Partition ordering sends one at a time.").
			Checked(configdef.NullOr(configdef.AtLeast(1))),
		configdef.Optional(BufferMaxBytesConfig, plugin.TypeLong, "4194304", plugin.Low,
			"Most bytes of records a task holds (waiting, in flight or waiting for a retry) before it stops taking records, which makes the worker stop reading. "+
				"A record counts its size as read and as encoded for the app until it is done, and a few hundred bytes until its offset can be committed. "+
				"With "+OrderingConfig+"=key or none this bounds how far other keys run ahead of one that keeps failing. "+
				"Raise it with "+MaxInFlightConfig+" when many large batches are to be in flight at once.").
			Checked(configdef.AtLeast(1)),
		httpclient.Timeout("How long one request may take, in milliseconds, response included, before it counts as failed and is retried. "+
			"Also how long closing partitions waits for their requests to return.", maxMillis),
		configdef.Optional(RetryBackoffConfig, plugin.TypeLong, "100", plugin.Medium,
			"Delay, in milliseconds, before a failed batch is first sent again. Each further failure doubles it, up to "+RetryBackoffMaxConfig+
				"; the delay used is random between 0 and that value (full jitter), so tasks do not retry in step. A Retry-After header in the response is honoured instead.").
			Checked(configdef.Between(1, maxMillis)),
		configdef.Optional(RetryBackoffMaxConfig, plugin.TypeLong, "10000", plugin.Medium,
			"Longest delay, in milliseconds, between two attempts of a batch, before jitter.").
			Checked(configdef.Between(1, maxMillis)),
		configdef.Optional(RetryTimeoutConfig, plugin.TypeLong, "-1", plugin.Medium,
			"How long, in milliseconds, a batch that keeps failing (5xx, 408, 429, timeouts, connection errors) is retried before its records go to the dead letter queue; "+
				"time while the app is unhealthy does not count. -1, the default, retries forever: when the app is down or overloaded every record fails alike, "+
				"and holding the partitions until it recovers loses nothing, where a time limit would empty the topic into the dead letter queue. "+
				"Set a limit when one record that always fails must not hold up its partition. 0 dead-letters at the first failure.").
			Checked(configdef.Between(-1, maxMillis)),
		httpclient.AuthHeader("A header sent with every request, usually credentials, written as 'Name: value', such as " + headerLineExample + ". " +
			"Prefer " + AuthHeaderFileConfig + " for secrets.").
			Checked(checkAuthHeader),
		httpclient.AuthHeaderFile("File holding the header to send with every request, as 'Name: value' (a mounted secret, for instance). " +
			"It is read when a task starts; a trailing newline is ignored. Set this or " + AuthHeaderConfig + ", not both."),
		httpclient.Headers("Extra headers for every request, comma-separated 'Name: value' pairs, such as 'X-Env: prod, X-Team: payments'. "+
			"Values cannot contain commas. "+ownHeaders+" are the connector's own.",
			checkHeaders),
	}, httpclient.TLSKeys()...)
}

// format is how records are written in a request body.
type format int

const (
	formatJSON format = iota
	formatCloudEvents
)

// ordering is which records a task keeps in order (delivery.ordering).
type ordering int

const (
	byPartition ordering = iota
	byKey
	unordered
)

// config is a task's parsed settings.
type config struct {
	name           string // the connector's, for the Observer
	url            string
	healthURL      string
	healthInterval time.Duration
	format         format
	maxRecords     int
	maxBytes       int
	linger         time.Duration
	maxInFlight    int
	perPartition   int // requests in flight per partition
	ordering       ordering
	bufferBytes    int
	timeout        time.Duration
	backoff        time.Duration
	backoffMax     time.Duration
	retryTimeout   time.Duration       // negative: retry forever
	headers        []httpclient.Header // auth header first, then http.headers
	tls            *tls.Config         // nil: Go's defaults
}

// parse reads and checks the settings and loads the files they name, so a
// bad file fails the connector when it starts, not each task later.
func parse(d configdef.Def, props map[string]string) (*config, error) {
	v, err := d.Parse(props)
	if err != nil {
		return nil, err
	}
	ms := func(key string) time.Duration { return time.Duration(v.Long(key)) * time.Millisecond }
	c := &config{
		name:           props[nameConfig],
		url:            v.String(URLConfig),
		healthURL:      v.String(HealthURLConfig),
		healthInterval: ms(HealthIntervalConfig),
		maxRecords:     int(v.Int(BatchMaxRecordsConfig)),
		maxBytes:       int(v.Int(BatchMaxBytesConfig)),
		linger:         ms(BatchLingerConfig),
		maxInFlight:    int(v.Int(MaxInFlightConfig)),
		perPartition:   int(v.Int(PartitionMaxInFlightConfig)),
		bufferBytes:    int(min(v.Long(BufferMaxBytesConfig), math.MaxInt)),
		timeout:        ms(TimeoutConfig),
		backoff:        ms(RetryBackoffConfig),
		backoffMax:     ms(RetryBackoffMaxConfig),
		retryTimeout:   ms(RetryTimeoutConfig),
	}
	if strings.EqualFold(v.String(FormatConfig), FormatCloudEvents) {
		c.format = formatCloudEvents
	}
	switch strings.ToLower(v.String(OrderingConfig)) {
	case OrderKey:
		c.ordering = byKey
	case OrderNone:
		c.ordering = unordered
	}
	switch {
	case c.ordering == byPartition:
		c.perPartition = 1 // what the order allows anyway
	case c.perPartition == 0 || c.perPartition > c.maxInFlight:
		c.perPartition = c.maxInFlight
	}
	if c.backoffMax < c.backoff {
		return nil, configdef.Invalid(RetryBackoffMaxConfig, strconv.FormatInt(v.Long(RetryBackoffMaxConfig), 10),
			fmt.Sprintf("Value must be at least %s (%d)", RetryBackoffConfig, v.Long(RetryBackoffConfig)))
	}
	auth, err := authHeader(v.Password(AuthHeaderConfig), v.String(AuthHeaderFileConfig))
	if err != nil {
		return nil, err
	}
	if auth.Name != "" {
		c.headers = append(c.headers, auth)
	}
	extra, _ := httpclient.ParseHeaders(v.List(HeadersConfig)) // checked by the Def
	c.headers = append(c.headers, extra...)
	c.tls, err = httpclient.TLS(v)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// checkURL checks a URL setting, and that p allows its host.
func checkURL(p *egress.Policy, required bool) func(string, any) error {
	return func(key string, v any) error {
		s, _ := v.(string)
		if s == "" && !required {
			return nil
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return configdef.Invalid(key, s, "Expected an absolute http:// or https:// URL, such as http://127.0.0.1:8080/events")
		}
		if err := p.CheckURL(s); err != nil {
			return configdef.Invalid(key, s, err.Error())
		}
		return nil
	}
}

// oneOf checks that a setting is one of values, in any case.
func oneOf(values ...string) func(string, any) error {
	expected := "Expected " + strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
	return func(key string, v any) error {
		s, _ := v.(string)
		for _, ok := range values {
			if strings.EqualFold(s, ok) {
				return nil
			}
		}
		return configdef.Invalid(key, s, expected)
	}
}

func checkAuthHeader(key string, v any) error {
	p, _ := v.(configdef.Password)
	if p.Value == "" {
		return nil
	}
	if _, err := parseHeader(p.Value); err != nil {
		// The value is a secret: say what is wrong without printing it.
		return configdef.Invalid(key, p, err.Error()+"; expected 'Name: value', such as "+headerLineExample)
	}
	return nil
}

func checkHeaders(key string, v any) error {
	l, _ := v.([]string)
	for _, entry := range l {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		if _, err := parseHeader(entry); err != nil {
			return configdef.Invalid(key, strings.Join(l, ", "), fmt.Sprintf("%q: %v", entry, err)+
				"; expected comma-separated 'Name: value' pairs, such as 'X-Env: prod, X-Team: payments'")
		}
	}
	return nil
}

// authHeader is the header of http.auth.header or the file
// http.auth.header.file names; empty when neither is set.
func authHeader(line, file string) (httpclient.Header, error) {
	if file == "" {
		if line == "" {
			return httpclient.Header{}, nil
		}
		return parseHeader(line) // checked already
	}
	if line != "" {
		return httpclient.Header{}, configdef.Invalid(AuthHeaderFileConfig, file, "Set "+AuthHeaderConfig+" or "+AuthHeaderFileConfig+", not both")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return httpclient.Header{}, configdef.Invalid(AuthHeaderFileConfig, file, "Cannot read the file: "+err.Error())
	}
	h, err := parseHeader(strings.TrimRight(string(b), "\r\n"))
	if err != nil {
		return httpclient.Header{}, configdef.Invalid(AuthHeaderFileConfig, file, "The file's "+err.Error()+"; it must hold one header line, 'Name: value', such as "+headerLineExample)
	}
	return h, nil
}

// parseHeader reads "Name: value", which must not be a header the
// connector sets itself.
func parseHeader(line string) (httpclient.Header, error) {
	h, err := httpclient.ParseHeader(line)
	if err == nil && ownHeader(h.Name) {
		err = fmt.Errorf("header %s is set by the connector (%s are)", h.Name, ownHeaders)
	}
	return h, err
}

func ownHeader(name string) bool {
	switch strings.ToLower(name) {
	case "content-type", "content-length", "transfer-encoding", "host", "idempotency-key":
		return true
	}
	return len(name) > 3 && strings.EqualFold(name[:3], "ce-")
}
