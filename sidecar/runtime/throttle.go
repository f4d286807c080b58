package runtime

import "time"

// throttle lets a repeated warning through at most once per period per
// key (a topic), counting the occurrences it held back, so that a task
// stuck on one problem says so at the pace it retries, not once per
// record. It belongs to the goroutine that uses it.
type throttle struct {
	next map[string]time.Time // when key's next warning may go out
	held map[string]int       // occurrences since key's last warning
}

func newThrottle() *throttle {
	return &throttle{next: map[string]time.Time{}, held: map[string]int{}}
}

// allow counts an occurrence of key at now. It reports whether to warn,
// and how many occurrences the warning stands for (this one included);
// the next warning for key waits for period.
func (t *throttle) allow(key string, now time.Time, period time.Duration) (occurrences int, ok bool) {
	t.held[key]++
	if now.Before(t.next[key]) {
		return 0, false
	}
	occurrences = t.held[key]
	t.next[key], t.held[key] = now.Add(period), 0
	return occurrences, true
}
