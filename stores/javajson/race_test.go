//go:build race

package javajson

// raceEnabled lets tests skip inputs that take tens of seconds to scan under
// the race detector's instrumentation but involve no concurrency.
const raceEnabled = true
