// Package httpsource is a source connector that polls an HTTP endpoint for
// records. The endpoint pages through its data with an opaque cursor, and
// the cursor is the source offset kept in Connect's offsets topic, so a
// restarted or moved task asks for what follows the last record Kafka
// acknowledged.
//
// # Requests
//
// The task GETs http.url. Once it holds a cursor it adds it as the query
// parameter http.cursor.param, replacing one the URL may carry; the other
// query parameters are sent as written. Before any cursor is known (first
// start, nothing stored) the URL goes as configured, so a cursor parameter
// written into http.url is the starting point. Requests carry http.headers
// and, from http.auth.header or http.auth.header.file, an Authorization
// header.
//
// http.url must be on a host the worker's SIDECAR_HTTP_ALLOWED_HOSTS
// allows (by default those of SIDECAR_APP_URL and SIDECAR_APP_HEALTH_URL;
// link-local and cloud metadata addresses only when listed exactly), or
// the configuration is refused. A request that would still reach a host
// it does not allow, through a redirect or a name resolving elsewhere,
// fails the task with that refusal, and nothing is produced.
//
// # Answers
//
// 200 with a JSON body:
//
//	{"records": [{"key": <any JSON, optional>,
//	              "value": <any JSON>,
//	              "headers": {"name": <any JSON>, ...},   optional
//	              "topic": "<overrides the topic setting>", optional
//	              "timestamp": <ms since the epoch>}],    optional
//	 "cursor": "<opaque string>"}
//
// The cursor must be a JSON string, and must be there when records are. An
// answer with no records (204, or an empty or missing list) means nothing
// new: a cursor it carries is used for the next request, but it cannot be
// stored, since offsets are stored only with records.
//
// Keys, values and header values become Connect data without a schema,
// exactly as JsonConverter with schemas.enable=false reads the same JSON
// (it is the converter that reads them): objects become *plugin.MapValue
// with their entries in order, arrays []any, strings string, true and
// false bool, whole numbers int64 (wrapping beyond 64 bits, as Java's
// longValue does), other numbers float64, and null nil. So a connector
// written with that converter puts the endpoint's JSON on the topic as it
// came.
//
// Every record of an answer has the source partition {"url": <http.url>}
// and the source offset {"cursor": <the answer's cursor>}. Sharing one
// offset loses nothing: the runtime commits an offset only once every
// record polled before it is acknowledged, so a restart within an answer
// fetches the answer again (at-least-once, as with any source connector).
//
// # Waiting and errors
//
// After an answer with records the task asks again at once. After an empty
// answer it waits http.poll.interval.ms; while answers stay empty the wait
// doubles, with jitter, up to http.poll.backoff.max.ms. A failed request
// (no answer, a status other than 2xx, a body that breaks the contract)
// counts the same way and is returned from Poll as a temporary error,
// which the runtime logs before polling again; its text names the URL,
// the status and the start of the body. Such errors never fail the task
// (a refused host, above, does): the server may come back, a token may be
// rotated.
//
// One endpoint has one cursor, so the connector runs one task whatever
// tasks.max says.
package httpsource
