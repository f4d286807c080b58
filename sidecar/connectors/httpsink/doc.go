// Package httpsink is the HTTP sink connector
// (io.connectsidecar.http.HttpSinkConnector, or HttpSink for short): it
// delivers the records of its partitions to the app next to the worker
// over HTTP, the way a serverless trigger would, but in batches, in order
// per partition or per key, several at once, without losing offsets, and
// without letting one bad record hold up the rest.
//
// # Requests
//
// Each batch is one POST to http.url (by default the worker's
// SIDECAR_APP_URL, http://127.0.0.1:8080/). A batch holds records of one
// partition, in offset order: up to batch.max.records (500) records and
// batch.max.bytes (1 MiB) of body, sent once it is full or its oldest
// record has waited batch.linger.ms (5 ms). Every request also carries
// http.auth.header (or the header in http.auth.header.file) and
// http.headers.
//
// http.url and http.health.url must be on hosts the worker's
// SIDECAR_HTTP_ALLOWED_HOSTS allows (by default those of SIDECAR_APP_URL
// and SIDECAR_APP_HEALTH_URL; link-local and cloud metadata addresses only
// when listed exactly), or the configuration is refused. A request that
// would still reach a host it does not allow, through a redirect or a name
// resolving elsewhere, fails the task with that refusal: its records are
// neither retried nor dead-lettered, and their offsets are not committed.
//
// With http.format=json (the default) the body is:
//
//	POST / HTTP/1.1
//	Content-Type: application/json
//
//	{"records":[
//	  {"id":"orders-3-1042","topic":"orders","partition":3,"offset":1042,
//	   "timestamp":1700000000123,"key":"customer-7","value":{"total":12.5},
//	   "headers":{"trace-id":"4bf92f35"}}
//	]}
//
// where:
//
//   - id is <topic>-<partition>-<offset> of the record as it was read from
//     Kafka (before any transform renamed the topic): the same record
//     always has the same id, and no two records share one.
//   - timestamp is in milliseconds since the epoch, or null.
//   - key, value and header values are the records' Connect data (after the
//     converters and transforms) as plain JSON, without schemas: strings,
//     numbers, booleans, null, arrays, objects for maps and structs,
//     decimals as numbers, and Connect's logical dates and times as
//     JsonConverter writes them (timestamps in milliseconds since the
//     epoch, dates in days, times in milliseconds since midnight). A []byte value
//     (ByteArrayConverter) that is valid JSON is embedded as it is; any
//     other []byte becomes a string holding its base64. Use StringConverter
//     for text that is not JSON, so it arrives as a JSON string.
//   - headers is an object: when a record has a header name twice, the
//     last value wins.
//
// With http.format=cloudevents, records are CloudEvents 1.0 with
// id <topic>-<partition>-<offset>, source /kafka/<topic>/<partition>, type
// io.connectsidecar.kafka.record, time from the record's timestamp and
// subject the key as text. A batch of one record is sent in binary mode:
// the attributes in ce-* headers (percent-encoded as the HTTP binding asks)
// and the value as the body, with Content-Type application/json (JSON bytes
// or structured data), text/plain; charset=utf-8 (a string) or
// application/octet-stream (other bytes). A larger batch is sent as
// Content-Type application/cloudevents-batch+json, a JSON array of
// events in the structured format, with data (JSON and strings) or
// data_base64 (other bytes). Kafka headers are not sent in this format.
//
// # Order
//
// delivery.ordering says which records keep their order, and so how many
// requests can be in flight at once. A task has at most max.in.flight (8)
// requests outstanding, and a partition at most
// max.in.flight.per.partition (unset: as many as the task).
//
//   - partition (the default): a partition's records go one batch at a
//     time, in offset order, and a batch waiting for a retry holds back
//     its whole partition. A task delivers at most one batch per
//     partition per round trip: with one record per request, partitions ÷
//     round trip records a second.
//   - key: records with the same key go one batch at a time, in offset
//     order: a record goes once every earlier record of its key is
//     delivered or dead-lettered, or is before it in the same batch. The
//     key is the record's key as read from Kafka (its bytes, before
//     converters and transforms), within its partition; records without
//     a key are one key. Records of other keys of the partition go
//     meanwhile, and a record waiting for a retry holds back only the
//     later records of its key. A batch still holds records of one
//     partition, in offset order, several keys mixed.
//   - none: records go as soon as there is room, in any order, and a
//     retry holds back nothing.
//
// With key and none, a partition's records are done out of order, while
// the offset committed is still that of its first record not done (see
// Offsets and memory): the task holds that record and every one after it, and after
// a restart or a rebalance those done after it are sent again. The more
// a key lags behind (a slow app for it, or retries), the more that is. A
// key whose record keeps failing, with retry.timeout.ms=-1, lets the
// other keys run ahead until the task holds buffer.max.bytes, and then
// holds everything up as partition ordering would. Prefer partition
// ordering where the app does not need the concurrency.
//
// # Idempotency
//
// Delivery is at least once: a record is sent again after a failed or
// timed-out attempt, and after a restart or rebalance if its offset was
// not committed yet. A request of one record carries an Idempotency-Key
// header with the record's id; in a batch every record carries its id. An
// app that must not process a record twice remembers the ids it has done.
//
// # Responses
//
//   - 2xx: every record of the request is delivered.
//   - 207 Multi-Status with a body {"results":[{"id":"<record id>",
//     "status":<code>,"error":"..."}]}: each record by its own status.
//     2xx is delivered, 4xx is dead-lettered (as below), and 408, 429, 5xx,
//     or a record missing from the list, is retried: only those records,
//     still in order, before the next batch of their partition (or key,
//     see Order). A 207 whose body cannot be read retries the whole batch.
//   - 4xx other than 408 and 429: the app will never take these records.
//     Each is handed to the runtime's errant record reporter, which writes
//     it to the dead letter queue (errors.deadletterqueue.topic.name) with
//     the headers connect.sidecar.http.status (the status),
//     connect.sidecar.http.reason (the start of the answer's body, or the
//     207 result's error) and connect.sidecar.http.url. The records of one
//     batch are written together, in no particular order, so that a
//     rejected batch does not wait for one acknowledgement per record. With
//     errors.tolerance=none the task fails instead of skipping them.
//   - 408, 429, 5xx, 3xx, timeouts (http.timeout.ms) and connection
//     errors: the batch is retried after a backoff: retry.backoff.ms
//     doubled for each failure up to retry.backoff.max.ms, the delay random
//     between 0 and that (full jitter). A Retry-After header (seconds or an
//     HTTP date) sets the delay instead. After retry.timeout.ms of failing
//     (default -1: never) the records go to the dead letter queue with the
//     last attempt's status and reason.
//
// # App health
//
// When http.health.url is set (by default the worker's
// SIDECAR_APP_HEALTH_URL), it is read with GET, with the same headers as
// deliveries, when the task starts and every http.health.interval.ms.
// Until it answers 2xx, and whenever it stops doing so, nothing is sent:
// batches wait without making attempts or using up retry.timeout.ms, and
// once the task's buffer is full (buffer.max.bytes) the task stops taking
// records, so the worker stops reading. Delivery resumes within one
// interval of the app's recovery, without waiting out a backoff.
//
// # Offsets and memory
//
// The offset committed for a partition never passes a record that is
// neither delivered nor dead-lettered, whatever order records are done
// in: on each commit (offset.flush.interval.ms) a task reports the offset
// of its first such record. A task holds a record from Put until its
// offset can be committed, and stops taking records (the worker stops
// reading) while what it holds is over buffer.max.bytes (4 MiB): a
// record counts its size as read and as encoded until it is done, and a
// few hundred bytes after that. When partitions are taken away in a rebalance, the task stops
// sending them, waits up to http.timeout.ms for their requests in flight
// to be answered, stops writing their rejected records to the dead letter
// queue, and drops what it had not sent; the partitions' new owner sends
// those records, and any whose answer came too late for the commit, again.
package httpsink
