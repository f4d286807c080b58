#!/usr/bin/env bash
# Regenerates testdata/golden from testdata/cases by running Apache Kafka's
# own transforms (see ../README.md). Needs Java 17+ and the Kafka jars:
# KAFKA_JARS names a directory holding connect-api, connect-transforms,
# kafka-clients and jackson (default: the colleague cache of Kafka 4.3.1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jars=${KAFKA_JARS:-$HOME/.cache/connect-sidecar/kafka-4.3.1/connect}
for j in connect-api connect-transforms kafka-clients jackson-databind; do
  ls "$jars"/$j-*.jar >/dev/null 2>&1 || { echo "no $j jar in $jars" >&2; exit 1; }
done
# UTC and English: the zone and locale the Go side is tested under.
exec java -Duser.timezone=UTC -Duser.language=en -Duser.country=US \
  -cp "$jars/*" "$here/Golden.java" "$here/../cases" "$here/../golden"
