package connectorconfig

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
)

// versionRange is a Maven VersionRange, as Connect reads plugin version
// requirements (PluginUtils.connectorVersionRequirement): a bare version
// means exactly that version; [a,b), (,b], [a,) and comma-separated sets
// of such ranges are ranges.
type versionRange struct {
	spec         string // as Java prints it
	restrictions []restriction
}

type restriction struct {
	lower, upper         string // "" is unbounded
	lowerIncl, upperIncl bool
}

func (r restriction) String() string {
	var b strings.Builder
	if r.lowerIncl {
		b.WriteByte('[')
	} else {
		b.WriteByte('(')
	}
	b.WriteString(r.lower + "," + r.upper)
	if r.upperIncl {
		b.WriteByte(']')
	} else {
		b.WriteByte(')')
	}
	return b.String()
}

func (r restriction) contains(v string) bool {
	if r.lower != "" {
		c := compareVersions(r.lower, v)
		if c > 0 || (c == 0 && !r.lowerIncl) {
			return false
		}
	}
	if r.upper != "" {
		c := compareVersions(r.upper, v)
		if c < 0 || (c == 0 && !r.upperIncl) {
			return false
		}
	}
	return true
}

func (vr *versionRange) String() string { return vr.spec }

// contains says whether a plugin version satisfies the range.
func (vr *versionRange) contains(v string) bool {
	for _, r := range vr.restrictions {
		if r.contains(v) {
			return true
		}
	}
	return false
}

// versionRequirement is PluginUtils.connectorVersionRequirement: nil for
// "latest"; errors carry Maven's InvalidVersionSpecificationException
// texts.
func versionRequirement(version string) (*versionRange, error) {
	if version == "latest" {
		return nil, nil
	}
	version = javatext.Trim(version)
	rs, bare, err := parseVersionSpec(version)
	if err != nil {
		return nil, err
	}
	if bare || len(rs) == 0 {
		if rs, _, err = parseVersionSpec("[" + version + "]"); err != nil {
			return nil, err
		}
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return &versionRange{spec: strings.Join(parts, ","), restrictions: rs}, nil
}

// parseVersionSpec is VersionRange.createFromVersionSpec; bare reports a
// plain version (Maven's "recommended version", no restriction).
func parseVersionSpec(spec string) (rs []restriction, bare bool, err error) {
	process := spec
	var upper string
	haveUpper := false
	for strings.HasPrefix(process, "[") || strings.HasPrefix(process, "(") {
		i1, i2 := strings.IndexByte(process, ')'), strings.IndexByte(process, ']')
		index := i2
		if (i2 < 0 || i1 < i2) && i1 >= 0 {
			index = i1
		}
		if index < 0 {
			return nil, false, errors.New("Unbounded range: " + spec)
		}
		r, err := parseRestriction(process[:index+1])
		if err != nil {
			return nil, false, err
		}
		if haveUpper && (r.lower == "" || compareVersions(r.lower, upper) < 0) {
			return nil, false, errors.New("Ranges overlap: " + spec)
		}
		rs = append(rs, r)
		upper, haveUpper = r.upper, true
		process = javatext.Trim(process[index+1:])
		if strings.HasPrefix(process, ",") {
			process = javatext.Trim(process[1:])
		}
	}
	if process != "" {
		if len(rs) > 0 {
			return nil, false, errors.New("Only fully-qualified sets allowed in multiple set scenario: " + spec)
		}
		return []restriction{{}}, true, nil
	}
	return rs, false, nil
}

func parseRestriction(spec string) (restriction, error) {
	r := restriction{lowerIncl: strings.HasPrefix(spec, "["), upperIncl: strings.HasSuffix(spec, "]")}
	process := javatext.Trim(spec[1 : len(spec)-1])
	lower, upper, comma := strings.Cut(process, ",")
	if !comma {
		if !r.lowerIncl || !r.upperIncl {
			return r, errors.New("Single version must be surrounded by []: " + spec)
		}
		r.lower, r.upper = process, process
		return r, nil
	}
	r.lower, r.upper = javatext.Trim(lower), javatext.Trim(upper)
	if r.lower != "" && r.upper != "" {
		c := compareVersions(r.upper, r.lower)
		if c < 0 || (c == 0 && (!r.lowerIncl || !r.upperIncl)) {
			return r, errors.New("Range defies version ordering: " + spec)
		}
	}
	return r, nil
}

// compareVersions orders versions roughly as Maven's ComparableVersion:
// numeric parts by value (missing parts are 0), a qualifier (4.3.1-rc1,
// -SNAPSHOT) before the release it qualifies, qualifiers by text.
func compareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if c := comparePart(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func versionParts(v string) []string {
	var parts []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, strings.ToLower(cur.String()))
			cur.Reset()
		}
	}
	prevDigit := false
	for i, r := range v {
		if r == '.' || r == '-' || r == '_' {
			flush()
			continue
		}
		isDigit := unicode.IsDigit(r)
		if i > 0 && cur.Len() > 0 && isDigit != prevDigit {
			flush()
		}
		cur.WriteRune(r)
		prevDigit = isDigit
	}
	flush()
	// Trailing zeros do not count (1.0 == 1).
	for len(parts) > 0 && parts[len(parts)-1] == "0" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

func comparePart(x, y string) int {
	nx, errX := strconv.ParseUint(x, 10, 64)
	ny, errY := strconv.ParseUint(y, 10, 64)
	switch {
	case errX == nil && errY == nil:
		switch {
		case nx < ny:
			return -1
		case nx > ny:
			return 1
		}
		return 0
	case errX == nil: // a number is newer than a qualifier
		return 1
	case errY == nil:
		return -1
	}
	return strings.Compare(x, y)
}
