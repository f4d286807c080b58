#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft, broker+controller) and real Java Kafka Connect distributed
# workers, built only from jars on Maven Central (no Docker, no apache.org tarball). Used by integration tests to
# compare the Go worker with the reference implementation, and to give it a broker.
#
#   scripts/kafka.sh start                  resolve jars if needed, start a fresh broker on 127.0.0.1:9092
#                                           (KAFKA_BROKERS=3: a cluster of three, see below)
#   scripts/kafka.sh stop                   stop all Connect workers started here, then the brokers; wipe their data
#   scripts/kafka.sh broker-stop [N] [--kill]
#                                           stop only broker N (default 1) (SIGTERM, or SIGKILL with --kill),
#                                           keeping its data and the Connect workers, for tests of a broker outage
#   scripts/kafka.sh broker-start [N]       start broker N (default 1) again on the data broker-stop kept
#   scripts/kafka.sh status                 exit 0 and print "running <version> on <bootstrap list>" if every
#                                           broker is up
#   scripts/kafka.sh version                print the Kafka version used
#   scripts/kafka.sh resolve                only download the jars into the cache (no-op when cached)
#   scripts/kafka.sh connect-start [--port P] [--group G] [--name N]
#                                           start a Java Connect worker (REST 127.0.0.1:P, default 8083,
#                                           group G default connect-java, instance name N default connect-P)
#   scripts/kafka.sh connect-stop [--name N | --port P | --all] [--kill]
#                                           stop one worker (default connect-8083) or all of them; --kill
#                                           sends SIGKILL, as a crash would, instead of SIGTERM
#
# The broker also listens on 127.0.0.1:9094 and advertises that listener as 127.0.0.1:9095, where only a test's
# TCP proxy listens: a client bootstrapped at 9095 reaches the broker only through the proxy, which can cut it off.
# (With KAFKA_PORT=P these ports are P, P+1 for the controller, P+2 and P+3.)
#
# With KAFKA_BROKERS=3 (up to 5) the cluster has that many nodes, each a broker and a voter of one static KRaft
# quorum, so a broker or the active controller can be killed and the rest go on. Broker N listens on
# P+4(N-1) (9092, 9096, 9100) with its controller and proxied ports after it, as broker 1 does; the brokers'
# internal topics, the default for new topics and the Java workers' internal topics get replication factor
# KAFKA_BROKERS and min.insync.replicas 2.
#
# Environment:
#   KAFKA_VERSION         Kafka release (default 4.3.1, the newest 4.x with connect-runtime and connect-file on
#                         Maven Central when this was written)
#   KAFKA_LOG4J2_VERSION  log4j2 version to pin (default: the one that Kafka release was built with)
#   KAFKA_CACHE           resolved jars (default ~/.cache/connect-sidecar/kafka-$KAFKA_VERSION)
#   KAFKA_STATE           pid files, logs, generated configs, data (default /tmp/connect-sidecar-kafka)
#   KAFKA_BROKERS         brokers in the cluster started by start (default 1, at most 5)
#   KAFKA_PORT            broker port (default 9092); the controller and the proxied listener take the next three,
#                         so a second broker with its own KAFKA_STATE and KAFKA_PORT can run next to the first
#   KAFKA_HEAP_OPTS       broker heap flags (default -Xms128m -Xmx512m)
#   CONNECT_HEAP_OPTS     worker heap flags (default -Xms64m -Xmx512m)
#   KAFKA_JVM_OPTS        other JVM flags of every JVM started here (default: C1 only, serial GC)
#   KAFKA_CDS             0 = do not create or use class-data archives (see cds_args below)
#   CONNECT_EXTRA_PROPS   newline-separated key=value lines appended to the worker properties (they win)
#   KAFKA_BROKER_EXTRA_PROPS  newline-separated key=value lines appended to the broker's server.properties at start
#                         (they win), e.g. other listeners for a second broker with its own KAFKA_STATE and KAFKA_PORT
#   JAVA_HOME             JDK 17+ to use (else java on PATH)
#
# Exit codes: 0 ok, 1 failure, 2 usage error, 3 java or mvn missing (callers can skip or fall back).
set -euo pipefail

KAFKA_VERSION=${KAFKA_VERSION:-4.3.1}
# log4j2 must match the release (see kafka-server's POM): mixing log4j2 versions breaks logging at startup.
case $KAFKA_VERSION in
  4.0.* | 4.1.*) default_log4j2=2.24.3 ;;
  4.2.0) default_log4j2=2.25.3 ;;
  *) default_log4j2=2.25.4 ;;
esac
LOG4J2_VERSION=${KAFKA_LOG4J2_VERSION:-$default_log4j2}
KAFKA_CACHE=${KAFKA_CACHE:-$HOME/.cache/connect-sidecar/kafka-$KAFKA_VERSION}
KAFKA_STATE=${KAFKA_STATE:-/tmp/connect-sidecar-kafka}

BROKER_PORT=${KAFKA_PORT:-9092}
if ! [[ $BROKER_PORT =~ ^[0-9]+$ ]] || ((BROKER_PORT < 1 || BROKER_PORT > 65532)); then
  echo "kafka.sh: KAFKA_PORT must be a port number below 65533, not '$BROKER_PORT'" >&2
  exit 2
fi
readonly HOST=127.0.0.1 BROKER_PORT CONTROLLER_PORT=$((BROKER_PORT + 1))
readonly BROKER_READY_TIMEOUT=90 CONNECT_READY_TIMEOUT=180 STOP_TIMEOUT=30

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUPPORT=$SCRIPT_DIR/kafka

# Start-up is dominated by class loading and JIT on 2 cores: C1 only and the serial collector start faster
# and use less memory than the default C2 + G1; the tests never push enough load for peak throughput to matter.
# KAFKA_JVM_OPTS replaces these flags for the broker, the format tool and the workers.
read -r -a JVM_COMMON <<<"${KAFKA_JVM_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Djava.awt.headless=true}"
read -r -a BROKER_HEAP <<<"${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
read -r -a CONNECT_HEAP <<<"${CONNECT_HEAP_OPTS:--Xms64m -Xmx512m}"

log() { echo "kafka.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}
usage() { # $1 = exit code
  sed -n '6,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
  exit "${1:-2}"
}
now_ms() { date +%s%3N; }
elapsed() { # $1 = start in ms -> "12.3s"
  local d=$(($(now_ms) - $1))
  printf '%d.%ds' $((d / 1000)) $((d % 1000 / 100))
}

JAVA='' JAVA_ID=''
need_java() {
  [[ -n $JAVA ]] && return 0
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    JAVA=$JAVA_HOME/bin/java
  elif command -v java >/dev/null 2>&1; then
    JAVA=$(command -v java)
  else
    echo "kafka.sh: java not found: install a JDK 17+ (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME" >&2
    exit 3
  fi
  # Kafka 4.x brokers and Connect are compiled for Java 17.
  local v major
  v=$("$JAVA" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n1)
  major=${v%%.*}
  [[ $major == 1 ]] && major=$(echo "$v" | cut -d. -f2)
  if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    echo "kafka.sh: java not found: install a JDK 17+ ($JAVA reports version '${v:-?}') or set JAVA_HOME" >&2
    exit 3
  fi
  # Names the class-data archives: they are only valid for the exact JVM build that wrote them.
  JAVA_ID=$("$JAVA" -version 2>&1 | sed -n 's/.*(build \([^)]*\)).*/\1/p' | head -n1 | tr -c 'A-Za-z0-9._+\n-' '_' | tr -d '\n')
  JAVA_ID=${JAVA_ID:-$v}
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 && return 0
  echo "kafka.sh: mvn not found: install Maven 3.6.3+ (e.g. apt-get install maven) to download Kafka $KAFKA_VERSION, or pre-fill $KAFKA_CACHE" >&2
  exit 3
}

# ---------------------------------------------------------------------------------------------------------------
# jars

cache_ok() {
  [[ -f $KAFKA_CACHE/.resolved ]] &&
    compgen -G "$KAFKA_CACHE/broker/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null &&
    compgen -G "$KAFKA_CACHE/connect/connect-runtime-$KAFKA_VERSION.jar" >/dev/null &&
    compgen -G "$KAFKA_CACHE/plugins/filestream/connect-file-$KAFKA_VERSION.jar" >/dev/null
}

cmd_resolve() {
  cache_ok && return 0
  need_java
  need_mvn
  local t0 parent tmp
  t0=$(now_ms)
  parent=$(dirname "$KAFKA_CACHE")
  mkdir -p "$parent"
  # Resolve next to the cache and move into place at the end, so an interrupted download never looks complete.
  tmp=$(mktemp -d "$parent/.kafka-resolve.XXXXXX")
  # shellcheck disable=SC2064 # expand $tmp now: it is local
  trap "rm -rf '$tmp'" EXIT
  log "resolving Kafka $KAFKA_VERSION (log4j2 $LOG4J2_VERSION) from Maven Central into $KAFKA_CACHE ..."
  local mvn_args=(-B -q -Dkafka.version="$KAFKA_VERSION" -Dlog4j2.version="$LOG4J2_VERSION" -Dkafka.libs.dir="$tmp")
  # mvn -q prints only errors (plus stray colour codes in Maven 3.8): keep its output for the failure case.
  if ! {
    mvn "${mvn_args[@]}" -f "$SUPPORT/broker/pom.xml" dependency:copy-dependencies@broker &&
      mvn "${mvn_args[@]}" -f "$SUPPORT/connect/pom.xml" \
        dependency:copy-dependencies@worker dependency:copy-dependencies@filestream
  } >"$tmp/mvn.log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$tmp/mvn.log" | grep -v '^$' | tail -n 30 >&2
    die "mvn could not resolve the jars of Kafka $KAFKA_VERSION (log4j2 $LOG4J2_VERSION) from Maven Central"
  fi
  echo "$KAFKA_VERSION log4j2=$LOG4J2_VERSION" >"$tmp/.resolved"
  mkdir -p "$KAFKA_CACHE"
  # (class-data archives record the jars' sizes and dates: archives of replaced jars would never match again)
  rm -rf "$KAFKA_CACHE/broker" "$KAFKA_CACHE/connect" "$KAFKA_CACHE/plugins" "$KAFKA_CACHE/.resolved" "$KAFKA_CACHE/cds"
  mv "$tmp/broker" "$tmp/connect" "$tmp/plugins" "$tmp/.resolved" "$KAFKA_CACHE/"
  rm -rf "$tmp"
  trap - EXIT
  log "resolved $(find "$KAFKA_CACHE" -name '*.jar' | wc -l) jars in $(elapsed "$t0")"
}

# ---------------------------------------------------------------------------------------------------------------
# processes. A pid file only counts if that pid still runs our command line (pids get reused, and a zombie
# still answers kill -0); we never look processes up by name.

pid_matches() { # $1 = pid, $2 = string its command line must contain
  local pid=$1 cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  if [[ -d /proc/self ]]; then
    [[ -r /proc/$pid/cmdline ]] || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"$2"* ]]
  else
    kill -0 "$pid" 2>/dev/null
  fi
}

pid_exists() { # like kill -0, but a zombie (exited, not yet reaped) does not count
  kill -0 "$1" 2>/dev/null || return 1
  [[ ! -r /proc/$1/stat ]] || [[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) != Z ]]
}

pidfile_alive() { # $1 = pid file, $2 = command line marker
  [[ -f $1 ]] && pid_matches "$(cat "$1" 2>/dev/null)" "$2"
}

stop_pidfile() { # $1 = pid file, $2 = command line marker, $3 = label, $4 = KILL to crash it instead (optional)
  local pidfile=$1 marker=$2 label=$3 pid deadline
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if ! pid_matches "$pid" "$marker"; then
    rm -f "$pidfile"
    cds_promote "$pidfile.cds"
    return 0
  fi
  # SIGTERM runs the JVM shutdown hooks: Connect leaves its group, the broker shuts down its controller cleanly.
  # A JVM that writes a class-data archive at exit gets more time (the dump alone can take 10 s on 2 busy cores).
  local timeout=$STOP_TIMEOUT
  [[ -f $pidfile.cds ]] && timeout=$((STOP_TIMEOUT + 30))
  if [[ ${4:-} == KILL ]]; then
    # A crash: no shutdown hooks, and no class-data archive (the JVM writes it at a clean exit).
    timeout=5
    kill -KILL "$pid" 2>/dev/null || true
  else
    kill -TERM "$pid" 2>/dev/null || true
  fi
  deadline=$((SECONDS + timeout))
  while pid_matches "$pid" "$marker" && ((SECONDS < deadline)); do sleep 0.2; done
  if pid_matches "$pid" "$marker"; then
    log "$label (pid $pid) still running after ${timeout}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while pid_matches "$pid" "$marker" && ((SECONDS < deadline)); do sleep 0.2; done
  fi
  rm -f "$pidfile"
  log "stopped $label (pid $pid)"
  cds_promote "$pidfile.cds"
}

# Class-data sharing (AppCDS). The first broker and the first worker run with a given JDK record the classes they
# loaded into an archive when they exit (on SIGTERM from stop); later JVMs map that archive instead of loading
# ~6000 classes from jars, which saves about 2 s per broker and per worker start on 2 cores. The price is paid
# once per JDK and cache: that first stop takes 10-30 s longer while the archives are written. KAFKA_CDS=0 turns
# it off. The JVM ignores an archive that does not match (other JDK, other jars) with a warning.
CDS_ARGS=()
cds_args() { # $1 = broker|connect, $2 = classpath, $3 = where to note a pending dump ("" = only use an archive)
  CDS_ARGS=()
  [[ ${KAFKA_CDS:-1} != 0 ]] || return 0
  local archive=$KAFKA_CACHE/cds/$1-$JAVA_ID.jsa pending
  if [[ -s $archive ]]; then
    CDS_ARGS=(-XX:SharedArchiveFile="$archive")
  elif [[ -n $3 ]] && ! grep -qsF -- "$archive" "$KAFKA_STATE"/run/*.cds "$KAFKA_STATE"/run/connect/*.cds; then
    # (only one JVM of a kind records: dumping costs a few seconds at exit)
    mkdir -p "$KAFKA_CACHE/cds"
    pending=$archive.$$.$RANDOM.tmp
    CDS_ARGS=(-XX:ArchiveClassesAtExit="$pending")
    printf '%s\n%s\n%s\n' "$pending" "$archive" "$2" >"$3"
  fi
}

cds_promote() { # $1 = pending-dump note written by cds_args; call once the JVM has exited
  [[ -f $1 ]] || return 0
  local pending archive cp
  { read -r pending && read -r archive && read -r cp; } <"$1" || true
  rm -f "$1"
  [[ -n ${pending:-} && -s $pending ]] || return 0
  need_java
  # A JVM killed while dumping leaves a truncated file: keep the archive only if a JVM can map it.
  if [[ ! -e $archive ]] && "$JAVA" -Xshare:on -XX:SharedArchiveFile="$pending" -cp "$cp" -version >/dev/null 2>&1; then
    mv -f "$pending" "$archive"
    log "saved class-data archive $archive"
  else
    rm -f "$pending"
  fi
}

cds_discard() { # $1 = pending-dump note: the JVM died during start-up, its class list is not worth keeping
  [[ -f $1 ]] || return 0
  local pending
  read -r pending <"$1" || true
  rm -f "$1" "${pending:-/nonexistent}"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

http_code() { # $1 = port, $2 = path -> HTTP status, 000 when there is no answer
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$HOST:$1$2" 2>/dev/null || true
  else
    # shellcheck disable=SC2016 # the inner script gets its values as arguments
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" "$2" "$0" >&3
      read -r _ code _ <&3 && echo "$code"' "$HOST" "$1" "$2" 2>/dev/null || echo 000
  fi
}

# Launches the command detached from the caller (own session, no inherited terminal or pipes: a Go test that
# runs this script must not hang on the JVM's stdout) and prints its pid. setsid does not fork here, because a
# background job of a non-interactive shell is not a process-group leader, so $! becomes the JVM itself.
# $! exists before the exec, while /proc/$!/cmdline still shows this script, so wait until it shows the command:
# otherwise the first liveness check can take a starting JVM for a dead one.
launch() { # $1 = log file, $2 = command line marker, rest = command
  local logfile=$1 marker=$2 pid deadline
  shift 2
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" >"$logfile" 2>&1 </dev/null &
  else
    nohup "$@" >"$logfile" 2>&1 </dev/null &
  fi
  pid=$!
  deadline=$((SECONDS + 10))
  until pid_matches "$pid" "$marker" || ! pid_exists "$pid" || ((SECONDS >= deadline)); do
    sleep 0.05
  done
  echo "$pid"
}

# ---------------------------------------------------------------------------------------------------------------
# broker

# Node n of the cluster (1 = the single broker, or the first of KAFKA_BROKERS): its files and ports. Node 1 keeps
# the single broker's names; node n takes ports BROKER_PORT + 4(n-1) .. + 3, as node 1 takes BROKER_PORT .. + 3.
node_conf() { if (($1 == 1)); then echo "$KAFKA_STATE/config/server.properties"; else echo "$KAFKA_STATE/config/server-$1.properties"; fi; }
node_pid() { if (($1 == 1)); then echo "$KAFKA_STATE/run/broker.pid"; else echo "$KAFKA_STATE/run/broker-$1.pid"; fi; }
node_log() { if (($1 == 1)); then echo "$KAFKA_STATE/logs/broker.log"; else echo "$KAFKA_STATE/logs/broker-$1.log"; fi; }
node_data() { if (($1 == 1)); then echo "$KAFKA_STATE/data"; else echo "$KAFKA_STATE/data-$1"; fi; }
node_port() { echo $((BROKER_PORT + 4 * ($1 - 1))); }
node_marker() { echo "kafka.Kafka $(node_conf "$1")"; }
node_running() { pidfile_alive "$(node_pid "$1")" "$(node_marker "$1")" && port_open "$(node_port "$1")"; }

BROKER_PID=$(node_pid 1)
BROKER_LOG=$(node_log 1)

# How many brokers the cluster has: KAFKA_BROKERS at start, remembered in the state dir for the other commands.
brokers() {
  if [[ -f $KAFKA_STATE/run/brokers ]]; then cat "$KAFKA_STATE/run/brokers"; else echo "${KAFKA_BROKERS:-1}"; fi
}
bootstrap_list() {
  local n list=""
  for ((n = 1; n <= $(brokers); n++)); do list+="${list:+,}$HOST:$(node_port "$n")"; done
  echo "$list"
}

broker_running() {
  local n
  for ((n = 1; n <= $(brokers); n++)); do node_running "$n" || return 1; done
}

# write_node_conf n count: node n's server.properties. One broker is a standalone KRaft node; more are each
# broker and controller of a static three-voter (or count-voter) quorum, with replication factor count and
# min.insync.replicas 2 for the broker's internal topics and as the default for new topics.
write_node_conf() {
  local n=$1 count=$2 port conf voters="" i
  port=$(node_port "$n")
  conf=$(node_conf "$n")
  sed -e "s#@DATA_DIR@#$(node_data "$n")#g" -e "s#@BROKER_PORT@#$port#g" \
    -e "s#@CONTROLLER_PORT@#$((port + 1))#g" -e "s#@PROXIED_PORT@#$((port + 2))#g" \
    -e "s#@PROXIED_ADVERTISED_PORT@#$((port + 3))#g" "$SUPPORT/config/server.properties" >"$conf"
  if ((count > 1)); then
    for ((i = 1; i <= count; i++)); do voters+="${voters:+,}$i@$HOST:$(($(node_port "$i") + 1))"; done
    local isr=$((count < 2 ? count : 2))
    sed -i -e '/^controller.quorum.bootstrap.servers=/d' "$conf"
    cat >>"$conf" <<EOF

# KAFKA_BROKERS=$count: node $n of a static quorum; later keys win over the single-node values above.
node.id=$n
controller.quorum.voters=$voters
default.replication.factor=$count
min.insync.replicas=$isr
offsets.topic.replication.factor=$count
transaction.state.log.replication.factor=$count
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$count
share.coordinator.state.topic.min.isr=$isr
EOF
  fi
  if [[ -n ${KAFKA_BROKER_EXTRA_PROPS:-} ]]; then
    printf '\n# KAFKA_BROKER_EXTRA_PROPS\n%s\n' "$KAFKA_BROKER_EXTRA_PROPS" >>"$conf"
  fi
}

cmd_start() {
  need_java
  cmd_resolve
  local count=${KAFKA_BROKERS:-1}
  [[ $count =~ ^[1-5]$ ]] || die "KAFKA_BROKERS must be a number from 1 to 5, not '$count'"
  local t0
  t0=$(now_ms)
  stop_all # a broker (and workers) left over from an earlier start
  rm -f "$KAFKA_STATE/run/brokers"
  KAFKA_BROKERS=$count check_broker_ports
  rm -rf "$KAFKA_STATE"/data "$KAFKA_STATE"/data-*
  mkdir -p "$KAFKA_STATE"/{config,logs,run,run/connect,tmp}
  echo "$count" >"$KAFKA_STATE/run/brokers"
  local n
  for ((n = 1; n <= count; n++)); do
    mkdir -p "$(node_data "$n")"
    write_node_conf "$n" "$count"
  done

  local cp="$KAFKA_CACHE/broker/*" # kept literal: java expands dir/* itself
  local jvm=("${JVM_COMMON[@]}" -Djava.io.tmpdir="$KAFKA_STATE/tmp" -Dkafka.logs.dir="$KAFKA_STATE/logs")
  # A cluster id is any random 16-byte UUID in unpadded base64url; making it here saves a JVM start
  # (kafka-storage random-uuid). Like Kafka's Uuid.randomUuid, reject ids starting with "-": the format
  # command's argument parser would take them for an option.
  local cluster_id=- i
  for ((i = 0; i < 100; i++)); do
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $cluster_id == -* ]] || break
  done
  # One node formats as a standalone dynamic quorum; more take the static voters of their configs.
  local quorum=()
  ((count == 1)) && quorum=(--standalone)
  cds_args broker "$cp" ""
  for ((n = 1; n <= count; n++)); do
    "$JAVA" -Xmx256m "${jvm[@]}" -Dlog4j2.configurationFile="$SUPPORT/config/log4j2-tools.properties" \
      "${CDS_ARGS[@]}" -cp "$cp" kafka.tools.StorageTool format "${quorum[@]}" -t "$cluster_id" -c "$(node_conf "$n")" \
      >"$KAFKA_STATE/logs/format.log" 2>&1 </dev/null || {
      cat "$KAFKA_STATE/logs/format.log" >&2
      die "formatting the KRaft storage of node $n failed"
    }
  done
  local t1
  t1=$(now_ms)
  echo "$KAFKA_VERSION" >"$KAFKA_STATE/run/version"
  # A quorum of several elects its leader only once most voters run: start every node, then wait for each.
  launch_node 1 "$BROKER_PID.cds"
  for ((n = 2; n <= count; n++)); do launch_node "$n" ""; done
  for ((n = 1; n <= count; n++)); do await_node "$n"; done
  if ((count == 1)); then
    echo "kafka $KAFKA_VERSION running on $HOST:$BROKER_PORT (controller $HOST:$CONTROLLER_PORT), pid $(cat "$BROKER_PID")," \
      "ready in $(elapsed "$t1") after format, $(elapsed "$t0") in total"
    echo "state dir: $KAFKA_STATE (broker log: $BROKER_LOG, data: $KAFKA_STATE/data)"
  else
    echo "kafka $KAFKA_VERSION: $count brokers running on $(bootstrap_list) (each also a controller)," \
      "ready in $(elapsed "$t1") after format, $(elapsed "$t0") in total"
    echo "state dir: $KAFKA_STATE (logs: $KAFKA_STATE/logs/broker*.log, data: $KAFKA_STATE/data*)"
  fi
}

check_broker_ports() {
  local n
  for ((n = 1; n <= $(brokers); n++)); do check_node_ports "$n"; done
}

check_node_ports() { # $1 = node
  local port p
  port=$(node_port "$1")
  for p in "$port" $((port + 1)) $((port + 2)); do
    port_open "$p" && die "port $HOST:$p is in use by a process not started by this script (KAFKA_STATE=$KAFKA_STATE)"
  done
  return 0
}

# Starts node n on its formatted data directory without waiting for it. $2 = where to note a pending class-data
# dump ("" = only use an archive).
launch_node() {
  local n=$1 cp="$KAFKA_CACHE/broker/*" pid
  local jvm=("${JVM_COMMON[@]}" -Djava.io.tmpdir="$KAFKA_STATE/tmp" -Dkafka.logs.dir="$KAFKA_STATE/logs")
  cds_args broker "$cp" "$2"
  pid=$(launch "$(node_log "$n")" "$(node_marker "$n")" "$JAVA" "${BROKER_HEAP[@]}" "${jvm[@]}" "${CDS_ARGS[@]}" \
    -Dlog4j2.configurationFile="$SUPPORT/config/log4j2-broker.properties" \
    -cp "$cp" kafka.Kafka "$(node_conf "$n")")
  echo "$pid" >"$(node_pid "$n")"
}

# Waits until node n serves.
await_node() {
  local n=$1 pid pidfile log marker port
  pidfile=$(node_pid "$n") log=$(node_log "$n") marker=$(node_marker "$n") port=$(node_port "$n")
  pid=$(cat "$pidfile")
  local deadline=$((SECONDS + BROKER_READY_TIMEOUT))
  until grep -q 'Kafka Server started' "$log" 2>/dev/null && port_open "$port"; do
    if ! pid_matches "$pid" "$marker"; then
      tail -n 40 "$log" >&2 || true
      rm -f "$pidfile"
      cds_discard "$pidfile.cds"
      die "broker $n exited during start-up (log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$log" >&2 || true
      stop_pidfile "$pidfile" "$marker" "broker $n"
      die "broker $n not ready after ${BROKER_READY_TIMEOUT}s (log: $log)"
    fi
    sleep 0.2
  done
}

# node_arg args...: the broker number given (default 1); other words are left in NODE_REST.
NODE=1 NODE_REST=()
node_arg() {
  NODE=1 NODE_REST=()
  while (($#)); do
    if [[ $1 =~ ^[0-9]+$ ]]; then NODE=$1; else NODE_REST+=("$1"); fi
    shift
  done
  ((NODE >= 1 && NODE <= $(brokers))) || die "no broker $NODE: the cluster has $(brokers)"
}

cmd_broker_stop() {
  local signal=TERM
  node_arg "$@"
  for a in ${NODE_REST[@]+"${NODE_REST[@]}"}; do
    case $a in
      --kill) signal=KILL ;;
      *) usage ;;
    esac
  done
  local pidfile marker
  pidfile=$(node_pid "$NODE") marker=$(node_marker "$NODE")
  pidfile_alive "$pidfile" "$marker" || die "broker $NODE is not running"
  stop_pidfile "$pidfile" "$marker" "broker $NODE" "$signal"
}

cmd_broker_start() {
  need_java
  cmd_resolve
  node_arg "$@"
  ((${#NODE_REST[@]} == 0)) || usage
  local n=$NODE pidfile log
  pidfile=$(node_pid "$n") log=$(node_log "$n")
  pidfile_alive "$pidfile" "$(node_marker "$n")" && die "broker $n is already running (pid $(cat "$pidfile"))"
  [[ -f $(node_data "$n")/meta.properties && -f $(node_conf "$n") ]] ||
    die "no data of broker $n in $KAFKA_STATE to start again: use '$0 start' for a fresh cluster"
  check_node_ports "$n"
  local t0
  t0=$(now_ms)
  # Keep the previous run's log: it tells how the broker went down.
  [[ -f $log ]] && mv -f "$log" "$log.previous"
  launch_node "$n" ""
  await_node "$n"
  echo "kafka $(cat "$KAFKA_STATE/run/version" 2>/dev/null || echo "$KAFKA_VERSION") broker $n running again on" \
    "$HOST:$(node_port "$n"), pid $(cat "$pidfile"), ready in $(elapsed "$t0")"
}

stop_all() {
  local f n
  for f in "$KAFKA_STATE"/run/connect/*.pid; do
    [[ -e $f ]] || continue
    stop_worker "$(basename "$f" .pid)"
  done
  # All at once: stopped one by one, the last broker finds no controller
  # quorum for its controlled shutdown and waits out STOP_TIMEOUT.
  for ((n = $(brokers); n >= 1; n--)); do
    stop_pidfile "$(node_pid "$n")" "$(node_marker "$n")" "broker $n" &
  done
  wait
}

cmd_stop() {
  stop_all
  rm -rf "$KAFKA_STATE"/data "$KAFKA_STATE"/data-*
  rm -f "$KAFKA_STATE/run/brokers"
}

cmd_status() {
  if broker_running; then
    echo "running $(cat "$KAFKA_STATE/run/version" 2>/dev/null || echo "$KAFKA_VERSION") on $(bootstrap_list)"
    return 0
  fi
  echo "not running" >&2
  return 1
}

# ---------------------------------------------------------------------------------------------------------------
# Connect workers: files are $KAFKA_STATE/config/<name>.properties, logs/<name>.log, run/connect/<name>.pid

worker_marker() { echo "ConnectDistributed $KAFKA_STATE/config/$1.properties"; }

valid_name() {
  [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "invalid worker name '$1' (letters, digits, . _ -)"
  case $1 in broker | format | server) die "worker name '$1' is reserved" ;; esac
}

stop_worker() { # $1 = name, $2 = KILL to crash it (optional)
  stop_pidfile "$KAFKA_STATE/run/connect/$1.pid" "$(worker_marker "$1")" "connect worker $1" "${2:-}"
}

cmd_connect_start() {
  local port=8083 group=connect-java name=
  while (($#)); do
    case $1 in
      --port) port=${2:?--port needs a value} && shift 2 ;;
      --group) group=${2:?--group needs a value} && shift 2 ;;
      --name) name=${2:?--name needs a value} && shift 2 ;;
      *) usage ;;
    esac
  done
  [[ $port =~ ^[0-9]+$ ]] || die "invalid port '$port'"
  [[ $group =~ ^[A-Za-z0-9._-]+$ ]] || die "invalid group '$group' (it is also a topic name prefix)"
  name=${name:-connect-$port}
  valid_name "$name"
  need_java
  cmd_resolve
  broker_running || die "broker is not running: run '$0 start' first"
  local pidfile=$KAFKA_STATE/run/connect/$name.pid marker conf=$KAFKA_STATE/config/$name.properties
  local logfile=$KAFKA_STATE/logs/$name.log
  marker=$(worker_marker "$name")
  pidfile_alive "$pidfile" "$marker" &&
    die "connect worker $name is already running (pid $(cat "$pidfile")); stop it with: $0 connect-stop --name $name"
  port_open "$port" && die "port $HOST:$port is already in use"
  mkdir -p "$KAFKA_STATE/run/connect"

  sed -e "s#@BOOTSTRAP@#$(bootstrap_list)#g" -e "s#@REPLICATION_FACTOR@#$(brokers)#g" -e "s#@GROUP@#$group#g" -e "s#@PORT@#$port#g" \
    -e "s#@PLUGIN_PATH@#$KAFKA_CACHE/plugins#g" "$SUPPORT/config/connect-distributed.properties" >"$conf"
  if [[ -n ${CONNECT_EXTRA_PROPS:-} ]]; then
    printf '\n# CONNECT_EXTRA_PROPS\n%s\n' "$CONNECT_EXTRA_PROPS" >>"$conf"
  fi

  local t0 pid cp="$KAFKA_CACHE/connect/*"
  t0=$(now_ms)
  cds_args connect "$cp" "$pidfile.cds"
  pid=$(launch "$logfile" "$marker" "$JAVA" "${CONNECT_HEAP[@]}" "${JVM_COMMON[@]}" "${CDS_ARGS[@]}" \
    -Djava.io.tmpdir="$KAFKA_STATE/tmp" -Dkafka.logs.dir="$KAFKA_STATE/logs" \
    -Dlog4j2.configurationFile="$SUPPORT/config/log4j2-connect.properties" \
    -cp "$cp" org.apache.kafka.connect.cli.ConnectDistributed "$conf")
  echo "$pid" >"$pidfile"

  # The REST port opens before the herder is ready; /health answers 503 until the worker has joined its group
  # and read the config topic, then 200.
  local deadline=$((SECONDS + CONNECT_READY_TIMEOUT)) code=000
  until [[ $code == 200 ]]; do
    if ! pid_matches "$pid" "$marker"; then
      tail -n 60 "$logfile" >&2 || true
      rm -f "$pidfile"
      cds_discard "$pidfile.cds"
      die "connect worker $name exited during start-up (log: $logfile)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 60 "$logfile" >&2 || true
      stop_worker "$name"
      die "connect worker $name: GET /health not 200 after ${CONNECT_READY_TIMEOUT}s (last: $code; log: $logfile)"
    fi
    sleep 0.3
    code=$(http_code "$port" /health)
  done
  echo "connect worker $name (group $group) ready on http://$HOST:$port, pid $pid, in $(elapsed "$t0")"
  echo "log: $logfile  config: $conf"
}

cmd_connect_stop() {
  local name=connect-8083 all=false signal=TERM
  while (($#)); do
    case $1 in
      --name) name=${2:?--name needs a value} && shift 2 ;;
      --port) name=connect-${2:?--port needs a value} && shift 2 ;;
      --all) all=true && shift ;;
      --kill) signal=KILL && shift ;;
      *) usage ;;
    esac
  done
  if $all; then
    local f
    for f in "$KAFKA_STATE"/run/connect/*.pid; do
      [[ -e $f ]] || continue
      stop_worker "$(basename "$f" .pid)" "$signal"
    done
  else
    valid_name "$name"
    stop_worker "$name" "$signal"
  fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  broker-stop) shift && cmd_broker_stop "$@" ;;
  broker-start) shift && cmd_broker_start "$@" ;;
  status) cmd_status ;;
  version) echo "$KAFKA_VERSION" ;;
  resolve) cmd_resolve ;;
  connect-start) shift && cmd_connect_start "$@" ;;
  connect-stop) shift && cmd_connect_stop "$@" ;;
  -h | --help | help) usage 0 ;;
  *) usage ;;
esac
