package javatext

import (
	"math/big"
	"testing"
)

func TestBigDecimalStrings(t *testing.T) {
	for in, want := range map[string]string{
		"0.000001": "0.000001", "0.0000001": "1E-7", "123E+5": "1.23E+7", "-0.00": "0.00", "5E2": "5E+2",
		"12345678901234567890.5": "12345678901234567890.5", "1e400": "1E+400", "-1.50": "-1.50", "٣.٥": "3.5",
		"+5": "5", ".5": "0.5", "5.": "5", "-1.2e-8": "-1.2E-8", "1e-2147483647": "1E-2147483647",
	} {
		u, scale, ok := ParseBigDecimal(in)
		if !ok {
			t.Errorf("%s did not parse", in)
			continue
		}
		if got := string(AppendBigDecimal(nil, u, scale)); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"", ".", "e5", "1e", "1.2.3", " 1", "0x10", "NaN", "1_000", "𝟗", "1e2147483648.5",
		"1.5e-2147483647", "1e-2147483648", "1e99999999999"} {
		if _, _, ok := ParseBigDecimal(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestBigDecimalScale(t *testing.T) {
	for _, c := range []struct {
		unscaled int64
		scale    int32
		want     string
	}{
		{0, 0, "0"}, {0, 2, "0.00"}, {0, -2, "0E+2"}, {7, 0, "7"}, {-7, 1, "-0.7"}, {12345, 2, "123.45"},
		{12345, 7, "0.0012345"}, {12345, 11, "1.2345E-7"}, {1, 6, "0.000001"}, {1, 7, "1E-7"}, {-15, -1, "-1.5E+2"},
	} {
		if got := string(AppendBigDecimal([]byte("["), big.NewInt(c.unscaled), c.scale)); got != "["+c.want {
			t.Errorf("%d×10^-%d: got %s, want %s", c.unscaled, c.scale, got[1:], c.want)
		}
	}
}
