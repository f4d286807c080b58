package javatext

import (
	"math"
	"testing"
)

// The expectations below are what JDK 17 and 25 answer for the same text.

func TestTrim(t *testing.T) {
	for in, want := range map[string]string{
		" a b ": "a b", "\t\n\x00x\x1f": "x", "\u00a0x\u00a0": "\u00a0x\u00a0", "": "", "  ": "",
	} {
		if got := Trim(in); got != want {
			t.Errorf("Trim(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseInt(t *testing.T) {
	for _, c := range []struct {
		in   string
		bits int
		want int64
		ok   bool
	}{
		{"0", 32, 0, true}, {"007", 32, 7, true}, {"+5", 32, 5, true}, {"-5", 8, -5, true},
		{"127", 8, 127, true}, {"128", 8, 0, false}, {"-32768", 16, -32768, true},
		{"2147483647", 32, 2147483647, true}, {"2147483648", 32, 0, false},
		{"9223372036854775807", 64, math.MaxInt64, true}, {"9223372036854775808", 64, 0, false},
		{"-9223372036854775808", 64, math.MinInt64, true}, {"-9223372036854775809", 64, 0, false},
		{"-128", 8, -128, true}, {"-129", 8, 0, false}, {"-0", 32, 0, true}, {"-2147483648", 32, -2147483648, true},
		{"99999999999999999999999", 64, 0, false}, {"+-1", 32, 0, false}, {"1\xff", 32, 0, false},
		{"١٢", 32, 12, true}, // Arabic-Indic digits
		{"߀", 32, 0, true},   // NKo zero
		{"２", 32, 2, true},   // fullwidth two
		{"𝟗", 32, 0, false},  // outside the BMP: Java sees two surrogates
		{"", 32, 0, false}, {"+", 32, 0, false}, {"1a", 32, 0, false}, {" 1", 32, 0, false}, {"1.0", 32, 0, false},
	} {
		got, ok := ParseInt(c.in, c.bits)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseInt(%q, %d) = %d, %v; want %d, %v", c.in, c.bits, got, ok, c.want, c.ok)
		}
	}
}

func TestParseDouble(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
	}{
		{"NaN", math.NaN()}, {"-NaN", math.NaN()}, {" 1.5 ", 1.5}, {"0x1p3", 8}, {"0x1p3f", 8}, {".5", 0.5},
		{"5.", 5}, {"2d", 2}, {"+Infinity", math.Inf(1)}, {"-Infinity", math.Inf(-1)}, {"1.5e400", math.Inf(1)},
		{"-1e-400", math.Copysign(0, -1)},
	} {
		got, ok := ParseDouble(c.in, 64)
		if !ok || math.Float64bits(got) != math.Float64bits(c.want) && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("ParseDouble(%q) = %v, %v; want %v", c.in, got, ok, c.want)
		}
	}
	for _, bad := range []string{"NaNd", "Infinityf", "1.0dd", "inf", "nan", "1e", "\u00a01", "1_0", "0x10", "١٢", ""} {
		if got, ok := ParseDouble(bad, 64); ok {
			t.Errorf("ParseDouble(%q) = %v, want an error", bad, got)
		}
	}
	if got, ok := ParseDouble("3.4028236e38", 32); !ok || !math.IsInf(got, 1) {
		t.Errorf("Float.parseFloat beyond the range = %v, %v; want Infinity", got, ok)
	}
}
