package transforms

import "testing"

func TestRegexRouterMatchesJava(t *testing.T) { runGolden(t, "regexrouter") }
