package runtime

import (
	"context"
	"sync"
)

// window bounds the bytes a source task has handed to the producer and
// Kafka has not acknowledged yet (Java's buffer.memory): when it is full,
// the task waits before polling more.
type window struct {
	mu    sync.Mutex
	used  int
	max   int
	freed chan struct{}
}

func newWindow(max int) *window { return &window{max: max, freed: make(chan struct{}, 1)} }

// acquire waits until n more bytes fit, or nothing is in flight (so a
// batch larger than the window still goes, alone); false if ctx ended.
func (w *window) acquire(ctx context.Context, n int) bool {
	for {
		w.mu.Lock()
		if w.used == 0 || w.used+n <= w.max {
			w.used += n
			w.mu.Unlock()
			return true
		}
		w.mu.Unlock()
		select {
		case <-w.freed:
		case <-ctx.Done():
			return false
		}
	}
}

// release gives back n bytes.
func (w *window) release(n int) {
	w.mu.Lock()
	w.used -= n
	w.mu.Unlock()
	select {
	case w.freed <- struct{}{}:
	default:
	}
}
