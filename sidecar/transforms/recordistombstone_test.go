package transforms

import "testing"

func TestRecordIsTombstoneMatchesJava(t *testing.T) { runGolden(t, "recordistombstone") }
