package converters

import (
	"math"
	"strconv"
	"time"

	"github.com/connect-sidecar/connect-sidecar/sidecar/internal/connectvalues"
)

// Java's java.util.Date arithmetic, for the text forms of dates that
// SimpleHeaderConverter and StringConverter write and read. Java uses the
// JVM's default time zone there; these helpers assume UTC, the usual zone of
// a Connect worker. Like java.util.GregorianCalendar they use the Julian
// calendar before 15 October 1582.

const msPerDay = 86_400_000

// cutoverDay is 1582-10-15 (Gregorian) in days since 1970-01-01.
const cutoverDay = -141427

// rdEpoch is 1970-01-01 as a fixed day counted from 0001-01-01 (Gregorian) = 1.
const rdEpoch = 719163

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// normalizeMonth carries months outside 1..12 into the year, as a lenient
// Calendar does.
func normalizeMonth(y, m int64) (int64, int64) {
	return y + floorDiv(m-1, 12), floorMod(m-1, 12) + 1
}

// gregorianDay is the day number (1970-01-01 = 0) of y-m-1 in the proleptic
// Gregorian calendar.
func gregorianDay(y, m int64) int64 {
	y, m = normalizeMonth(y, m)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp + 2) / 5
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// julianDay is the day number of y-m-1 in the Julian calendar, computed as
// sun.util.calendar.JulianCalendar.getFixedDate does.
func julianDay(y, m int64) int64 {
	y, m = normalizeMonth(y, m)
	rd := -1 - 1 + 365*(y-1) + 1 + floorDiv(y-1, 4) + floorDiv(367*m-362, 12)
	if m > 2 {
		rd -= 2
		if floorMod(y, 4) == 0 {
			rd++
		}
	}
	return rd - rdEpoch
}

// calendarMillis is the instant lenient GregorianCalendar computes from the
// given fields (month 1-based); out-of-range fields roll over.
func calendarMillis(y, mon, d, h, mi, s, ms int64) int64 {
	tod := ((h*60+mi)*60+s)*1000 + ms
	extra := floorDiv(tod, msPerDay)
	tod = floorMod(tod, msPerDay)
	day := gregorianDay(y, mon) + d - 1 + extra
	if y < 1582 || day < cutoverDay {
		day = julianDay(y, mon) + d - 1 + extra
	}
	return day*msPerDay + tod
}

// civilDate is the calendar date of day number day (1970-01-01 = 0).
func civilDate(day int64) (y, m, d int64) {
	if day < cutoverDay {
		return julianDate(day)
	}
	z := day + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// julianDate follows JulianCalendar.getCalendarDateFromFixedDate.
func julianDate(day int64) (y, m, d int64) {
	rd := day + rdEpoch
	y = floorDiv(4*(rd+1)+1464, 1461)
	prior := day - julianDay(y, 1)
	if day >= julianDay(y, 3) {
		prior += 2
		if floorMod(y, 4) == 0 {
			prior--
		}
	}
	m = floorDiv(12*prior+373, 367)
	return y, m, day - julianDay(y, m) + 1
}

// appendISODate writes t in one of the forms of Connect's Values.dateFormatFor:
// HH:mm:ss.SSS'Z' before 1970-01-02 (so also any negative instant), yyyy-MM-dd
// for whole days, else yyyy-MM-dd'T'HH:mm:ss.SSS'Z'.
func appendISODate(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	day, tod := floorDiv(ms, msPerDay), floorMod(ms, msPerDay)
	switch {
	case ms < msPerDay:
		return appendTimeOfDay(dst, tod)
	case tod == 0:
		return appendYMD(dst, day)
	}
	dst = appendYMD(dst, day)
	dst = append(dst, 'T')
	return appendTimeOfDay(dst, tod)
}

func appendYMD(dst []byte, day int64) []byte {
	y, m, d := civilDate(day)
	dst = appendPadded(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, m, 2)
	dst = append(dst, '-')
	return appendPadded(dst, d, 2)
}

func appendTimeOfDay(dst []byte, tod int64) []byte {
	dst = appendPadded(dst, tod/3_600_000, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tod/60_000%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tod/1000%60, 2)
	dst = append(dst, '.')
	dst = appendPadded(dst, tod%1000, 3)
	return append(dst, 'Z')
}

func appendPadded(dst []byte, v int64, width int) []byte {
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendDateString writes t as java.util.Date.toString does:
// "EEE MMM dd HH:mm:ss zzz yyyy", here always in UTC.
func appendDateString(dst []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	day, tod := floorDiv(ms, msPerDay), floorMod(ms, msPerDay)
	y, m, d := civilDate(day)
	dst = append(dst, weekdays[floorMod(day+4, 7)]...)
	dst = append(dst, ' ')
	dst = append(dst, months[m-1]...)
	dst = append(dst, ' ')
	dst = appendPadded(dst, d, 2)
	dst = append(dst, ' ')
	dst = appendPadded(dst, tod/3_600_000, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tod/60_000%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, tod/1000%60, 2)
	dst = append(dst, " UTC "...)
	return strconv.AppendInt(dst, y, 10)
}

var (
	weekdays = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months   = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// parseISODate is SimpleHeaderConverter's connectvalues.TemporalParser:
// the ISO forms of Values.dateFormatFor, read in UTC.
func parseISODate(text string, kind connectvalues.Kind) (time.Time, bool) {
	return isoPatterns[kind].parse(text)
}

// A date pattern as SimpleDateFormat compiles it: numeric fields (y M d H m
// s S) and literal characters.
type datePattern string

var isoPatterns = [...]datePattern{
	connectvalues.Date:      "y-M-d",
	connectvalues.Time:      "H:m:s.SZ",
	connectvalues.Timestamp: "y-M-dTH:m:s.SZ",
}

// parse reads text as a lenient SimpleDateFormat with the pattern does:
// numeric fields take every digit there is (after spaces or tabs, with an
// optional minus sign), literals must match, and text after the pattern is
// ignored. Out-of-range fields roll over. Only ASCII digits are read, where
// Java would also take other Unicode digits.
func (p datePattern) parse(text string) (time.Time, bool) {
	f := map[byte]int64{'y': 1970, 'M': 1, 'd': 1}
	pos := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '-' || c == ':' || c == '.' || c == 'T' || c == 'Z' {
			if pos >= len(text) || text[pos] != c {
				return time.Time{}, false
			}
			pos++
			continue
		}
		v, next, ok := parseDateNumber(text, pos)
		if !ok {
			return time.Time{}, false
		}
		f[c], pos = v, next
	}
	ms := calendarMillis(f['y'], f['M'], f['d'], f['H'], f['m'], f['s'], f['S'])
	return time.UnixMilli(ms).UTC(), true
}

// parseDateNumber reads one numeric field as SimpleDateFormat's DecimalFormat
// does and returns it as Number.intValue() would.
func parseDateNumber(text string, pos int) (int64, int, bool) {
	for pos < len(text) && (text[pos] == ' ' || text[pos] == '\t') {
		pos++
	}
	start := pos
	if pos < len(text) && text[pos] == '-' {
		pos++
	}
	digits := pos
	for pos < len(text) && text[pos] >= '0' && text[pos] <= '9' {
		pos++
	}
	if pos == digits {
		return 0, 0, false
	}
	if v, err := strconv.ParseInt(text[start:pos], 10, 64); err == nil {
		return int64(int32(v)), pos, true
	}
	// Beyond a long, DecimalFormat returns a Double, whose intValue saturates.
	f, _ := strconv.ParseFloat(text[start:pos], 64)
	return int64(math.Max(math.MinInt32, math.Min(math.MaxInt32, f))), pos, true
}
