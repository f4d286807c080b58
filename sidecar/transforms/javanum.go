package transforms

import (
	"math"
	"math/big"
	"strconv"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// Java's number rules that show in transform results and that only
// transforms need: how numbers narrow ((byte) of a long, (int) of a
// double, BigDecimal.longValue). How they parse and print is
// internal/javatext.

// parseBigDecimal is new BigDecimal(String), as a Connect Decimal.
func parseBigDecimal(s string) (plugin.Decimal, bool) {
	u, scale, ok := javatext.ParseBigDecimal(s)
	return plugin.Decimal{Unscaled: u, Scale: scale}, ok
}

var (
	bigTen    = big.NewInt(10)
	low64Mask = new(big.Int).SetUint64(math.MaxUint64)
)

// decimalToLong is BigDecimal.longValue: the fraction dropped, then the
// low 64 bits of the integer.
func decimalToLong(d plugin.Decimal) int64 {
	scale := int64(d.Scale)
	if scale <= -64 {
		// × 10^64 or more is a multiple of 2^64: its low 64 bits are 0.
		return 0
	}
	x := new(big.Int).Set(d.Unscaled)
	if scale < 0 {
		x.Mul(x, new(big.Int).Exp(bigTen, big.NewInt(-scale), nil))
	} else if scale > 0 {
		if scale > int64(len(x.String())) {
			return 0
		}
		x.Quo(x, new(big.Int).Exp(bigTen, big.NewInt(scale), nil))
	}
	return int64(x.And(x, low64Mask).Uint64())
}

// decimalToFloat is BigDecimal.doubleValue (bits 64) or floatValue (32),
// both correctly rounded.
func decimalToFloat(d plugin.Decimal, bits int) float64 {
	f, _ := strconv.ParseFloat(d.Unscaled.String()+"e"+strconv.FormatInt(-int64(d.Scale), 10), bits)
	return f
}

// doubleToLong and doubleToInt are Java's (long) and (int) casts of a
// double: NaN is 0 and out of range values saturate.
func doubleToLong(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func doubleToInt(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}
