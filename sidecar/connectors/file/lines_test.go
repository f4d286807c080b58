package file

import (
	"slices"
	"testing"
)

// Each case feeds chunks in turn and lists the lines (with the position
// after them) that are complete after all of them.
func TestSplitter(t *testing.T) {
	type line struct {
		text string
		next int64
	}
	cases := []struct {
		name   string
		chunks []string
		want   []line
		rest   int // bytes left pending
	}{
		{"lf", []string{"a\nbb\n"}, []line{{"a", 2}, {"bb", 5}}, 0},
		{"crlf", []string{"a\r\nb\r\n"}, []line{{"a", 3}, {"b", 6}}, 0},
		{"lone cr", []string{"a\rb\n"}, []line{{"a", 2}, {"b", 4}}, 0},
		{"cr at end waits", []string{"a\r"}, nil, 2},
		{"cr then lf later", []string{"a\r", "\nb\n"}, []line{{"a", 3}, {"b", 5}}, 0},
		{"cr then text later", []string{"a\r", "b\n"}, []line{{"a", 2}, {"b", 4}}, 0},
		{"empty lines", []string{"\n\r\n\r\n"}, []line{{"", 1}, {"", 3}, {"", 5}}, 0},
		{"partial", []string{"abc"}, nil, 3},
		{"partial finished", []string{"ab", "c", "\n"}, []line{{"abc", 4}}, 0},
		{"cr lf split", []string{"x\r", "\n"}, []line{{"x", 3}}, 0},
		{"text then partial", []string{"one\ntw"}, []line{{"one", 4}}, 2},
		{"empty", []string{""}, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSplitter(8, 0)
			var got []line
			for _, ch := range c.chunks {
				for len(ch) > 0 {
					n := copy(s.Space(), ch)
					s.Wrote(n)
					ch = ch[n:]
				}
				for {
					l, next, ok := s.Next()
					if !ok {
						break
					}
					got = append(got, line{string(l), next})
				}
			}
			if !slices.Equal(got, c.want) || s.Pending() != c.rest {
				t.Errorf("got %v pending %d, want %v pending %d", got, s.Pending(), c.want, c.rest)
			}
		})
	}
}

// A line longer than the buffer makes it grow; positions stay exact.
func TestSplitterGrows(t *testing.T) {
	s := newSplitter(16, 100)
	long := string(slices.Repeat([]byte("x"), 50000)) + "\nend\n"
	for in := long; len(in) > 0; {
		n := copy(s.Space(), in)
		s.Wrote(n)
		in = in[n:]
	}
	l, next, ok := s.Next()
	if !ok || len(l) != 50000 || next != 100+50001 {
		t.Fatalf("got %d bytes, next %d, ok %v", len(l), next, ok)
	}
	l, next, ok = s.Next()
	if !ok || string(l) != "end" || next != 100+50005 {
		t.Fatalf("got %q next %d ok %v", l, next, ok)
	}
}
