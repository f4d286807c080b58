package transforms

import "testing"

func TestInsertHeaderMatchesJava(t *testing.T) { runGolden(t, "insertheader") }
