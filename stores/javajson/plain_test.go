package javajson

import (
	"reflect"
	"testing"
)

func TestHashMapPlain(t *testing.T) {
	stored := HashMap{
		{Key: "position", Value: int64(12)},
		{Key: "nested", Value: HashMap{{Key: "ok", Value: true}}},
		{Key: "list", Value: []any{HashMap{{Key: "x", Value: 1.5}}}},
	}
	want := map[string]any{
		"position": int64(12),
		"nested":   map[string]any{"ok": true},
		"list":     []any{map[string]any{"x": 1.5}},
	}
	if got := stored.Plain(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	if got := HashMap(nil).Plain(); got != nil {
		t.Errorf("nil HashMap = %#v, want nil", got)
	}
}
