//go:build race

package converters

// raceEnabled lets tests skip inputs that take minutes to scan under the
// race detector's instrumentation but involve no concurrency.
const raceEnabled = true
