package transforms

import "testing"

func TestFlattenMatchesJava(t *testing.T) { runGolden(t, "flatten") }
