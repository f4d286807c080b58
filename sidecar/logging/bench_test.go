package logging

import (
	"io"
	"log/slog"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/config"
)

// BenchmarkLog compares a logger from New with a plain slog JSON handler at
// the same level, for a record below the level (the hot path: dropped) and
// one at it (written). "levels set" has namespaces set elsewhere in the
// tree, which must not change the cost.
//
//	go test -run '^$' -bench Log -benchmem ./sidecar/logging
func BenchmarkLog(b *testing.B) {
	plain := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})).With("component", "herder")
	leveled := New(io.Discard, config.Sidecar{LogLevel: slog.LevelInfo}).With("component", "herder")
	set := New(io.Discard, config.Sidecar{LogLevel: slog.LevelInfo})
	for _, ns := range []string{"org.apache.kafka.connect.storage", "org.apache.kafka.connect.runtime.Worker", "org.apache.kafka.clients", "connect-sidecar.fx"} {
		LevelsOf(set).Set(ns, slog.LevelDebug)
	}
	loggers := []struct {
		name string
		log  *slog.Logger
	}{
		{"slog", plain},
		{"leveled", leveled},
		{"levels set", set.With("component", "herder")},
	}
	for _, l := range loggers {
		b.Run(l.name+"/dropped", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l.log.Debug("dropped", "connector", "c", "task", 1)
				}
			})
		})
		b.Run(l.name+"/written", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l.log.Info("written", "connector", "c", "task", 1)
				}
			})
		})
	}
}
