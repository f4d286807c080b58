package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRowFigures(t *testing.T) {
	cases := []struct {
		name          string
		r             row
		ratio, target string
	}{
		{"faster", row{goV: secs(300 * time.Millisecond), javaV: secs(6 * time.Second), target: below(1, duration, "< 1 s")}, "0.05×", "< 1 s: met"},
		{"slower than target", row{goV: secs(1500 * time.Millisecond), javaV: secs(3 * time.Second), target: below(1, duration, "< 1 s")}, "0.50×", "< 1 s: missed by 0.50 s"},
		{"java timed out", row{goV: secs(12 * time.Second), javaV: timedOut(time.Minute)}, "< 0.20×", ""},
		{"go timed out", row{goV: timedOut(time.Minute), javaV: secs(30 * time.Second), target: below(1, duration, "< 1 s")}, "> 2.00×", "< 1 s: missed by more than 59.0 s"},
		{"memory", row{goV: bytesCell(25e6), javaV: bytesCell(250e6), target: below(30e6, memory, "< 30 MB")}, "0.10×", "< 30 MB: met"},
		{"throughput", row{goV: rate(1000, 100, time.Second), javaV: rate(800, 100, time.Second), target: atLeastJava}, "1.25×", "≥ Java: met (1.25×)"},
		{"throughput short", row{goV: rate(600, 100, time.Second), javaV: rate(800, 100, time.Second), target: atLeastJava}, "0.75×", "≥ Java: missed by 25%"},
		{"failed", row{goV: failed(errors.New("boom")), javaV: secs(time.Second), target: below(1, duration, "< 1 s")}, "—", "< 1 s: unknown"},
		{"go only", row{goV: rate(60000, 100, time.Second), goOnly: true, target: atLeast(50000, "≥ 50,000 rec/s")}, "—", "≥ 50,000 rec/s: met"},
	}
	for _, c := range cases {
		if got := c.r.ratio(); got != c.ratio {
			t.Errorf("%s: ratio %q, want %q", c.name, got, c.ratio)
		}
		if got := c.r.verdict(); got != c.target {
			t.Errorf("%s: target %q, want %q", c.name, got, c.target)
		}
	}
}

func TestCellText(t *testing.T) {
	for _, c := range []struct {
		c    cell
		want string
	}{
		{secs(421 * time.Millisecond), "0.42 s"},
		{secs(21500 * time.Millisecond), "21.5 s"},
		{timedOut(time.Minute), "> 60 s (timeout)"},
		{bytesCell(23_456_789), "23.5 MB"},
		{rate(1_234_567, 100, time.Second), "1,234,567 rec/s, 123.5 MB/s"},
		{cell{}, "not run"},
		{failed(errors.New("x")), "failed"},
	} {
		if got := c.c.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.c, got, c.want)
		}
	}
}

// Every row renders in both tables, Go-only rows without a Java figure.
func TestTables(t *testing.T) {
	o, err := parseOptions([]string{"-quick"})
	if err != nil {
		t.Fatal(err)
	}
	var res results
	res.ready = [2]series{{secs(400 * time.Millisecond)}, {secs(7 * time.Second)}}
	rows := res.rows(o)
	var text, md bytes.Buffer
	if err := writeText(&text, rows); err != nil {
		t.Fatal(err)
	}
	writeMarkdown(&md, rows)
	if got := strings.Count(md.String(), "\n"); got != len(rows)+2 {
		t.Errorf("markdown has %d lines for %d rows", got, len(rows))
	}
	for _, r := range rows {
		if !strings.Contains(text.String(), r.name) || r.note == "" {
			t.Errorf("row %q missing from the text table or without a note", r.name)
		}
	}
	if !strings.Contains(md.String(), "| 1 | Start to ready, joining a group with a connector | 0.40 s | 7.00 s | 0.06× | < 1 s: met |") {
		t.Errorf("first row:\n%s", md.String())
	}
	if !strings.Contains(md.String(), "| Go only: HTTP sink, batch 1,000 | not run | n/a | — | ≥ 50,000 rec/s: unknown |") {
		t.Errorf("HTTP sink row:\n%s", md.String())
	}
}

func TestMedianOfSamples(t *testing.T) {
	for _, c := range []struct {
		name string
		s    series
		want string
	}{
		{"odd", series{secs(300 * time.Millisecond), secs(100 * time.Millisecond), secs(200 * time.Millisecond)}, "0.20 s (0.10–0.30 s, 3 samples)"},
		{"even", series{secs(400 * time.Millisecond), secs(100 * time.Millisecond), secs(200 * time.Millisecond), secs(300 * time.Millisecond)}, "0.25 s (0.10–0.40 s, 4 samples)"},
		{"one failed", series{secs(time.Second), failed(errors.New("boom")), secs(3 * time.Second)}, "2.00 s (1.00–3.00 s, 3 samples); 1 failed: boom"},
		{"median timed out", series{timedOut(time.Minute), timedOut(time.Minute), secs(time.Second)}, "> 60 s (timeout) (1.00–> 60 s, 3 samples)"},
		{"single", series{secs(time.Second)}, "1.00 s"},
		{"detail of the median sample", series{withExtra(secs(time.Second), "a"), withExtra(secs(3*time.Second), "c"), withExtra(secs(2*time.Second), "b")},
			"2.00 s (1.00–3.00 s, 3 samples); b"},
		{"none", nil, "not run"},
	} {
		if got := c.s.median().String(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if got := (series{failed(errors.New("a")), failed(errors.New("b"))}).median(); got.ok() {
		t.Errorf("all failed: %v is ok", got)
	}
}

func withExtra(c cell, extra string) cell {
	c.extra = extra
	return c
}

func TestEachNumberReadsEveryField(t *testing.T) {
	var got []int64
	eachNumber([]byte(`{"records":[{"partition":3,"timestamp":17},{"partition":12,"timestamp":x}]}`), partitionField, func(n int64) { got = append(got, n) })
	if len(got) != 2 || got[0] != 3 || got[1] != 12 {
		t.Errorf("partitions %v, want [3 12]", got)
	}
}
