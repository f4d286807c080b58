package assign

import "slices"

// handleLost is §2.2 step 9: what to do with work whose worker is gone. It
// returns the lost work to hand out as new this round. When the delay has
// expired and candidate workers are present, it places the lost work on
// them itself.
func (m *memory) handleLost(lost []item, next []*workerLoad) []item {
	switch {
	case len(lost) == 0 && !m.revokedInPrevious:
		m.resetDelay()
		return nil
	case m.scheduledMs <= 0 && allPresent(m.previousMembers, next):
		// Nobody left, so the work went missing some other way (a member
		// missed its assignment): waiting would not bring it back.
		return lost
	case m.maxDelayMs == 0:
		return lost
	case m.scheduledMs > 0 && m.nowMs >= m.scheduledMs:
		return m.delayExpired(lost, next)
	}
	m.holdBack(next)
	return nil
}

// delayExpired gives lost work to the candidates, connectors and then tasks
// round robin from the first candidate, or returns it as new work when no
// candidate is left.
func (m *memory) delayExpired(lost []item, next []*workerLoad) []item {
	candidates := m.presentCandidates(next)
	m.resetDelay()
	// The full delay has passed, so revoking again is fine.
	m.revokedInPrevious = false
	if len(candidates) == 0 {
		return lost
	}
	for k := range kinds {
		for i, it := range ofKind(lost, k) {
			candidates[i%len(candidates)].add(it)
		}
	}
	return nil
}

// holdBack keeps lost work unassigned while its worker may come back, and
// notes the empty workers that could take it over.
func (m *memory) holdBack(next []*workerLoad) {
	for _, w := range next {
		if w.empty() && !slices.Contains(m.candidates, w.member) {
			m.candidates = append(m.candidates, w.member)
		}
	}
	if m.nowMs < m.scheduledMs {
		m.delayMs = min(m.scheduledMs-m.nowMs, m.maxDelayMs)
	} else {
		m.delayMs = m.maxDelayMs
	}
	m.scheduledMs = m.nowMs + m.delayMs
}

func (m *memory) presentCandidates(next []*workerLoad) []*workerLoad {
	byID := make(map[string]*workerLoad, len(next))
	for _, w := range next {
		byID[w.member] = w
	}
	var present []*workerLoad
	for _, id := range m.candidates {
		if w, ok := byID[id]; ok {
			present = append(present, w)
		}
	}
	return present
}

func allPresent(ids []string, next []*workerLoad) bool {
	present := make(map[string]bool, len(next))
	for _, w := range next {
		present[w.member] = true
	}
	for _, id := range ids {
		if !present[id] {
			return false
		}
	}
	return true
}
