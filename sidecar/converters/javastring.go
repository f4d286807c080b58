package converters

import (
	"unicode/utf16"
	"unicode/utf8"
)

// javaString is new String(b, UTF_8): valid UTF-8 as is, and each malformed
// sequence replaced by U+FFFD the way the JDK's decoder splits them (an
// encoded surrogate is one replacement, a truncated sequence at the end is
// one, a stray continuation byte is one each).
func javaString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for i := 0; i < len(b); {
		r, n := decodeJavaRune(b[i:])
		out = utf8.AppendRune(out, r)
		i += n
	}
	return string(out)
}

// decodeJavaRune decodes one character or one malformed sequence from b, as
// String.decodeUTF8_UTF16 in JDK 17 to 25 does; it returns the bytes used,
// which for a truncated 4-byte sequence at the end is all of b.
func decodeJavaRune(b []byte) (rune, int) {
	b1 := b[0]
	switch {
	case b1 < 0x80:
		return rune(b1), 1
	case b1>>5 == 0x6 && b1&0x1e != 0:
		if len(b) < 2 || !isCont(b[1]) {
			return utf8.RuneError, 1
		}
		return rune(b1&0x1f)<<6 | rune(b[1]&0x3f), 2
	case b1>>4 == 0xe:
		return decode3(b)
	case b1>>3 == 0x1e:
		return decode4(b)
	}
	return utf8.RuneError, 1
}

func isCont(c byte) bool { return c&0xc0 == 0x80 }

// overlong3 is true for E0 followed by 80..9F.
func overlong3(b1, b2 byte) bool { return b1 == 0xe0 && b2&0xe0 == 0x80 }

func decode3(b []byte) (rune, int) {
	if len(b) >= 3 {
		b1, b2, b3 := b[0], b[1], b[2]
		if overlong3(b1, b2) || !isCont(b2) || !isCont(b3) {
			if overlong3(b1, b2) || !isCont(b2) {
				return utf8.RuneError, 1
			}
			return utf8.RuneError, 2
		}
		r := rune(b1&0x0f)<<12 | rune(b2&0x3f)<<6 | rune(b3&0x3f)
		if utf16.IsSurrogate(r) {
			return utf8.RuneError, 3
		}
		return r, 3
	}
	if len(b) == 2 && (overlong3(b[0], b[1]) || !isCont(b[1])) {
		return utf8.RuneError, 1
	}
	return utf8.RuneError, len(b)
}

func decode4(b []byte) (rune, int) {
	b1 := b[0]
	if len(b) >= 4 {
		r := rune(b1&0x07)<<18 | rune(b[1]&0x3f)<<12 | rune(b[2]&0x3f)<<6 | rune(b[3]&0x3f)
		if isCont(b[1]) && isCont(b[2]) && isCont(b[3]) && r >= 0x10000 && r <= utf8.MaxRune {
			return r, 4
		}
		return utf8.RuneError, malformed4(b)
	}
	if b1 > 0xf4 || len(b) >= 2 && badSecond4(b1, b[1]) {
		return utf8.RuneError, 1
	}
	// A good start of a 4-byte sequence cut short: the JDK skips its second
	// byte and stops at the end or at a byte that is no continuation.
	if len(b) >= 3 && !isCont(b[2]) {
		return utf8.RuneError, 2
	}
	return utf8.RuneError, len(b)
}

func badSecond4(b1, b2 byte) bool {
	return b1 == 0xf0 && (b2 < 0x90 || b2 > 0xbf) || b1 == 0xf4 && b2&0xf0 != 0x80 || !isCont(b2)
}

func malformed4(b []byte) int {
	if b[0] > 0xf4 || badSecond4(b[0], b[1]) {
		return 1
	}
	if !isCont(b[2]) {
		return 2
	}
	return 3
}
