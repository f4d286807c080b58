package transforms

import "testing"

func TestMaskFieldMatchesJava(t *testing.T) { runGolden(t, "maskfield") }
