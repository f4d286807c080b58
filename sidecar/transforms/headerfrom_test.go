package transforms

import "testing"

func TestHeaderFromMatchesJava(t *testing.T) { runGolden(t, "headerfrom") }
