package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// validate checks the rules types alone cannot express, fills derived
// defaults and returns every broken rule.
func validate(l *Loaded, o origin) []error {
	w := &l.Worker
	v := validator{o: o, props: w.Properties}
	if len(w.BootstrapServers) == 0 {
		v.missing("bootstrap.servers")
	}
	for _, s := range w.BootstrapServers {
		if _, port, err := net.SplitHostPort(s); err != nil || !validPort(port) {
			v.bad("bootstrap.servers", "has %q, which is not host:port", s)
		}
	}
	if strings.TrimSpace(w.GroupID) == "" {
		v.missing("group.id")
	}
	w.ConfigStorageTopic = orDefault(w.ConfigStorageTopic, w.GroupID+"-configs")
	w.OffsetStorageTopic = orDefault(w.OffsetStorageTopic, w.GroupID+"-offsets")
	w.StatusStorageTopic = orDefault(w.StatusStorageTopic, w.GroupID+"-status")
	v.topic("config.storage.topic", w.ConfigStorageTopic)
	v.topic("offset.storage.topic", w.OffsetStorageTopic)
	v.topic("status.storage.topic", w.StatusStorageTopic)
	if w.ConfigStorageTopic == w.OffsetStorageTopic || w.ConfigStorageTopic == w.StatusStorageTopic || w.OffsetStorageTopic == w.StatusStorageTopic {
		v.bad("config.storage.topic", "names the same topic as another storage topic; config, offset and status topics must differ")
	}
	v.positiveOrBrokerDefault("config.storage.replication.factor", int64(w.ConfigStorageReplicationFactor))
	v.positiveOrBrokerDefault("offset.storage.replication.factor", int64(w.OffsetStorageReplicationFactor))
	v.positiveOrBrokerDefault("status.storage.replication.factor", int64(w.StatusStorageReplicationFactor))
	v.positiveOrBrokerDefault("offset.storage.partitions", int64(w.OffsetStoragePartitions))
	v.positiveOrBrokerDefault("status.storage.partitions", int64(w.StatusStoragePartitions))

	if len(w.Listeners) == 0 {
		v.missing("listeners")
	}
	for _, l := range w.Listeners {
		if _, err := ParseListener(l); err != nil {
			v.bad("listeners", "has %q, %v", l, err)
		}
	}
	if w.RestAdvertisedPort < 0 || w.RestAdvertisedPort > 65535 {
		v.bad("rest.advertised.port", "is %d, not a port number", w.RestAdvertisedPort)
	}

	if w.SessionTimeout <= 0 {
		v.bad("session.timeout.ms", "must be above 0")
	}
	if w.HeartbeatInterval <= 0 || w.HeartbeatInterval >= w.SessionTimeout {
		v.bad("heartbeat.interval.ms", "is %d, but must be above 0 and below session.timeout.ms (%d)", w.HeartbeatInterval.Ms(), w.SessionTimeout.Ms())
	}
	if w.RebalanceTimeout <= 0 || w.RebalanceTimeout.Ms() > math.MaxInt32 {
		v.bad("rebalance.timeout.ms", "is %d, not between 1 and %d", w.RebalanceTimeout.Ms(), math.MaxInt32)
	}
	if w.ScheduledRebalanceMaxDelay.Ms() > math.MaxInt32 {
		v.bad("scheduled.rebalance.max.delay.ms", "is %d, above %d", w.ScheduledRebalanceMaxDelay.Ms(), math.MaxInt32)
	}
	w.ConnectProtocol = strings.ToLower(w.ConnectProtocol)
	if !slices.Contains([]string{"eager", "compatible", "sessioned"}, w.ConnectProtocol) {
		v.bad("connect.protocol", "is %q", w.ConnectProtocol)
	}
	w.ExactlyOnceSourceSupport = strings.ToLower(w.ExactlyOnceSourceSupport)
	if !slices.Contains([]string{"disabled", "preparing", "enabled"}, w.ExactlyOnceSourceSupport) {
		v.bad("exactly.once.source.support", "is %q, not disabled, preparing or enabled", w.ExactlyOnceSourceSupport)
	}
	if w.OffsetFlushInterval <= 0 {
		v.bad("offset.flush.interval.ms", "must be above 0")
	}
	if w.OffsetFlushTimeout <= 0 {
		v.bad("offset.flush.timeout.ms", "must be above 0")
	}
	v.converter("key.converter", w.KeyConverter)
	v.converter("value.converter", w.ValueConverter)
	v.security(&w.Security, &l.Sidecar)
	if f := l.Sidecar.LogFormat; f != "json" && f != "text" {
		v.errs = append(v.errs, &SettingError{Setting: "SIDECAR_LOG_FORMAT", Problem: fmt.Sprintf("is %q, not json or text", f), Doc: docOf(sidecarFields, "SIDECAR_LOG_FORMAT")})
	}
	v.rest(w, &l.Sidecar)
	v.declared(&l.Sidecar)
	v.sidecarURL("SIDECAR_APP_URL", l.Sidecar.AppURL, true)
	v.sidecarURL("SIDECAR_APP_HEALTH_URL", l.Sidecar.AppHealthURL, false)
	if l.Sidecar.LagPerWorker < 1 {
		v.sidecarBad("SIDECAR_LAG_PER_WORKER", fmt.Sprintf("is %d; use a positive number", l.Sidecar.LagPerWorker))
	}
	return v.errs
}

func (v *validator) sidecarBad(variable, problem string) {
	v.errs = append(v.errs, &SettingError{Setting: variable, Problem: problem, Doc: docOf(sidecarFields, variable)})
}

// sidecarURL checks an http or https URL with a host.
func (v *validator) sidecarURL(variable, value string, required bool) {
	if value == "" {
		if required {
			v.sidecarBad(variable, "is empty")
		}
		return
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.sidecarBad(variable, fmt.Sprintf("is %q, not an http:// or https:// URL with a host", value))
	}
}

type validator struct {
	o     origin
	props map[string]string
	errs  []error
}

func (v *validator) missing(prop string) {
	v.errs = append(v.errs, &SettingError{Setting: EnvName(prop), Problem: "is required", Doc: docOf(workerFields, prop)})
}

func (v *validator) bad(prop, format string, args ...any) {
	v.errs = append(v.errs, &SettingError{Setting: v.o.name(prop), Problem: fmt.Sprintf(format, args...), Doc: docOf(workerFields, prop)})
}

func (v *validator) positiveOrBrokerDefault(prop string, n int64) {
	if n < 1 && n != -1 {
		v.bad(prop, "is %d; use a positive number, or -1 for the broker's default", n)
	}
}

// topic applies Kafka's rules for topic names.
func (v *validator) topic(prop, name string) {
	valid := name != "" && len(name) <= 249 && name != "." && name != ".."
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			valid = false
		}
	}
	if !valid {
		v.bad(prop, "is %q, not a valid topic name (letters, digits, '.', '_' and '-', at most 249)", name)
	}
}

// Converters are resolved by their Java class names, full or simple.
var converters = []string{
	"org.apache.kafka.connect.json.JsonConverter",
	"org.apache.kafka.connect.storage.StringConverter",
	"org.apache.kafka.connect.converters.ByteArrayConverter",
}

func (v *validator) converter(prop, class string) {
	for _, c := range converters {
		if class == c || class == c[strings.LastIndexByte(c, '.')+1:] {
			return
		}
	}
	v.bad(prop, "is %q, which this worker does not have; use one of %s", class, strings.Join(converters, ", "))
}

// Listener is one REST listener address.
type Listener struct {
	Scheme string
	Host   string // empty: every interface
	Port   int
}

// Addr is the address to listen on.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// ParseListener reads PROTOCOL://host:port as Connect's listeners setting.
func ParseListener(s string) (Listener, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
		return Listener{}, fmt.Errorf("not PROTOCOL://host:port")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return Listener{}, fmt.Errorf("only http and https listeners are served")
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port < 0 || port > 65535 {
		return Listener{}, fmt.Errorf("the port is missing or not a number")
	}
	return Listener{Scheme: scheme, Host: u.Hostname(), Port: port}, nil
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && n <= 65535
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// AdvertisedURL is how other workers reach this one: scheme://host:port/
// with the trailing slash Java writes, from rest.advertised.* or else the
// first listener of the advertised scheme, or the first listener (an empty
// host becomes the machine's host name).
func (w Worker) AdvertisedURL() string {
	l, _ := ParseListener(w.Listeners[0])
	scheme := strings.ToLower(orDefault(w.RestAdvertisedListener, l.Scheme))
	for _, s := range w.Listeners {
		if c, err := ParseListener(s); err == nil && c.Scheme == scheme {
			l = c
			break
		}
	}
	host := w.RestAdvertisedHostName
	if host == "" {
		host = l.Host
	}
	if host == "" {
		host, _ = os.Hostname()
	}
	port := l.Port
	if w.RestAdvertisedPort > 0 {
		port = w.RestAdvertisedPort
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/"
}

// ExactlyOnceSource reports exactly.once.source.support=enabled: source
// tasks are transactional and the internal topics are read read_committed.
func (w Worker) ExactlyOnceSource() bool { return w.ExactlyOnceSourceSupport == "enabled" }

// TransactionalLeader reports whether the leader's config writes go through
// its transactional producer (preparing or enabled), which fences a zombie
// leader.
func (w Worker) TransactionalLeader() bool {
	return w.ExactlyOnceSourceSupport == "preparing" || w.ExactlyOnceSourceSupport == "enabled"
}

// WorkerID is host:port of the advertised URL, as status records name the
// worker.
func (w Worker) WorkerID() string {
	u, _ := url.Parse(w.AdvertisedURL())
	return u.Host
}
