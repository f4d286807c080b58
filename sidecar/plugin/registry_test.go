package plugin

import "testing"

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
