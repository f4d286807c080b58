package transforms

import "testing"

func TestCastMatchesJava(t *testing.T) { runGolden(t, "cast") }
