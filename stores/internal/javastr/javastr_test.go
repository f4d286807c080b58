package javastr

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"task-a-0", []string{"task", "a", "0"}},
		{"task-a-", []string{"task", "a"}},
		{"task--", []string{"task"}},
		{"task-a--1", []string{"task", "a", "", "1"}},
		{"-a", []string{"", "a"}},
		{"", []string{""}},
		{"abc", []string{"abc"}},
		{"---", nil},
	}
	for _, tt := range tests {
		if got := Split(tt.in, "-"); !slices.Equal(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int32
		ok   bool
	}{
		{"0", 0, true},
		{"007", 7, true},
		{"+5", 5, true},
		{"-5", -5, true},
		{"2147483647", 2147483647, true},
		{"2147483648", 0, false},
		{"-2147483648", -2147483648, true},
		{"-2147483649", 0, false},
		{"99999999999999999999", 0, false},
		{"١٢", 12, true}, // Arabic-Indic digits
		{"߀", 0, true},   // NKo zero
		{"２", 2, true},   // fullwidth two
		{"𝟗", 0, false},  // outside the BMP: Java sees two surrogates
		{"", 0, false},
		{"+", 0, false},
		{"1a", 0, false},
		{" 1", 0, false},
		{"1.0", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseInt(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
