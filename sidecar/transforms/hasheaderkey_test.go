package transforms

import "testing"

func TestHasHeaderKeyMatchesJava(t *testing.T) { runGolden(t, "hasheaderkey") }
