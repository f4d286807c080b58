package file

import "bytes"

// splitter cuts a byte stream into lines the way FileStreamSourceTask
// does: a line ends at "\n", "\r\n" or a lone "\r"; the terminator is not
// part of the line; an empty line is a line; a "\r" at the end of what was
// read so far is held back until the next byte shows whether "\n" follows;
// and bytes after the last terminator wait for more input.
//
// It is pure: the caller reads into Space, reports with Wrote, and takes
// lines with Next. pos counts bytes, so it is the file position of the
// next byte Next will look at.
type splitter struct {
	buf        []byte
	start, end int   // pending bytes are buf[start:end]
	pos        int64 // stream position of buf[start]
}

// minRead is the least free room Space offers before it compacts or grows.
const minRead = 4 << 10

func newSplitter(size int, pos int64) *splitter {
	return &splitter{buf: make([]byte, size), pos: pos}
}

// Space returns room to read into. Pending bytes are kept: they move to
// the front, and the buffer doubles when a pending line fills it.
func (s *splitter) Space() []byte {
	if len(s.buf)-s.end >= minRead {
		return s.buf[s.end:]
	}
	pending := s.end - s.start
	if pending+minRead > len(s.buf) {
		grown := make([]byte, 2*len(s.buf)+minRead)
		copy(grown, s.buf[s.start:s.end])
		s.buf = grown
	} else {
		copy(s.buf, s.buf[s.start:s.end])
	}
	s.start, s.end = 0, pending
	return s.buf[s.end:]
}

// Wrote records that n bytes were read into the slice Space returned.
func (s *splitter) Wrote(n int) { s.end += n }

// Next returns the next complete line and the position just after its
// terminator, or ok false when no complete line is pending. The line
// aliases the buffer: it is valid until the next call to Space.
func (s *splitter) Next() (line []byte, next int64, ok bool) {
	p := s.buf[s.start:s.end]
	nl := bytes.IndexByte(p, '\n')
	limit := nl
	if nl < 0 {
		limit = len(p)
	}
	until, skip := nl, 1
	if cr := bytes.IndexByte(p[:limit], '\r'); cr >= 0 {
		if cr+1 == len(p) {
			return nil, 0, false // "\r" or "\r\n"? wait for the next byte
		}
		until = cr
		if p[cr+1] == '\n' {
			skip = 2
		}
	}
	if until < 0 {
		return nil, 0, false
	}
	used := until + skip
	s.start += used
	s.pos += int64(used)
	return p[:until], s.pos, true
}

// Pending is how many bytes were read but are not yet part of a line.
func (s *splitter) Pending() int { return s.end - s.start }
