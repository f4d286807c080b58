// Package kafkaclient builds the one set of Kafka connections the worker
// shares: a kafka-go Transport for requests and a Dialer for readers, and
// the options of the franz-go clients that sink tasks consume with, all
// with the worker's TLS and SASL settings.
package kafkaclient

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
	"github.com/twmb/franz-go/pkg/kgo"
	franzsasl "github.com/twmb/franz-go/pkg/sasl"
	franzplain "github.com/twmb/franz-go/pkg/sasl/plain"
	franzscram "github.com/twmb/franz-go/pkg/sasl/scram"
	"go.uber.org/fx"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// Module provides *Clients and closes them on stop.
var Module = fx.Module("kafkaclient",
	fx.Provide(func(lc fx.Lifecycle, w config.Worker, log *slog.Logger) (*Clients, error) {
		c, err := New(w, WithLogger(log))
		if err != nil {
			return nil, err
		}
		lc.Append(fx.StopHook(c.Close))
		return c, nil
	}),
)

// Clients holds what every part of the worker uses to talk to Kafka.
type Clients struct {
	Bootstrap []string
	// Transport holds the connections and their settings; requests go
	// through RoundTripper (and Client), which resends what a dead pooled
	// connection lost.
	Transport    *kafka.Transport
	RoundTripper kafka.RoundTripper
	Client       *kafka.Client
	Dialer       *kafka.Dialer
	// Franz are the options of a franz-go client for the same brokers,
	// identity and security: sink tasks consume with franz-go, whose
	// consumer group speaks the consumer protocol as Java's does.
	Franz []kgo.Opt

	mu        sync.Mutex
	clusterID string
	shared    connCount   // Transport's open connections
	login     *oauthLogin // OAUTHBEARER's token refresher, or nil
}

// Option changes how New builds the clients.
type Option func(*options)

type options struct{ log *slog.Logger }

// WithLogger logs what happens to the OAUTHBEARER token on log; by
// default nothing is logged.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// New builds clients for the worker's bootstrap servers and security. With
// OAUTHBEARER it logs in first, and with AWS_MSK_IAM it finds the AWS
// credentials first, so that a login that cannot work fails here.
func New(w config.Worker, opts ...Option) (*Clients, error) {
	o := options{log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	var tlsConfig *tls.Config
	if w.Security.UsesTLS() {
		var err error
		if tlsConfig, err = w.Security.TLSConfig(); err != nil {
			return nil, err
		}
	}
	mechanism, login, err := saslMechanism(w, o.log)
	if err != nil {
		return nil, err
	}
	clientID := w.ClientID
	if clientID == "" {
		clientID = "connect-sidecar-" + w.GroupID
	}
	transport := &kafka.Transport{
		DialTimeout: 10 * time.Second,
		IdleTimeout: 5 * time.Minute,
		MetadataTTL: 30 * time.Second,
		ClientID:    clientID,
		TLS:         tlsConfig,
		SASL:        mechanism,
	}
	franz := []kgo.Opt{kgo.SeedBrokers(w.BootstrapServers...), kgo.ClientID(clientID), kgo.DialTimeout(10 * time.Second)}
	if tlsConfig != nil {
		franz = append(franz, kgo.DialTLSConfig(tlsConfig.Clone()))
	}
	if mechanism != nil {
		franz = append(franz, kgo.SASL(franzMechanism(w.Security, mechanism)))
	}
	rt := Resending(transport)
	c := &Clients{
		Franz:        franz,
		Bootstrap:    w.BootstrapServers,
		Transport:    transport,
		RoundTripper: rt,
		Client:       &kafka.Client{Addr: kafka.TCP(w.BootstrapServers...), Transport: rt, Timeout: 30 * time.Second},
		Dialer:       &kafka.Dialer{ClientID: clientID, Timeout: 10 * time.Second, DualStack: true, TLS: tlsConfig, SASLMechanism: mechanism},
		login:        login,
	}
	transport.Dial = observedDial(&c.shared)
	return c, nil
}

// saslMechanism builds the worker's SASL mechanism, and for OAUTHBEARER
// the login that keeps its token, already started.
func saslMechanism(w config.Worker, log *slog.Logger) (sasl.Mechanism, *oauthLogin, error) {
	s := w.Security
	if !s.UsesSASL() {
		return nil, nil, nil
	}
	switch s.SASLMechanism {
	case "PLAIN":
		return plain.Mechanism{Username: s.SASLUsername, Password: s.SASLPassword}, nil, nil
	case "SCRAM-SHA-256":
		m, err := scram.Mechanism(scram.SHA256, s.SASLUsername, s.SASLPassword)
		return m, nil, err
	case "SCRAM-SHA-512":
		m, err := scram.Mechanism(scram.SHA512, s.SASLUsername, s.SASLPassword)
		return m, nil, err
	case "OAUTHBEARER":
		login := newOAuthLogin(s.OAuthBearer, log)
		if err := login.start(); err != nil {
			return nil, nil, err
		}
		return newOAuthBearer(login, s.OAuthBearer.Extensions), login, nil
	case "AWS_MSK_IAM":
		m, err := newAWSMSKIAM(s.AWSIAM, w.BootstrapServers)
		return m, nil, err
	}
	return nil, nil, fmt.Errorf("kafkaclient: unsupported sasl.mechanism %q", s.SASLMechanism)
}

// franzMechanism is the franz-go side of m: franz-go's own PLAIN and
// SCRAM, and m itself for the mechanisms franz-go and kafka-go do not
// both have.
func franzMechanism(s config.Security, m sasl.Mechanism) franzsasl.Mechanism {
	switch s.SASLMechanism {
	case "PLAIN":
		return franzplain.Auth{User: s.SASLUsername, Pass: s.SASLPassword}.AsMechanism()
	case "SCRAM-SHA-256":
		return franzscram.Auth{User: s.SASLUsername, Pass: s.SASLPassword}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		return franzscram.Auth{User: s.SASLUsername, Pass: s.SASLPassword}.AsSha512Mechanism()
	}
	return franzAdapter{m}
}

// ClusterID asks Kafka for its cluster id once and remembers it.
func (c *Clients) ClusterID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.clusterID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	// An empty, non-nil topic list asks for no topic metadata at all.
	resp, err := c.Client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}})
	if err != nil {
		return "", fmt.Errorf("cluster id from %v: %w", c.Bootstrap, err)
	}
	c.mu.Lock()
	c.clusterID = resp.ClusterID
	c.mu.Unlock()
	return resp.ClusterID, nil
}

// Close drops idle connections and stops refreshing the OAUTHBEARER
// token.
func (c *Clients) Close() {
	c.Transport.CloseIdleConnections()
	if c.login != nil {
		c.login.stop()
	}
}
