package transforms

import (
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

func TestReplaceFieldMatchesJava(t *testing.T) { runGolden(t, "replacefield") }

// blacklist and whitelist are the names before Kafka 4.0. Kafka 4 ignores
// them; connect-sidecar still reads them, so configs written for older
// workers keep working. The new names win when both are set.
func TestReplaceFieldOldNames(t *testing.T) {
	in := &plugin.MapValue{Entries: []plugin.MapEntry{{Key: "a", Value: int64(1)}, {Key: "b", Value: int64(2)}, {Key: "c", Value: int64(3)}}}
	cases := []struct {
		props map[string]string
		want  []string
	}{
		{map[string]string{"blacklist": "a"}, []string{"b", "c"}},
		{map[string]string{"whitelist": "a,b"}, []string{"a", "b"}},
		{map[string]string{"blacklist": "a", "exclude": "b"}, []string{"a", "c"}},
		{map[string]string{"whitelist": "a", "include": "c"}, []string{"c"}},
	}
	for _, c := range cases {
		tr := &ReplaceField{side: valueSide}
		if err := tr.Configure(c.props); err != nil {
			t.Fatal(err)
		}
		out, _, err := tr.Apply(plugin.Record{Value: in})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range out.Value.(*plugin.MapValue).Entries {
			got = append(got, e.Key.(string))
		}
		if len(got) != len(c.want) {
			t.Errorf("%v: got %v, want %v", c.props, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%v: got %v, want %v", c.props, got, c.want)
			}
		}
	}
	if err := (&ReplaceField{}).Configure(map[string]string{"blacklist": "a,,b"}); err == nil ||
		err.Error() != "Configuration 'exclude' values must not be empty." {
		t.Errorf("got %v", err)
	}
}
