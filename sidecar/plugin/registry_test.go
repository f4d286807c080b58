package plugin

import (
	"strings"
	"testing"
)

func TestRegistryResolvesJavaNamesAndAliases(t *testing.T) {
	reg, err := NewRegistry(
		Plugin{Class: "org.apache.kafka.connect.file.FileStreamSourceConnector", Kind: KindSource},
		Plugin{Class: "org.apache.kafka.connect.json.JsonConverter", Kind: KindConverter},
		Plugin{Class: "org.apache.kafka.connect.json.JsonConverter", Kind: KindHeaderConverter},
		Plugin{Class: "a.Same", Kind: KindTransformation},
		Plugin{Class: "b.Same", Kind: KindTransformation},
	)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		kinds []Kind
		want  string
		kind  Kind
	}{
		{"org.apache.kafka.connect.file.FileStreamSourceConnector", nil, "org.apache.kafka.connect.file.FileStreamSourceConnector", KindSource},
		{"FileStreamSourceConnector", nil, "org.apache.kafka.connect.file.FileStreamSourceConnector", KindSource},
		{"FileStreamSource", nil, "org.apache.kafka.connect.file.FileStreamSourceConnector", KindSource},
		{" FileStreamSource ", nil, "org.apache.kafka.connect.file.FileStreamSourceConnector", KindSource},
		{"JsonConverter", []Kind{KindHeaderConverter}, "org.apache.kafka.connect.json.JsonConverter", KindHeaderConverter},
		{"Json", []Kind{KindConverter}, "org.apache.kafka.connect.json.JsonConverter", KindConverter},
		{"Same", nil, "", ""},
		{"FileStreamSource", []Kind{KindSink}, "", ""},
	}
	for _, tt := range tests {
		p, ok := reg.Lookup(tt.name, tt.kinds...)
		if ok != (tt.want != "") || p.Class != tt.want || p.Kind != tt.kind {
			t.Errorf("Lookup(%q, %v) = %s %s %v, want %s %s", tt.name, tt.kinds, p.Class, p.Kind, ok, tt.want, tt.kind)
		}
	}
	if _, err := NewRegistry(Plugin{Class: "x.A", Kind: KindSink}, Plugin{Class: "x.A", Kind: KindSink}); err == nil {
		t.Error("a class registered twice for one kind was accepted")
	}
}

func TestTaskClassIsJavas(t *testing.T) {
	p := Plugin{Class: "org.apache.kafka.connect.file.FileStreamSourceConnector"}
	if got := p.TaskClass(); got != "org.apache.kafka.connect.file.FileStreamSourceTask" {
		t.Errorf("TaskClass() = %s", got)
	}
}

// Only enabled connectors may run; the others still resolve, so the
// refusal can name the setting, and converters are never refused.
func TestEnableConnectors(t *testing.T) {
	src := Plugin{Class: "a.b.FileStreamSourceConnector", Kind: KindSource}
	sink := Plugin{Class: "a.b.HttpSinkConnector", Kind: KindSink}
	conv := Plugin{Class: "a.b.JsonConverter", Kind: KindConverter}
	r, err := NewRegistry(src, sink, conv)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.EnableConnectors([]string{"HttpSink"}, "SETTING"); err != nil {
		t.Fatal(err)
	}
	if err := r.Refused(sink); err != nil {
		t.Errorf("enabled sink refused: %v", err)
	}
	if err := r.Refused(conv); err != nil {
		t.Errorf("converter refused: %v", err)
	}
	p, ok := r.Lookup("FileStreamSource")
	if !ok {
		t.Fatal("a disabled connector no longer resolves")
	}
	if err := r.Refused(p); err == nil || !strings.Contains(err.Error(), "SETTING") {
		t.Errorf("disabled source: %v", err)
	}
	if err := r.EnableConnectors([]string{"JsonConverter"}, "SETTING"); err == nil || !strings.Contains(err.Error(), `SETTING names "JsonConverter"`) {
		t.Errorf("a converter enabled as a connector: %v", err)
	}
}
