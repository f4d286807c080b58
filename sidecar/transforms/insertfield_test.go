package transforms

import "testing"

func TestInsertFieldMatchesJava(t *testing.T) { runGolden(t, "insertfield") }
