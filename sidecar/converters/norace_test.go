//go:build !race

package converters

const raceEnabled = false
