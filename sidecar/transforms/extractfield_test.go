package transforms

import "testing"

func TestExtractFieldMatchesJava(t *testing.T) { runGolden(t, "extractfield") }
