package transforms

import "testing"

func TestHoistFieldMatchesJava(t *testing.T) { runGolden(t, "hoistfield") }
