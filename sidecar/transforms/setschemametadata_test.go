package transforms

import "testing"

func TestSetSchemaMetadataMatchesJava(t *testing.T) { runGolden(t, "setschemametadata") }
