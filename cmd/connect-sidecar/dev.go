package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
	"github.com/connect-sidecar/connect-sidecar/sidecar/devbroker"
	"github.com/connect-sidecar/connect-sidecar/sidecar/logging"
)

func runDev(args, environ []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kafkaAddr := fs.String("kafka", "127.0.0.1:9092", "address of the in-process Kafka broker")
	restAddr := fs.String("rest", "127.0.0.1:8083", "address of the worker's REST API")
	brokerOnly := fs.Bool("broker-only", false, "run only the broker, for workers started by hand with 'connect-sidecar run'")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "connect-sidecar dev: an in-process Kafka broker (no Java, no Docker) and one worker against it.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitConfig
	}
	// As a default Apache Kafka broker does, so that a connector can write
	// to a topic nobody created.
	broker, err := devbroker.Start(*kafkaAddr, devbroker.AutoCreateTopics())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	defer broker.Close()

	if *brokerOnly {
		fmt.Fprintf(stdout, "Kafka broker (in-process) listening on %s; it creates a missing topic, with one partition, on first use. Start workers against it:\n\n"+
			"  CONNECT_BOOTSTRAP_SERVERS=%[1]s CONNECT_GROUP_ID=dev CONNECT_LISTENERS=http://127.0.0.1:8083 \\\n"+
			"  CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1 CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1 \\\n"+
			"  CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1 connect-sidecar run\n\n"+
			"(another worker: same line with CONNECT_LISTENERS=http://127.0.0.1:8084). Ctrl-C stops the broker.\n", broker.Addr())
		ctx, stop := interrupted()
		defer stop()
		<-ctx.Done()
		return exitOK
	}

	defaults := []string{
		"CONNECT_GROUP_ID=connect-dev",
		"CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_STATUS_STORAGE_REPLICATION_FACTOR=1",
		"CONNECT_REST_ADVERTISED_HOST_NAME=127.0.0.1",
		"SIDECAR_LOG_FORMAT=text",
	}
	forced := []string{
		"CONNECT_BOOTSTRAP_SERVERS=" + broker.Addr(),
		"CONNECT_LISTENERS=http://" + *restAddr,
	}
	loaded, err := config.Load(withDefaults(defaults, environ, forced), "")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitConfig
	}
	log := logging.New(stderr, loaded.Sidecar)
	base := "http://" + *restAddr
	fmt.Fprintf(stdout, "connect-sidecar dev: Kafka (in-process) on %s, worker REST on %s.\n"+
		"Topics are created on first use, with one partition (auto.create.topics.enable=true). Try:\n\n"+
		"  curl -s %[2]s/\n"+
		"  curl -s %[2]s/health\n"+
		"  curl -s %[2]s/ready\n\n"+
		"Ctrl-C stops everything.\n\n", broker.Addr(), base)
	return serve(workerApp(loaded, log), log, loaded.Worker)
}
