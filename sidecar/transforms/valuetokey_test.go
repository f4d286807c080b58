package transforms

import "testing"

func TestValueToKeyMatchesJava(t *testing.T) { runGolden(t, "valuetokey") }
