#!/usr/bin/env bash
# The project's test command (README, .ci/run): static checks, unit tests
# with the race detector, then integration tests against a real Apache Kafka
# started by scripts/kafka.sh, or against the in-process broker when this
# machine has no Java or Maven, then the fault-injection suite (real Kafka
# only). Everything it starts, it stops.
set -euo pipefail
cd "$(dirname "$0")/.."

STATICCHECK_VERSION=v0.8.2
started_kafka=""

step() { printf '\n==> %s\n' "$*"; }

cleanup() {
  if [ -n "$started_kafka" ]; then
    step "stopping Kafka"
    scripts/kafka.sh stop || true
  fi
}
trap cleanup EXIT

step "Go modules ($(go version))"
go mod download

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...
go vet -tags integration ./...
go vet -tags 'integration fault' ./...

step "staticcheck $STATICCHECK_VERSION"
# With the tags it sees every file: the tagged ones add to the rest.
go run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" -tags 'integration fault' ./...

step "unit tests (-race)"
go test -race -count=1 ./...

# Every fuzz target gets a bounded run; a crasher lands in the package's
# testdata/fuzz and from then on runs as a regression case with the tests.
step "fuzzing (${FUZZTIME:=10s} per target)"
grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u | while read -r dir; do
  for target in $(grep -h '^func Fuzz' "$dir"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
    echo "$dir $target"
    fuzz() { go test -run='^$' -fuzz="^$target\$" -fuzztime="$FUZZTIME" "$dir" > /tmp/fuzz.$$.log 2>&1; }
    if ! fuzz; then
      # Go's fuzzer sometimes fails a loaded run with "context deadline
      # exceeded" when a worker is slow to stop, with no failing input;
      # that run is repeated once. A real failure writes its input.
      if grep -q 'context deadline exceeded' /tmp/fuzz.$$.log && ! grep -q 'Failing input written' /tmp/fuzz.$$.log; then
        echo "  the fuzzer timed out stopping a worker (no failing input); running $target again"
        fuzz || { cat /tmp/fuzz.$$.log; exit 1; }
      else
        cat /tmp/fuzz.$$.log; exit 1
      fi
    fi
  done
done

step "schemathesis against /openapi.json (${SCHEMATHESIS_TIME:=60}s)"
SCHEMATHESIS_TIME=$SCHEMATHESIS_TIME scripts/schemathesis.sh 2>&1 | tail -25

if command -v java >/dev/null && command -v mvn >/dev/null; then
  step "starting Apache Kafka with scripts/kafka.sh"
  scripts/kafka.sh start
  started_kafka=yes
  export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:${KAFKA_PORT:-9092}
  KAFKA_VERSION=$(scripts/kafka.sh version)
  export KAFKA_VERSION
  echo "integration tests run against Apache Kafka $KAFKA_VERSION at $KAFKA_BOOTSTRAP_SERVERS"
else
  echo "java or mvn not found: integration tests fall back to the in-process broker (kfake);"
  echo "tests that need Apache Kafka (compaction, the Java worker) will skip"
fi

step "integration tests (-race)"
# Every package whose tests talk to Kafka runs again here, now against the
# broker above; the tests named TestIntegration* (build tag 'integration')
# run only here.
mapfile -t pkgs < <(go list -tags integration \
  -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... \
  | awk '/internal\/kafkatest/ && $1 !~ /internal\/kafkatest$/ {print $1}')
go test -race -count=1 -tags integration -v "${pkgs[@]}" 2>&1 \
  | grep -E '^(--- |ok |FAIL|PASS|panic|\s+\S+_test\.go:)'

# Fault injection (build tag fault): broker restart, a worker cut off from
# Kafka or frozen past its session, garbage in the config topic, REST writes
# during rebalances. It runs alone, after everything else, because one test
# stops and restarts the shared broker; it needs scripts/kafka.sh's broker.
if [ -n "$started_kafka" ]; then
  step "fault injection (-race, tag fault)"
  fault_suite() { # name, -run pattern
    if ! go test -race -count=1 -timeout 12m -tags fault -run "$2" -v ./cmd/connect-sidecar/ 2>&1 \
      | tee "/tmp/fault.$1.$$.log" | grep -E '^(--- |ok |FAIL|PASS|panic|\s+\S+_test\.go:)'; then
      # The filter above hides the workers' logs; a race one of them
      # reported is shown in full.
      sed -n '/WARNING: DATA RACE/,/^ *==================$/p' "/tmp/fault.$1.$$.log" | head -150
      exit 1
    fi
  }
  # Worker faults, and Kafka as a whole going away, on the one broker:
  # the scenarios that need three brokers skip here.
  fault_suite one-broker '^TestFault'
  # Faults of single brokers of a production-shaped cluster: three
  # brokers, replication factor 3, min.insync.replicas 2. Only the
  # scenarios that stop a broker, or cut a worker off from one, run here;
  # the worker faults above do not depend on the cluster's shape, and
  # running them twice would cost the time CI does not have.
  step "fault injection on three brokers (-race, tag fault)"
  scripts/kafka.sh stop
  KAFKA_BROKERS=3 scripts/kafka.sh start
  KAFKA_BOOTSTRAP_SERVERS=$(scripts/kafka.sh status | awk '{print $NF}')
  export KAFKA_BOOTSTRAP_SERVERS
  fault_suite three-brokers '^TestFault(PartitionLeaderKilled|RollingRestart|ActiveControllerKilled|WorkerCutOffFromOneBroker)$'
else
  echo "no Apache Kafka from scripts/kafka.sh: the fault-injection suite does not run"
fi
