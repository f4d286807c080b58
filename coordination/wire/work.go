package wire

// Plus returns w with o's items added, each once, in order of first
// appearance.
func (w Work) Plus(o Work) Work { return keep(w, o, Work{}) }

// Minus returns w without o's items.
func (w Work) Minus(o Work) Work { return keep(w, Work{}, o) }

// keep lists a's then add's items once each, leaving out drop's.
func keep(a, add, drop Work) Work {
	seenC := map[string]bool{}
	seenT := map[TaskID]bool{}
	for _, c := range drop.Connectors {
		seenC[c] = true
	}
	for _, t := range drop.Tasks {
		seenT[t] = true
	}
	var out Work
	for _, list := range [][]string{a.Connectors, add.Connectors} {
		for _, c := range list {
			if !seenC[c] {
				out.Connectors = append(out.Connectors, c)
				seenC[c] = true
			}
		}
	}
	for _, list := range [][]TaskID{a.Tasks, add.Tasks} {
		for _, t := range list {
			if !seenT[t] {
				out.Tasks = append(out.Tasks, t)
				seenT[t] = true
			}
		}
	}
	return out
}
