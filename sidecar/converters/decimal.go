package converters

import (
	"math/big"
	"strconv"
	"strings"
)

// numLit is a JSON number literal already checked by the reader. Jackson
// keeps such a number as an int, long, BigInteger or (Connect reads floats as
// BigDecimal) BigDecimal node; the methods give what those nodes return.
type numLit string

func (n numLit) isInteger() bool { return !strings.ContainsAny(string(n), ".eE") }

// split returns the sign, the mantissa (digits with the point, if any) and
// the exponent.
func (n numLit) split() (neg bool, mant string, exp int64) {
	s := string(n)
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	mant = s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		exp, _ = strconv.ParseInt(s[i+1:], 10, 64) // the reader keeps it within 10 digits
	}
	return neg, mant, exp
}

// scale is the BigDecimal scale: digits after the point minus the exponent.
func scaleOf(mant string, exp int64) int64 {
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		return int64(len(mant)-i-1) - exp
	}
	return -exp
}

// isZero reports a literal whose value is zero; BigDecimal has no negative
// zero, so these read as +0.0.
func (n numLit) isZero() bool {
	_, mant, _ := n.split()
	return strings.Trim(mant, "0.") == ""
}

// isInt is Jackson's isInt(): an integer literal that fits an int.
func (n numLit) isInt() bool {
	if !n.isInteger() {
		return false
	}
	_, err := strconv.ParseInt(string(n), 10, 32)
	return err == nil
}

// long is longValue(): the value truncated toward zero, low 64 bits (the
// int, byte and short values are its low bits in turn).
func (n numLit) long() int64 {
	neg, mant, exp := n.split()
	scale := scaleOf(mant, exp)
	digits := int64(len(mant))
	if strings.IndexByte(mant, '.') >= 0 {
		digits--
	}
	if scale <= -64 || scale >= digits {
		return 0 // a factor 10^64 leaves no low bits; or no integer part
	}
	keep := digits - max(scale, 0)
	var u uint64
	for i := 0; keep > 0; i++ {
		if c := mant[i]; c != '.' {
			u = u*10 + uint64(c-'0')
			keep--
		}
	}
	for ; scale < 0; scale++ {
		u *= 10
	}
	if neg {
		u = -u
	}
	return int64(u)
}

// double is doubleValue(): correctly rounded, ±Infinity beyond the range.
func (n numLit) double() float64 {
	if n.isZero() {
		return 0
	}
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}

// float is floatValue().
func (n numLit) float() float32 {
	if n.isZero() {
		return 0
	}
	f, _ := strconv.ParseFloat(string(n), 32)
	return float32(f)
}

// decimal is decimalValue(): the literal as a BigDecimal, keeping its scale
// (1.50 has scale 2, 1.2E+3 has scale -2).
func (n numLit) decimal() (*big.Int, int32) {
	neg, mant, exp := n.split()
	scale := scaleOf(mant, exp)
	u, _ := new(big.Int).SetString(strings.Replace(mant, ".", "", 1), 10)
	if neg {
		u.Neg(u)
	}
	return u, int32(scale)
}

// twosComplement is BigInteger.toByteArray: the shortest big-endian two's
// complement form, at least one byte.
func twosComplement(x *big.Int) []byte {
	if x.Sign() >= 0 {
		b := x.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -x-1 has the bit length Java calls x.bitLength().
	m := new(big.Int).Not(x)
	n := m.BitLen()/8 + 1
	y := new(big.Int).Lsh(big.NewInt(1), uint(8*n))
	y.Add(y, x)
	b := y.Bytes()
	for len(b) < n {
		b = append([]byte{0}, b...)
	}
	return b
}

// fromTwosComplement is new BigInteger(b) for a non-empty b.
func fromTwosComplement(b []byte) *big.Int {
	x := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x
}
