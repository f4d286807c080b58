package transforms

import "testing"

func TestTimestampConverterMatchesJava(t *testing.T) { runGolden(t, "timestampconverter") }
