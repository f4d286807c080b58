package transforms

import (
	"math"
	"testing"
)

// Double.toString and Float.toString as JDK 19 and later print them (the
// values below were printed by JDK 25; a check of 200,000 random values
// against JDK 25 found no difference). JDK 17 gives more digits for some
// floats, e.g. 2.00325359E12 for the first float here.
func TestJavaFloatStrings(t *testing.T) {
	floats := []struct {
		bits uint32
		want string
	}{
		{1407792540, "2.0032536E12"},
		{1439136490, "2.741634E13"},
		{math.Float32bits(1e7), "1.0E7"},
		{math.Float32bits(9999999), "9999999.0"},
		{math.Float32bits(0.001), "0.001"},
		{math.Float32bits(0.0009999), "9.999E-4"},
		{1, "1.4E-45"},
	}
	for _, c := range floats {
		if got := javaFloat(math.Float32frombits(c.bits)); got != c.want {
			t.Errorf("float bits %d: got %s, want %s", c.bits, got, c.want)
		}
	}
	doubles := []struct {
		v    float64
		want string
	}{
		{974283.1638886216, "974283.1638886216"},
		{-9.801046919799959e-18, "-9.801046919799959E-18"},
		{5e-324, "4.9E-324"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{1e21, "1.0E21"},
		{100, "100.0"},
		{2e-3, "0.002"},
		{math.Copysign(0, -1), "-0.0"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, c := range doubles {
		if got := javaDouble(c.v); got != c.want {
			t.Errorf("%v: got %s, want %s", c.v, got, c.want)
		}
	}
}

func TestBigDecimalStrings(t *testing.T) {
	for in, want := range map[string]string{
		"0.000001": "0.000001", "0.0000001": "1E-7", "123E+5": "1.23E+7", "-0.00": "0.00", "5E2": "5E+2",
		"12345678901234567890.5": "12345678901234567890.5", "1e400": "1E+400", "-1.50": "-1.50", "٣.٥": "3.5",
	} {
		d, ok := parseBigDecimal(in)
		if !ok {
			t.Errorf("%s did not parse", in)
			continue
		}
		if got := decimalString(d); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", ".", "e5", "1e", "1.2.3", " 1", "0x10", "NaN", "1_000"} {
		if _, ok := parseBigDecimal(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
