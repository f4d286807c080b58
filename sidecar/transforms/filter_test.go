package transforms

import "testing"

func TestFilterMatchesJava(t *testing.T) { runGolden(t, "filter") }
