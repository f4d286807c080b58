package transforms

import (
	"regexp"
	"strings"
)

// javaPattern is a java.util.regex.Pattern as RegexRouter and
// TopicNameMatches use it. Patterns are compiled with Go's RE2 syntax,
// which shares Java's common syntax (classes, groups, named groups,
// quantifiers, (?i) flags, \Q...\E) but has no backreferences,
// lookaround, possessive or atomic groups; patterns using those are
// rejected as invalid.
type javaPattern struct {
	find  *regexp.Regexp // as written, for Matcher.find
	whole *regexp.Regexp // anchored at both ends, for Matcher.matches
}

func compileJavaPattern(expr string) (*javaPattern, error) {
	find, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	whole, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil, err
	}
	return &javaPattern{find: find, whole: whole}, nil
}

// matches is Matcher.matches: the whole text matches.
func (p *javaPattern) matches(s string) bool { return p.whole.MatchString(s) }

// replaceFirst is Matcher.replaceFirst: the first match found from the
// start is replaced, with Java's replacement syntax ($1, ${name}, \$).
func (p *javaPattern) replaceFirst(s, replacement string) (string, error) {
	m := p.find.FindStringSubmatchIndex(s)
	if m == nil {
		return s, nil
	}
	expanded, err := p.expand(s, m, replacement)
	if err != nil {
		return "", err
	}
	return s[:m[0]] + expanded + s[m[1]:], nil
}

// expand is Matcher.appendExpandedReplacement, with its errors.
func (p *javaPattern) expand(s string, m []int, repl string) (string, error) {
	var b strings.Builder
	groups := p.find.NumSubexp()
	for i := 0; i < len(repl); {
		c := repl[i]
		switch c {
		case '\\':
			i++
			if i == len(repl) {
				return "", dataErr("character to be escaped is missing")
			}
			b.WriteByte(repl[i])
			i++
			continue
		case '$':
		default:
			b.WriteByte(c)
			i++
			continue
		}
		i++
		if i == len(repl) {
			return "", dataErr("Illegal group reference: group index is missing")
		}
		var ref int
		if repl[i] == '{' {
			name, next, err := groupName(repl, i+1)
			if err != nil {
				return "", err
			}
			if ref = p.find.SubexpIndex(name); ref < 0 {
				return "", dataErr("No group with name {%s}", name)
			}
			i = next
		} else {
			if !isDigit(repl[i]) {
				return "", dataErr("Illegal group reference")
			}
			// The first digit is always a group; more digits join while
			// the number stays a group of the pattern.
			ref = int(repl[i] - '0')
			i++
			for i < len(repl) && isDigit(repl[i]) && ref*10+int(repl[i]-'0') <= groups {
				ref = ref*10 + int(repl[i]-'0')
				i++
			}
		}
		if ref > groups {
			return "", dataErr("No group %d", ref)
		}
		if m[2*ref] >= 0 {
			b.WriteString(s[m[2*ref]:m[2*ref+1]])
		}
	}
	return b.String(), nil
}

// groupName reads a ${name} reference from after the brace.
func groupName(repl string, begin int) (string, int, error) {
	i := begin
	for i < len(repl) && isASCIIAlnum(repl[i]) {
		i++
	}
	switch {
	case i == begin:
		return "", 0, dataErr("named capturing group has 0 length name")
	case i == len(repl) || repl[i] != '}':
		return "", 0, dataErr("named capturing group is missing trailing '}'")
	case isDigit(repl[begin]):
		return "", 0, dataErr("capturing group name {%s} starts with digit character", repl[begin:i])
	}
	return repl[begin:i], i + 1, nil
}

func isASCIIAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
