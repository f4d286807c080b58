package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/ory/dockertest/v3"
	"github.com/ory/dockertest/v3/docker"
	"github.com/segmentio/kafka-go"
)

// dockerImage is the official Apache Kafka image, same line as scripts/kafka.sh.
const dockerImage, dockerTag = "apache/kafka", "4.3.1"

// startDocker runs a single-node KRaft broker in a container when a Docker
// daemon answers. The container expires on its own, since a shared broker
// outlives any one test.
func startDocker() (*Broker, error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return nil, err
	}
	pool.MaxWait = 2 * time.Minute
	if err := pool.Client.Ping(); err != nil {
		return nil, fmt.Errorf("no Docker daemon: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	hostPort := strconv.Itoa(port)
	res, err := pool.RunWithOptions(&dockertest.RunOptions{
		Repository: dockerImage,
		Tag:        dockerTag,
		Env: []string{
			"KAFKA_NODE_ID=1",
			"KAFKA_PROCESS_ROLES=broker,controller",
			"KAFKA_LISTENERS=PLAINTEXT://:9092,CONTROLLER://:9093",
			"KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://127.0.0.1:" + hostPort,
			"KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER",
			"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
			"KAFKA_CONTROLLER_QUORUM_VOTERS=1@localhost:9093",
			"KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
			"KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1",
			"KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1",
			"KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0",
		},
		// The broker advertises the host port, so it must be the same port.
		PortBindings: map[docker.Port][]docker.PortBinding{"9092/tcp": {{HostIP: "127.0.0.1", HostPort: hostPort}}},
	}, func(hc *docker.HostConfig) { hc.AutoRemove = true })
	if err != nil {
		return nil, err
	}
	_ = res.Expire(30 * 60)
	addr := "127.0.0.1:" + hostPort
	if err := pool.Retry(func() error { return ping(addr) }); err != nil {
		_ = pool.Purge(res)
		return nil, fmt.Errorf("kafka container did not answer: %w", err)
	}
	return &Broker{Addr: addr, Addrs: []string{addr}, Kind: Docker, Version: dockerTag}, nil
}

func ping(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := &kafka.Client{Addr: kafka.TCP(addr)}
	resp, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}})
	if err != nil {
		return err
	}
	if len(resp.Brokers) == 0 {
		return errors.New("no brokers in metadata yet")
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
