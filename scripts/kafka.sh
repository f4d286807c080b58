#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft, broker+controller) and real Java Kafka Connect distributed
# workers, built only from jars on Maven Central (no Docker, no apache.org tarball). Used by integration tests to
# compare the Go worker with the reference implementation, and to give it a broker.
#
#   scripts/kafka.sh start                  resolve jars if needed, start a fresh broker on 127.0.0.1:9092
#   scripts/kafka.sh stop                   stop all Connect workers started here, then the broker; wipe its data
#   scripts/kafka.sh broker-stop [--kill]   stop only the broker (SIGTERM, or SIGKILL with --kill), keeping its data
#                                           and the Connect workers, for tests of a broker outage
#   scripts/kafka.sh broker-start           start the broker again on the data broker-stop kept
#   scripts/kafka.sh status                 exit 0 and print "running <version> on 127.0.0.1:9092" if up
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
# Environment:
#   KAFKA_VERSION         Kafka release (default 4.3.1, the newest 4.x with connect-runtime and connect-file on
#                         Maven Central when this was written)
#   KAFKA_LOG4J2_VERSION  log4j2 version to pin (default: the one that Kafka release was built with)
#   KAFKA_CACHE           resolved jars (default ~/.cache/connect-sidecar/kafka-$KAFKA_VERSION)
#   KAFKA_STATE           pid files, logs, generated configs, data (default /tmp/connect-sidecar-kafka)
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
readonly HOST=127.0.0.1 BROKER_PORT CONTROLLER_PORT=$((BROKER_PORT + 1)) PROXIED_PORT=$((BROKER_PORT + 2)) \
  PROXIED_ADVERTISED_PORT=$((BROKER_PORT + 3))
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
  sed -n '6,19s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
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

BROKER_CONF=$KAFKA_STATE/config/server.properties
BROKER_PID=$KAFKA_STATE/run/broker.pid
BROKER_LOG=$KAFKA_STATE/logs/broker.log
BROKER_MARKER="kafka.Kafka $BROKER_CONF"

broker_running() { pidfile_alive "$BROKER_PID" "$BROKER_MARKER" && port_open "$BROKER_PORT"; }

cmd_start() {
  need_java
  cmd_resolve
  local t0
  t0=$(now_ms)
  stop_all # a broker (and workers) left over from an earlier start
  check_broker_ports
  rm -rf "$KAFKA_STATE/data"
  mkdir -p "$KAFKA_STATE"/{config,logs,run,run/connect,tmp,data}
  sed -e "s#@DATA_DIR@#$KAFKA_STATE/data#g" -e "s#@BROKER_PORT@#$BROKER_PORT#g" \
    -e "s#@CONTROLLER_PORT@#$CONTROLLER_PORT#g" -e "s#@PROXIED_PORT@#$PROXIED_PORT#g" \
    -e "s#@PROXIED_ADVERTISED_PORT@#$PROXIED_ADVERTISED_PORT#g" "$SUPPORT/config/server.properties" >"$BROKER_CONF"
  if [[ -n ${KAFKA_BROKER_EXTRA_PROPS:-} ]]; then
    printf '\n# KAFKA_BROKER_EXTRA_PROPS\n%s\n' "$KAFKA_BROKER_EXTRA_PROPS" >>"$BROKER_CONF"
  fi

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
  cds_args broker "$cp" ""
  "$JAVA" -Xmx256m "${jvm[@]}" -Dlog4j2.configurationFile="$SUPPORT/config/log4j2-tools.properties" \
    "${CDS_ARGS[@]}" -cp "$cp" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$BROKER_CONF" \
    >"$KAFKA_STATE/logs/format.log" 2>&1 </dev/null || {
    cat "$KAFKA_STATE/logs/format.log" >&2
    die "formatting the KRaft storage failed"
  }
  local t1
  t1=$(now_ms)
  echo "$KAFKA_VERSION" >"$KAFKA_STATE/run/version"
  launch_broker "$BROKER_PID.cds"
  echo "kafka $KAFKA_VERSION running on $HOST:$BROKER_PORT (controller $HOST:$CONTROLLER_PORT), pid $(cat "$BROKER_PID")," \
    "ready in $(elapsed "$t1") after format, $(elapsed "$t0") in total"
  echo "state dir: $KAFKA_STATE (broker log: $BROKER_LOG, data: $KAFKA_STATE/data)"
}

check_broker_ports() {
  local p
  for p in "$BROKER_PORT" "$CONTROLLER_PORT" "$PROXIED_PORT"; do
    port_open "$p" && die "port $HOST:$p is in use by a process not started by this script (KAFKA_STATE=$KAFKA_STATE)"
  done
  return 0
}

# Starts the broker on the formatted data directory and waits until it serves. $1 = where to note a pending
# class-data dump ("" = only use an archive).
launch_broker() {
  local cp="$KAFKA_CACHE/broker/*" pid
  local jvm=("${JVM_COMMON[@]}" -Djava.io.tmpdir="$KAFKA_STATE/tmp" -Dkafka.logs.dir="$KAFKA_STATE/logs")
  cds_args broker "$cp" "$1"
  pid=$(launch "$BROKER_LOG" "$BROKER_MARKER" "$JAVA" "${BROKER_HEAP[@]}" "${jvm[@]}" "${CDS_ARGS[@]}" \
    -Dlog4j2.configurationFile="$SUPPORT/config/log4j2-broker.properties" \
    -cp "$cp" kafka.Kafka "$BROKER_CONF")
  echo "$pid" >"$BROKER_PID"

  local deadline=$((SECONDS + BROKER_READY_TIMEOUT))
  until grep -q 'Kafka Server started' "$BROKER_LOG" 2>/dev/null && port_open "$BROKER_PORT"; do
    if ! pid_matches "$pid" "$BROKER_MARKER"; then
      tail -n 40 "$BROKER_LOG" >&2 || true
      rm -f "$BROKER_PID"
      cds_discard "$BROKER_PID.cds"
      die "broker exited during start-up (log: $BROKER_LOG)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$BROKER_LOG" >&2 || true
      stop_pidfile "$BROKER_PID" "$BROKER_MARKER" broker
      die "broker not ready after ${BROKER_READY_TIMEOUT}s (log: $BROKER_LOG)"
    fi
    sleep 0.2
  done
}

cmd_broker_stop() {
  local signal=TERM
  while (($#)); do
    case $1 in
      --kill) signal=KILL && shift ;;
      *) usage ;;
    esac
  done
  pidfile_alive "$BROKER_PID" "$BROKER_MARKER" || die "broker is not running"
  stop_pidfile "$BROKER_PID" "$BROKER_MARKER" broker "$signal"
}

cmd_broker_start() {
  need_java
  cmd_resolve
  pidfile_alive "$BROKER_PID" "$BROKER_MARKER" && die "broker is already running (pid $(cat "$BROKER_PID"))"
  [[ -f $KAFKA_STATE/data/meta.properties && -f $BROKER_CONF ]] ||
    die "no broker data in $KAFKA_STATE to start again: use '$0 start' for a fresh broker"
  check_broker_ports
  local t0
  t0=$(now_ms)
  # Keep the previous run's log: it tells how the broker went down.
  [[ -f $BROKER_LOG ]] && mv -f "$BROKER_LOG" "$BROKER_LOG.previous"
  launch_broker ""
  echo "kafka $(cat "$KAFKA_STATE/run/version" 2>/dev/null || echo "$KAFKA_VERSION") running again on" \
    "$HOST:$BROKER_PORT, pid $(cat "$BROKER_PID"), ready in $(elapsed "$t0")"
}

stop_all() {
  local f
  for f in "$KAFKA_STATE"/run/connect/*.pid; do
    [[ -e $f ]] || continue
    stop_worker "$(basename "$f" .pid)"
  done
  stop_pidfile "$BROKER_PID" "$BROKER_MARKER" broker
}

cmd_stop() {
  stop_all
  rm -rf "$KAFKA_STATE/data"
}

cmd_status() {
  if broker_running; then
    echo "running $(cat "$KAFKA_STATE/run/version" 2>/dev/null || echo "$KAFKA_VERSION") on $HOST:$BROKER_PORT"
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

  sed -e "s#@BROKER_PORT@#$BROKER_PORT#g" -e "s#@GROUP@#$group#g" -e "s#@PORT@#$port#g" \
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
  broker-start) cmd_broker_start ;;
  status) cmd_status ;;
  version) echo "$KAFKA_VERSION" ;;
  resolve) cmd_resolve ;;
  connect-start) shift && cmd_connect_start "$@" ;;
  connect-stop) shift && cmd_connect_stop "$@" ;;
  -h | --help | help) usage 0 ;;
  *) usage ;;
esac
