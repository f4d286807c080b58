package transforms

import "testing"

func TestDropHeadersMatchesJava(t *testing.T) { runGolden(t, "dropheaders") }
