package transforms

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/connect-sidecar/connect-sidecar/internal/javatext"
)

// dateFormat is java.text.SimpleDateFormat as Connect uses it: English
// names, lenient parsing, one time zone. It is implemented here rather
// than translated to a Go layout, because Go layouts cannot quote text
// ("Day 1" would print the month) and read fields differently (S is
// milliseconds in Java, not a fraction).
//
// Supported when formatting: every pattern letter (G y Y M L w W D d F E
// u a H k K h m s S z Z X), with en-US week rules (weeks start on Sunday;
// the week holding 1 January is week 1).
//
// Supported when parsing: G y M L d D E a H k K h m s S Z X, and z for
// "UTC", "GMT" and "GMT±hh:mm". Not supported (parsing fails with a
// message saying so): the week-based letters Y w W F u, zone names other
// than UTC, and E without a day of the month.
//
// Differences from Java: dates before 15 October 1582 use the proleptic
// Gregorian calendar (Java switches to the Julian calendar), and years
// before 1 AD are not written with eras as Java does.
type dateFormat struct {
	pattern string
	tokens  []dateToken
	loc     *time.Location
}

// dateToken is a pattern letter repeated count times, or literal text.
type dateToken struct {
	letter  byte
	count   int
	literal string
}

const datePatternLetters = "GyMdkHmsSEDFwWahKzZYuXL"

var (
	monthNames      = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	shortMonthNames = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	dayNames        = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	shortDayNames   = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	ampmNames       = []string{"AM", "PM"}
	eraNames        = []string{"BC", "AD"}
)

// patternError is a pattern SimpleDateFormat rejects; its text is Java's
// IllegalArgumentException message.
type patternError string

func (e patternError) Error() string { return string(e) }

// newDateFormat compiles a pattern as new SimpleDateFormat(pattern) does,
// with its IllegalArgumentException messages.
func newDateFormat(pattern string, loc *time.Location) (*dateFormat, error) {
	f := &dateFormat{pattern: pattern, loc: loc}
	var quoted strings.Builder
	inQuote := false
	for i := 0; i < len(pattern); {
		c, size := utf8.DecodeRuneInString(pattern[i:])
		switch {
		case c == '\'' && strings.HasPrefix(pattern[i+1:], "'"):
			// '' is a quote, in quoted text or not.
			if inQuote {
				quoted.WriteByte('\'')
			} else {
				f.addLiteral("'")
			}
			i += 2
			continue
		case c == '\'':
			if inQuote {
				f.addLiteral(quoted.String())
				quoted.Reset()
			}
			inQuote = !inQuote
		case inQuote:
			quoted.WriteRune(c)
		case c < 128 && unicode.IsLetter(c):
			if !strings.ContainsRune(datePatternLetters, c) {
				return nil, patternError(fmt.Sprintf("Illegal pattern character '%c'", c))
			}
			f.addLetter(byte(c))
		default:
			f.addLiteral(string(c))
		}
		i += size
	}
	if inQuote {
		return nil, patternError("Unterminated quote")
	}
	for _, t := range f.tokens {
		if t.letter == 'X' && t.count >= 4 {
			return nil, patternError(fmt.Sprintf("invalid ISO 8601 format: length=%d", t.count))
		}
	}
	return f, nil
}

func (f *dateFormat) addLetter(c byte) {
	if n := len(f.tokens); n > 0 && f.tokens[n-1].letter == c {
		f.tokens[n-1].count++
		return
	}
	f.tokens = append(f.tokens, dateToken{letter: c, count: 1})
}

func (f *dateFormat) addLiteral(s string) {
	if s != "" {
		f.tokens = append(f.tokens, dateToken{literal: s})
	}
}

// format is SimpleDateFormat.format.
func (f *dateFormat) format(t time.Time) string {
	t = t.In(f.loc)
	var b strings.Builder
	for _, tok := range f.tokens {
		if tok.letter == 0 {
			b.WriteString(tok.literal)
			continue
		}
		b.WriteString(formatField(t, tok.letter, tok.count))
	}
	return b.String()
}

func formatField(t time.Time, letter byte, count int) string {
	hour := t.Hour()
	switch letter {
	case 'G':
		return eraNames[boolIndex(t.Year() > 0)]
	case 'y':
		return formatYear(eraYear(t.Year()), count)
	case 'Y':
		year, _ := usWeek(t)
		return formatYear(eraYear(year), count)
	case 'M', 'L':
		return formatText(int(t.Month())-1, count, monthNames, shortMonthNames, int(t.Month()))
	case 'w':
		_, week := usWeek(t)
		return pad(week, count)
	case 'W':
		first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return pad((t.Day()-1+int(first.Weekday()))/7+1, count)
	case 'D':
		return pad(t.YearDay(), count)
	case 'd':
		return pad(t.Day(), count)
	case 'F':
		return pad((t.Day()-1)/7+1, count)
	case 'E':
		if count >= 4 {
			return dayNames[t.Weekday()]
		}
		return shortDayNames[t.Weekday()]
	case 'u':
		return pad((int(t.Weekday())+6)%7+1, count)
	case 'a':
		return ampmNames[boolIndex(hour >= 12)]
	case 'H':
		return pad(hour, count)
	case 'k':
		if hour == 0 {
			hour = 24
		}
		return pad(hour, count)
	case 'K':
		return pad(hour%12, count)
	case 'h':
		if hour%12 == 0 {
			return pad(12, count)
		}
		return pad(hour%12, count)
	case 'm':
		return pad(t.Minute(), count)
	case 's':
		return pad(t.Second(), count)
	case 'S':
		return pad(t.Nanosecond()/int(time.Millisecond), count)
	}
	return formatZone(t, letter, count)
}

func formatZone(t time.Time, letter byte, count int) string {
	name, offset := t.Zone()
	minutes := offset / 60
	sign := "+"
	if minutes < 0 {
		sign, minutes = "-", -minutes
	}
	switch letter {
	case 'z':
		if offset == 0 && t.Location() == time.UTC {
			if count >= 4 {
				return "Coordinated Universal Time"
			}
			return "UTC"
		}
		return name
	case 'Z':
		return sign + fmt.Sprintf("%02d%02d", minutes/60, minutes%60)
	}
	// 'X'
	if offset == 0 {
		return "Z"
	}
	switch count {
	case 1:
		return sign + fmt.Sprintf("%02d", minutes/60)
	case 2:
		return sign + fmt.Sprintf("%02d%02d", minutes/60, minutes%60)
	}
	return sign + fmt.Sprintf("%02d:%02d", minutes/60, minutes%60)
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// eraYear is the year within its era: 0 is 1 BC.
func eraYear(y int) int {
	if y <= 0 {
		return 1 - y
	}
	return y
}

// formatYear: "yy" keeps the last two digits, other counts pad.
func formatYear(y, count int) string {
	if count == 2 {
		return pad(y%100, 2)
	}
	return pad(y, count)
}

// formatText writes a month as a full (4+ letters), short (3) or
// numeric name.
func formatText(i, count int, full, short []string, number int) string {
	switch {
	case count >= 4:
		return full[i]
	case count == 3:
		return short[i]
	}
	return pad(number, count)
}

// pad writes n with at least width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return s
}

// usWeek returns the week-based year and week of year with en-US rules:
// weeks start on Sunday, and the week holding 1 January is week 1, so the
// last days of December can be in week 1 of the next year.
func usWeek(t time.Time) (year, week int) {
	year = t.Year()
	sunday := t.YearDay() - int(t.Weekday()) // day of year of the week's Sunday
	daysInYear := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC).YearDay()
	if sunday+6 > daysInYear {
		return year + 1, 1
	}
	jan1 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	return year, (t.YearDay()-1+int(jan1.Weekday()))/7 + 1
}

// Parsing.

// parse is DateFormat.parse(String): the text must start with a date in
// the pattern; anything after it is ignored.
func (f *dateFormat) parse(s string) (time.Time, error) {
	t, end, err := f.parseAt(s, 0)
	if err != nil {
		return time.Time{}, err
	}
	if end == 0 {
		return time.Time{}, dataErr("Unparseable date: \"%s\"", s)
	}
	return t, nil
}

// calendarField names the Calendar fields parsing sets.
type calendarField int

const (
	fEra calendarField = iota
	fYear
	fMonth
	fDayOfMonth
	fDayOfYear
	fDayOfWeek
	fAmPm
	fHour
	fHourOfDay
	fMinute
	fSecond
	fMillisecond
	fZoneOffset
	fieldCount
)

// calendarBuilder is Java's CalendarBuilder: parsed fields and the order
// they were set in, which decides between fields that say the same thing.
type calendarBuilder struct {
	value [fieldCount]int
	stamp [fieldCount]int
	next  int
}

func (c *calendarBuilder) set(f calendarField, v int) {
	c.next++
	c.value[f], c.stamp[f] = v, c.next
}

func (c *calendarBuilder) isSet(f calendarField) bool { return c.stamp[f] > 0 }

// parseAt is SimpleDateFormat.parse(text, ParsePosition) from pos: it
// returns where parsing stopped, 0 when it failed. The error is only for
// patterns this implementation cannot parse.
func (f *dateFormat) parseAt(text string, pos int) (time.Time, int, error) {
	var calb calendarBuilder
	ambiguousYear := false
	start := pos
	for i, tok := range f.tokens {
		if tok.letter == 0 {
			end, ok := matchLiteral(text, start, tok.literal)
			if !ok {
				return time.Time{}, 0, nil
			}
			start = end
			continue
		}
		obeyCount := i+1 < len(f.tokens) && abutsNumber(f.tokens[i+1])
		next, ambiguous, err := f.parseField(text, start, tok, obeyCount, &calb)
		if err != nil || next < 0 {
			return time.Time{}, 0, err
		}
		ambiguousYear = ambiguousYear || ambiguous
		start = next
	}
	t, err := f.establish(&calb)
	if err != nil {
		return time.Time{}, 0, err
	}
	if ambiguousYear && t.Before(centuryStart()) {
		calb.value[fYear] += 100
		if t, err = f.establish(&calb); err != nil {
			return time.Time{}, 0, err
		}
	}
	return t, start, nil
}

// matchLiteral compares pattern text with the input, exactly (Java 17;
// from Java 23 a lenient format lets any space separator match another).
func matchLiteral(text string, pos int, lit string) (int, bool) {
	if !strings.HasPrefix(text[pos:], lit) {
		return 0, false
	}
	return pos + len(lit), true
}

// abutsNumber is Java's shouldObeyCount: when a numeric field follows
// directly, a field reads only as many digits as its letter count.
func abutsNumber(t dateToken) bool {
	switch t.letter {
	case 'M', 'L':
		return t.count <= 2
	case 'y', 'd', 'k', 'H', 'm', 's', 'S', 'D', 'F', 'w', 'W', 'h', 'K', 'Y', 'u':
		return true
	}
	return false
}

// centuryStart is SimpleDateFormat's defaultCenturyStart: two-digit years
// fall in the hundred years from 80 years ago.
func centuryStart() time.Time { return time.Now().AddDate(-80, 0, 0) }

func (f *dateFormat) parseField(text string, start int, tok dateToken, obeyCount bool, calb *calendarBuilder) (int, bool, error) {
	pos := start
	// Leading spaces and tabs are skipped (though names must start right
	// at start, as in Java); the end of the text fails.
	for {
		if pos >= len(text) {
			return -1, false, nil
		}
		if text[pos] != ' ' && text[pos] != '\t' {
			break
		}
		pos++
	}
	// Numbers: with obeyCount the digits must fit in count characters
	// from the field's start, spaces included.
	number := func() (int, int, bool) {
		limit := len(text)
		if obeyCount {
			if limit = start + tok.count; limit > len(text) {
				return 0, 0, false
			}
		}
		return parseDigits(text, pos, limit)
	}
	set := func(field calendarField, adjust int) (int, bool, error) {
		v, end, ok := number()
		if !ok {
			return -1, false, nil
		}
		calb.set(field, v+adjust)
		return end, false, nil
	}
	switch tok.letter {
	case 'y':
		v, end, ok := number()
		if !ok {
			return -1, false, nil
		}
		ambiguous := false
		if tok.count <= 2 && end-pos == 2 && isDigit(text[pos]) && isDigit(text[pos+1]) {
			cs := centuryStart().Year()
			ambiguous = v == cs%100
			v += cs / 100 * 100
			if v < cs {
				v += 100
			}
		}
		calb.set(fYear, v)
		return end, ambiguous, nil
	case 'M', 'L':
		if tok.count <= 2 {
			return set(fMonth, -1)
		}
		return matchNames(text, start, fMonth, calb, monthNames, shortMonthNames), false, nil
	case 'E':
		return matchNames(text, start, fDayOfWeek, calb, dayNames, shortDayNames), false, nil
	case 'a':
		return matchNames(text, start, fAmPm, calb, ampmNames), false, nil
	case 'G':
		return matchNames(text, start, fEra, calb, eraNames), false, nil
	case 'd':
		return set(fDayOfMonth, 0)
	case 'D':
		return set(fDayOfYear, 0)
	case 'H':
		return set(fHourOfDay, 0)
	case 'K':
		return set(fHour, 0)
	case 'm':
		return set(fMinute, 0)
	case 's':
		return set(fSecond, 0)
	case 'S':
		return set(fMillisecond, 0)
	case 'k', 'h':
		v, end, ok := number()
		if !ok {
			return -1, false, nil
		}
		// 24 (k) and 12 (h) are the hour 0.
		switch {
		case tok.letter == 'k' && v == 24:
			calb.set(fHourOfDay, 0)
		case tok.letter == 'k':
			calb.set(fHourOfDay, v)
		case v == 12:
			calb.set(fHour, 0)
		default:
			calb.set(fHour, v)
		}
		return end, false, nil
	case 'z', 'Z':
		return parseZone(text, start, pos, calb), false, nil
	case 'X':
		return parseISOZone(text, pos, tok.count, calb), false, nil
	}
	return -1, false, fmt.Errorf("the pattern letter '%c' is not supported when parsing", tok.letter)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseDigits reads a number as SimpleDateFormat's DecimalFormat does in
// Java 17 (integer only, no grouping): an optional minus sign, digits
// (any Unicode decimal digits), and an optional exponent ("2024E1" is
// 20240), all before limit. It returns Number.intValue() of the result.
func parseDigits(text string, pos, limit int) (int, int, bool) {
	text = text[:limit]
	neg := strings.HasPrefix(text[pos:], "-")
	i := pos
	if neg {
		i++
	}
	mantissa, i, ok := readDigits(text, i)
	if !ok {
		return 0, pos, false
	}
	if strings.HasPrefix(text[i:], "E") {
		j := i + 1
		expNeg := strings.HasPrefix(text[j:], "-")
		if expNeg {
			j++
		}
		if exp, end, ok := readDigits(text, j); ok && exp.IsInt64() {
			e := exp.Int64()
			if expNeg {
				e = -e
			}
			mantissa = scaleTruncating(mantissa, e)
			i = end
		}
	}
	if neg {
		mantissa.Neg(mantissa)
	}
	if mantissa.IsInt64() {
		return int(int32(mantissa.Int64())), i, true // Long.intValue: the low 32 bits
	}
	// Beyond a long Java has a Double, whose intValue saturates.
	if mantissa.Sign() < 0 {
		return math.MinInt32, i, true
	}
	return math.MaxInt32, i, true
}

// readDigits reads decimal digits of any script.
func readDigits(text string, i int) (*big.Int, int, bool) {
	n := new(big.Int)
	start := i
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		d, ok := javatext.Digit(r)
		if !ok {
			break
		}
		n.Mul(n, bigTen).Add(n, big.NewInt(int64(d)))
		i += size
	}
	return n, i, i > start
}

// scaleTruncating is n × 10^e without the fraction.
func scaleTruncating(n *big.Int, e int64) *big.Int {
	switch {
	case e > 400:
		e = 400 // far beyond any int; keeps the arithmetic small
	case e < -400:
		return new(big.Int)
	}
	p := new(big.Int).Exp(bigTen, big.NewInt(abs64(e)), nil)
	if e >= 0 {
		return n.Mul(n, p)
	}
	return n.Quo(n, p)
}

func abs64(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}

// matchNames sets f to the index of the longest name (of any of the
// lists, ignoring case) the text starts with.
func matchNames(text string, pos int, f calendarField, calb *calendarBuilder, lists ...[]string) int {
	for _, names := range lists {
		best, bestLen := -1, 0
		for i, n := range names {
			if len(n) > bestLen && len(text)-pos >= len(n) && strings.EqualFold(text[pos:pos+len(n)], n) {
				best, bestLen = i, len(n)
			}
		}
		if best >= 0 {
			calb.set(f, best)
			return pos + bestLen
		}
	}
	return -1
}

// parseZone reads z and Z: +hhmm, GMT, GMT±hh:mm, or UTC. As in Java the
// sign is looked for after blanks, but GMT only right at start.
func parseZone(text string, start, pos int, calb *calendarBuilder) int {
	rest := text[pos:]
	switch {
	case strings.HasPrefix(rest, "+"), strings.HasPrefix(rest, "-"):
		return parseNumericZone(text, pos+1, zoneSign(rest[0]), 0, false, calb)
	case len(text)-start >= 3 && strings.EqualFold(text[start:start+3], "GMT"):
		pos = start + 3
		if pos < len(text) && (text[pos] == '+' || text[pos] == '-') {
			return parseNumericZone(text, pos+1, zoneSign(text[pos]), 0, true, calb)
		}
		calb.set(fZoneOffset, 0)
		return pos
	}
	for _, name := range []string{"Coordinated Universal Time", "UTC"} {
		if len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) {
			calb.set(fZoneOffset, 0)
			return pos + len(name)
		}
	}
	return -1
}

// parseISOZone reads X: Z, or ±hh, ±hhmm, ±hh:mm by letter count.
func parseISOZone(text string, pos, count int, calb *calendarBuilder) int {
	if pos >= len(text) {
		return -1
	}
	switch text[pos] {
	case 'Z':
		calb.set(fZoneOffset, 0)
		return pos + 1
	case '+', '-':
		return parseNumericZone(text, pos+1, zoneSign(text[pos]), count, count == 3, calb)
	}
	return -1
}

func zoneSign(c byte) int {
	if c == '-' {
		return -1
	}
	return 1
}

// parseNumericZone is SimpleDateFormat.subParseNumericZone.
func parseNumericZone(text string, pos, sign, count int, colon bool, calb *calendarBuilder) int {
	digit := func(i int) (int, bool) {
		if i < len(text) && isDigit(text[i]) {
			return int(text[i] - '0'), true
		}
		return 0, false
	}
	h, ok := digit(pos)
	if !ok {
		return -1
	}
	pos++
	if d, ok := digit(pos); ok {
		h, pos = h*10+d, pos+1
	} else if count > 0 || !colon {
		return -1
	}
	if h > 23 {
		return -1
	}
	minutes := 0
	if count != 1 {
		if colon {
			if pos >= len(text) || text[pos] != ':' {
				return -1
			}
			pos++
		}
		m1, ok1 := digit(pos)
		m2, ok2 := digit(pos + 1)
		if !ok1 || !ok2 || m1*10+m2 > 59 {
			return -1
		}
		minutes, pos = m1*10+m2, pos+2
	}
	calb.set(fZoneOffset, sign*(h*60+minutes))
	return pos
}

// establish computes the instant the way a lenient GregorianCalendar
// does: unset fields take 1970-01-01 00:00:00.000, out of range values
// carry over, and the newest of competing fields wins.
func (f *dateFormat) establish(c *calendarBuilder) (time.Time, error) {
	year := 1970
	if c.isSet(fYear) {
		year = c.value[fYear]
	}
	if c.isSet(fEra) && c.value[fEra] == 0 {
		year = 1 - year
	}
	hour := 0
	hourOfDay, hourAmPm := c.stamp[fHourOfDay], 0
	if c.isSet(fHour) && c.isSet(fAmPm) {
		hourAmPm = max(c.stamp[fHour], c.stamp[fAmPm])
	}
	switch {
	case hourOfDay > 0 && hourOfDay >= hourAmPm:
		hour = c.value[fHourOfDay]
	case c.isSet(fHour) || c.isSet(fAmPm):
		hour = c.value[fHour] + 12*c.value[fAmPm]
	}
	loc := f.loc
	if c.isSet(fZoneOffset) {
		loc = time.UTC
	}
	clock := func(t time.Time) time.Time {
		t = t.Add(time.Duration(c.value[fMillisecond]) * time.Millisecond)
		if c.isSet(fZoneOffset) {
			t = t.Add(-time.Duration(c.value[fZoneOffset]) * time.Minute)
		}
		return t
	}
	switch {
	case c.isSet(fDayOfYear) && c.stamp[fDayOfYear] > c.stamp[fDayOfMonth]:
		return clock(time.Date(year, 1, c.value[fDayOfYear], hour, c.value[fMinute], c.value[fSecond], 0, loc)), nil
	case c.isSet(fDayOfWeek) && !c.isSet(fDayOfMonth):
		return time.Time{}, fmt.Errorf("a day of the week without a day of the month is not supported when parsing")
	}
	day := 1
	if c.isSet(fDayOfMonth) {
		day = c.value[fDayOfMonth]
	}
	return clock(time.Date(year, time.Month(c.value[fMonth]+1), day, hour, c.value[fMinute], c.value[fSecond], 0, loc)), nil
}
