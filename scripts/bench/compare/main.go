// Command compare measures the Go worker (connect-sidecar) and Apache Kafka's
// Java ConnectDistributed worker side by side on the same broker: start-up,
// memory, rebalances, failover, FileStream throughput and loading a large
// config topic, plus Go-only rows for the serverless sidecar (datagen, HTTP
// sink). It prints one table and writes docs/benchmarks.md.
//
//	scripts/bench/run.sh [flags]          # starts Kafka with scripts/kafka.sh if it is not running
//	go run ./scripts/bench/compare [flags] # needs Kafka on 127.0.0.1:9092 started by scripts/kafka.sh
//	go run ./scripts/bench/compare -quick  # smoke run: small sizes, short timeouts, no docs written
//
// Java workers are started with scripts/kafka.sh connect-start. Every
// measurement runs in its own Connect group and on its own topics, named
// bench-<run>-..., deleted at the end; workers it started are stopped on exit
// and on Ctrl-C. The default run takes 15 to 20 minutes on 2 cores.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags, after the mode's defaults are applied.
type options struct {
	quick           bool
	java            bool
	out             string
	bootstrap       string
	lines           int               // records of the 100 B FileStream and datagen runs; 1 KiB runs use lines/5
	httpRecords     int               // records of the HTTP sink runs at batch 100 and 1000; batch 1 gets a tenth
	latencyRate     int               // records/s produced while measuring HTTP sink latency
	latencyFor      time.Duration     // how long that lasts
	idle            time.Duration     // how long a worker idles before its RSS is read
	failoverTimeout time.Duration     // bound on waits that Java's 300 s default delay would stretch
	runTimeout      time.Duration     // bound on one throughput run
	javaOpts        string            // KAFKA_JVM_OPTS of the Java throughput worker
	goBinary        string            // a connect-sidecar binary to measure instead of building one
	samples         int               // runs of each membership step for Go: their rows show the median
	javaSamples     int               // the same for Java, whose default-delay rows each wait out the bound
	only            map[string]bool   // steps to run; empty: all
	props           map[string]string // extra worker properties for every worker of both kinds
	command         string            // the command line shown in the docs
}

// stockJVMOpts are Apache Kafka's own JVM flags (kafka-run-class.sh's
// KAFKA_JVM_PERFORMANCE_OPTS). kafka.sh trades peak speed for start-up (C1
// only, serial GC), so the Java throughput worker gets these instead:
// Java's throughput is then measured at its best.
const stockJVMOpts = "-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 " +
	"-XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true"

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.BoolVar(&o.quick, "quick", false, "small sizes and short timeouts, for a smoke run (about 5 minutes); writes no docs unless -out is given")
	fs.BoolVar(&o.java, "java", true, "also run the Java worker (false: Go rows only)")
	fs.StringVar(&o.out, "out", "", "markdown report to write (default docs/benchmarks.md, or none with -quick or -only; '-' for none)")
	fs.StringVar(&o.bootstrap, "bootstrap", "127.0.0.1:9092", "the broker scripts/kafka.sh started")
	fs.IntVar(&o.lines, "lines", 0, "records per 100 B throughput run (default 500000, -quick 20000); 1 KiB runs use a fifth")
	fs.IntVar(&o.httpRecords, "http-records", 0, "records per HTTP sink run at batch 100 and 1000 (default 300000, -quick 20000); batch 1 uses a tenth")
	fs.IntVar(&o.latencyRate, "latency-rate", 1000, "records/s produced while the HTTP sink's latency is measured (at most a quarter of its throughput)")
	fs.DurationVar(&o.latencyFor, "latency-for", 0, "how long records are produced for the latency figure (default 5s, -quick 2s)")
	fs.DurationVar(&o.idle, "idle", 5*time.Second, "how long a worker idles before its idle RSS is read")
	fs.DurationVar(&o.failoverTimeout, "failover-timeout", 0, "bound on handoff and failover waits (default 60s, -quick 30s); Java's 300 s default delay hits it")
	fs.DurationVar(&o.runTimeout, "run-timeout", 0, "bound on one throughput run (default 3m, -quick 1m)")
	fs.StringVar(&o.javaOpts, "java-throughput-jvm-opts", stockJVMOpts, "KAFKA_JVM_OPTS of the Java throughput worker ('' keeps kafka.sh's C1/serial-GC flags)")
	fs.StringVar(&o.goBinary, "go-binary", "", "measure this connect-sidecar binary instead of building ./cmd/connect-sidecar (to compare a change)")
	fs.IntVar(&o.samples, "samples", 0, "runs of the membership, zero-delay, sink-gap and sink-follows steps for Go; their rows show the median and spread (default 5, -quick 1)")
	fs.IntVar(&o.javaSamples, "java-samples", 1, "runs of the membership and zero-delay steps for Java (each waits out -failover-timeout once); sink-gap runs -samples times for both")
	o.props = map[string]string{}
	fs.Func("prop", "a worker property `key=value` for every Go and Java worker, e.g. heartbeat.interval.ms=1000 (repeatable)", func(kv string) error {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fmt.Errorf("want key=value, got %q", kv)
		}
		o.props[k] = v
		return nil
	})
	only := fs.String("only", "", "comma-separated steps to run: "+strings.Join(stepNames, ", ")+" (default: all)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *only != "" {
		o.only = map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			if !slices.Contains(stepNames, s) {
				return o, fmt.Errorf("-only: unknown step %q (steps: %s)", s, strings.Join(stepNames, ", "))
			}
			o.only[s] = true
		}
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	pick := func(v *int, full, quick int) {
		if *v == 0 {
			*v = full
			if o.quick {
				*v = quick
			}
		}
	}
	pickD := func(v *time.Duration, full, quick time.Duration) {
		if *v == 0 {
			*v = full
			if o.quick {
				*v = quick
			}
		}
	}
	pick(&o.lines, 500_000, 20_000)
	pick(&o.httpRecords, 300_000, 20_000)
	pick(&o.samples, 5, 1)
	pickD(&o.latencyFor, 5*time.Second, 2*time.Second)
	pickD(&o.failoverTimeout, 60*time.Second, 30*time.Second)
	pickD(&o.runTimeout, 3*time.Minute, time.Minute)
	switch {
	case o.out == "-":
		o.out = ""
	case o.out == "" && !o.quick && o.only == nil:
		// A partial run would replace every other row with "not run":
		// it writes the report only when asked to with -out.
		o.out = "docs/benchmarks.md"
	}
	if o.lines < 10 || o.httpRecords < 10 || o.latencyRate < 1 {
		return o, errors.New("-lines, -http-records and -latency-rate must be at least 10, 10 and 1")
	}
	if o.samples < 1 || o.javaSamples < 1 {
		return o, errors.New("-samples and -java-samples must be at least 1")
	}
	o.command = os.Getenv("BENCH_COMMAND") // run.sh names itself
	if o.command == "" {
		o.command = "go run ./scripts/bench/compare"
		if len(args) > 0 {
			o.command += " " + strings.Join(quoteArgs(args), " ")
		}
	}
	return o, nil
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "" || strings.ContainsAny(a, " \t'\"$") {
			out[i] = strconv.Quote(a)
		}
	}
	return out
}

func main() {
	opts, err := parseOptions(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(2)
	}
	// Children run in their own process groups, so Ctrl-C reaches only this
	// process, which then stops them in order (Java through kafka.sh).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	b, err := newBench(ctx, opts)
	if err == nil {
		err = b.run(ctx)
	}
	interrupted := ctx.Err() != nil
	stop() // a second Ctrl-C now ends the process at once
	if b != nil {
		if interrupted {
			logf("interrupted: stopping the workers this run started (Ctrl-C again to abandon them)")
		}
		b.cleanup(err == nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", short(err))
		os.Exit(1)
	}
}

// short keeps an error to a line or two: kafka-go's write errors list
// every failed message.
func short(err error) string {
	s := err.Error()
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

// logf reports progress on stderr; the table goes to stdout.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}
