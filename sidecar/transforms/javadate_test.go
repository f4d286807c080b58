package transforms

import (
	"strings"
	"testing"
	"time"
)

// Most of SimpleDateFormat is checked against Java through
// TimestampConverter's golden cases; these are the parts where
// connect-sidecar knowingly stops short of Java.
func TestDateFormatUnsupportedParsing(t *testing.T) {
	for pattern, text := range map[string]string{
		"w yyyy":       "5 2024",
		"YYYY":         "2024",
		"u yyyy-MM-dd": "1 2024-01-01",
		"EEE yyyy":     "Wed 2024",
	} {
		f, err := newDateFormat(pattern, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.parse(text)
		if err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%s: got %v, want a not supported error", pattern, err)
		}
	}
}

func TestDateFormatZoneNames(t *testing.T) {
	f, _ := newDateFormat("yyyy-MM-dd z", time.UTC)
	if _, err := f.parse("2024-01-31 PST"); err == nil {
		t.Error("PST parsed; only UTC and GMT names are supported")
	}
	got, err := f.parse("2024-01-31 Coordinated Universal Time")
	if err != nil || !got.Equal(time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("got %v, %v", got, err)
	}
}

// Two-digit years fall in the 100 years starting 80 years ago.
func TestDateFormatTwoDigitYears(t *testing.T) {
	f, _ := newDateFormat("yy", time.UTC)
	start := time.Now().AddDate(-80, 0, 0).Year()
	for _, yy := range []int{0, 50, 99} {
		got, err := f.parse(pad(yy, 2))
		if err != nil {
			t.Fatal(err)
		}
		if y := got.Year(); y < start || y > start+100 || y%100 != yy {
			t.Errorf("%02d: year %d", yy, y)
		}
	}
}
