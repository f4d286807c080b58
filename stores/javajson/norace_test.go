//go:build !race

package javajson

const raceEnabled = false
