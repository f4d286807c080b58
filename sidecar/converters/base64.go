package converters

import "errors"

// errBase64 is what Jackson's Base64Variant reports for text that is not
// Base64; the message is Jackson's gist.
var errBase64 = errors.New("illegal Base64 content: expected standard Base64 with '=' padding")

var base64Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// decodeBase64 reads s as Jackson's default Base64 variant (MIME without line
// feeds) does when Connect reads a bytes or Decimal value: groups of four
// with '=' padding required, any character up to U+0020 skipped between
// groups (not inside one), decoding going on after a padded group, and the
// unused bits of a padded group ignored.
func decodeBase64(s string) ([]byte, error) {
	out := make([]byte, 0, len(s)*3/4)
	for i := 0; ; i += 4 {
		for i < len(s) && s[i] <= ' ' {
			i++
		}
		switch {
		case i == len(s):
			return out, nil
		case len(s)-i < 4:
			return nil, errBase64
		}
		g := s[i : i+4]
		a, b, c, d := int(base64Values[g[0]]), int(base64Values[g[1]]), int(base64Values[g[2]]), int(base64Values[g[3]])
		switch {
		case a < 0 || b < 0:
			return nil, errBase64
		case c < 0 && g[2] == '=' && g[3] == '=':
			out = append(out, byte(a<<2|b>>4))
		case c < 0:
			return nil, errBase64
		case d < 0 && g[3] == '=':
			bits := a<<12 | b<<6 | c
			out = append(out, byte(bits>>10), byte(bits>>2))
		case d < 0:
			return nil, errBase64
		default:
			bits := a<<18 | b<<12 | c<<6 | d
			out = append(out, byte(bits>>16), byte(bits>>8), byte(bits))
		}
	}
}
