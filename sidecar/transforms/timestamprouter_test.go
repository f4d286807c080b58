package transforms

import "testing"

func TestTimestampRouterMatchesJava(t *testing.T) { runGolden(t, "timestamprouter") }
