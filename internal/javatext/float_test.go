package javatext

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The golden files were written by Java's own Double.toString and
// Float.toString and stay next to the generators that write them:
// stores/javajson/testdata (Kafka 4.1.1's GenGoldens, via Jackson) and
// sidecar/converters/testdata (Kafka 4.3.1's GenConverterGoldens).
const (
	doublesJDK25 = "../../stores/javajson/testdata/doubles-jdk25.txt"
	doublesJDK17 = "../../stores/javajson/testdata/doubles-jdk17.txt"
	floatsJDK25  = "../../sidecar/converters/testdata/float32-jdk25.txt"
	floatsJDK17  = "../../sidecar/converters/testdata/float32-jdk17.txt"
)

// goldenLine is one "<hex bits> <Java's text>" line of a golden file.
type goldenLine struct{ bits, java string }

func readGolden(t *testing.T, path string) []goldenLine {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenLine
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		bits, java, _ := strings.Cut(line, " ")
		out = append(out, goldenLine{bits, java})
	}
	return out
}

func double(t *testing.T, bits string) float64 {
	u, err := strconv.ParseUint(bits, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return math.Float64frombits(u)
}

func float(t *testing.T, bits string) float32 {
	u, err := strconv.ParseUint(bits, 16, 32)
	if err != nil {
		t.Fatal(err)
	}
	return math.Float32frombits(uint32(u))
}

// TestDoublesJDK25 checks every sampled double against Double.toString as
// Jackson wrote it on JDK 25, which implements the shortest-digits rule.
func TestDoublesJDK25(t *testing.T) {
	for _, g := range readGolden(t, doublesJDK25) {
		d := double(t, g.bits)
		if got := FormatDouble(d); got != g.java {
			t.Errorf("%v (%s): got %s, want %s", d, g.bits, got, g.java)
		}
	}
}

// TestDoublesJDK17 documents where JDK 17 writes other bytes: its
// Double.toString sometimes picks a longer decimal (mostly integral values
// above 2^53, e.g. 1.5180000000000001E22 for 1.518E22) or, for the smallest
// subnormals, a farther one. Each such decimal must still be the same double;
// the count is logged so a change shows up.
func TestDoublesJDK17(t *testing.T) {
	doubles := readGolden(t, doublesJDK17)
	differ := 0
	for _, g := range doubles {
		d := double(t, g.bits)
		got := FormatDouble(d)
		if got == g.java {
			continue
		}
		differ++
		back, err := strconv.ParseFloat(g.java, 64)
		if err != nil || back != d {
			t.Errorf("%s: got %s, JDK 17 wrote %s, which is another double", g.bits, got, g.java)
		}
	}
	t.Logf("JDK 17 differs on %d of %d sampled doubles", differ, len(doubles))
}

func TestFloatsJDK25(t *testing.T) {
	for _, g := range readGolden(t, floatsJDK25) {
		if got := FormatFloat(float(t, g.bits)); got != g.java {
			t.Errorf("%s: got %s, want %s", g.bits, got, g.java)
		}
	}
}

// TestFloatsJDK17 checks that where JDK 17 prints a float differently, its
// text is the same float.
func TestFloatsJDK17(t *testing.T) {
	differ := 0
	for _, g := range readGolden(t, floatsJDK17) {
		f := float(t, g.bits)
		if FormatFloat(f) == g.java {
			continue
		}
		differ++
		back, err := strconv.ParseFloat(g.java, 32)
		if err != nil || float32(back) != f {
			t.Errorf("%s: JDK 17 prints %s, which is not the same float", g.bits, g.java)
		}
	}
	t.Logf("%d floats print differently on JDK 17", differ)
}

// The values below were printed by JDK 25; a check of 200,000 random values
// against JDK 25 found no difference. JDK 17 gives more digits for some
// floats, e.g. 2.00325359E12 for the first float here.
func TestFloatTable(t *testing.T) {
	for _, c := range []struct {
		bits uint32
		want string
	}{
		{1407792540, "2.0032536E12"},
		{1439136490, "2.741634E13"},
		{math.Float32bits(1e7), "1.0E7"},
		{math.Float32bits(9999999), "9999999.0"},
		{math.Float32bits(0.001), "0.001"},
		{math.Float32bits(0.0009999), "9.999E-4"},
		{math.Float32bits(0.1), "0.1"},
		{1, "1.4E-45"},
	} {
		if got := FormatFloat(math.Float32frombits(c.bits)); got != c.want {
			t.Errorf("float bits %d: got %s, want %s", c.bits, got, c.want)
		}
	}
}

func TestDoubleTable(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1, "1.0"}, {-2.5, "-2.5"}, {100, "100.0"},
		{1234567, "1234567.0"}, {9999999.5, "9999999.5"}, {1e7, "1.0E7"}, {1.5e7, "1.5E7"},
		{0.001, "0.001"}, {0.00123, "0.00123"}, {2e-3, "0.002"}, {0.0001, "1.0E-4"}, {1e-10, "1.0E-10"},
		{123456789012, "1.23456789012E11"}, {1e21, "1.0E21"}, {math.MaxFloat64, "1.7976931348623157E308"},
		{974283.1638886216, "974283.1638886216"}, {-9.801046919799959e-18, "-9.801046919799959E-18"},
		{5e-324, "4.9E-324"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
	} {
		if got := FormatDouble(c.f); got != c.want {
			t.Errorf("%v: got %s, want %s", c.f, got, c.want)
		}
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	if got := string(AppendDouble([]byte("x="), -1.5)); got != "x=-1.5" {
		t.Errorf("AppendDouble: %s", got)
	}
	if got := string(AppendFloat([]byte("x="), 1e-5)); got != "x=1.0E-5" {
		t.Errorf("AppendFloat: %s", got)
	}
}
