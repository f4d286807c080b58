package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// JAAS is one login module entry of sasl.jaas.config:
// `class flag (option=value)*;`.
type JAAS struct {
	Module  string
	Flag    string
	Options map[string]string
}

var jaasFlags = []string{"required", "requisite", "sufficient", "optional"}

// ParseJAAS reads a sasl.jaas.config value as Java's client does: exactly
// one login module, a control flag, options whose values are bare words
// or double-quoted strings (with \" and \\), and a closing semicolon. An
// empty line gives a zero JAAS. Errors name what is wrong but never a
// value, which is often a secret.
func ParseJAAS(line string) (JAAS, error) {
	p := jaasParser{s: line}
	if p.skipSpace(); p.eof() {
		return JAAS{}, nil
	}
	j := JAAS{Module: p.word(), Options: map[string]string{}}
	if j.Module == "" {
		return JAAS{}, errors.New("does not start with a login module class")
	}
	p.skipSpace()
	j.Flag = strings.ToLower(p.word())
	if !slices.Contains(jaasFlags, j.Flag) {
		return JAAS{}, fmt.Errorf("has no control flag after the login module (%s)", strings.Join(jaasFlags, ", "))
	}
	for {
		p.skipSpace()
		if p.eof() {
			return JAAS{}, errors.New(`does not end with ";"`)
		}
		if p.peek() == ';' {
			p.i++
			break
		}
		name := p.word()
		if name == "" {
			return JAAS{}, fmt.Errorf("has an unexpected %q where an option name should be", p.peek())
		}
		p.skipSpace()
		if p.eof() || p.peek() != '=' {
			return JAAS{}, fmt.Errorf("option %s has no =value", name)
		}
		p.i++
		p.skipSpace()
		value, err := p.value()
		if err != nil {
			return JAAS{}, fmt.Errorf("option %s %v", name, err)
		}
		j.Options[name] = value
	}
	if p.skipSpace(); !p.eof() {
		return JAAS{}, errors.New("holds more than one login module; a client takes exactly one")
	}
	return j, nil
}

type jaasParser struct {
	s string
	i int
}

func (p *jaasParser) eof() bool  { return p.i >= len(p.s) }
func (p *jaasParser) peek() byte { return p.s[p.i] }

func (p *jaasParser) skipSpace() {
	for !p.eof() && strings.IndexByte(" \t\r\n", p.peek()) >= 0 {
		p.i++
	}
}

// word reads a class name, flag, option name or bare value.
func (p *jaasParser) word() string {
	start := p.i
	for !p.eof() && strings.IndexByte(" \t\r\n=;\"", p.peek()) < 0 {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *jaasParser) value() (string, error) {
	if p.eof() || p.peek() != '"' {
		if v := p.word(); v != "" {
			return v, nil
		}
		return "", errors.New("has no value")
	}
	var b strings.Builder
	for p.i++; !p.eof(); p.i++ {
		switch c := p.peek(); c {
		case '"':
			p.i++
			return b.String(), nil
		case '\\':
			if p.i++; p.eof() {
				return "", errors.New("has an unterminated quoted value")
			}
			b.WriteByte(p.peek())
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("has an unterminated quoted value")
}
