package transforms

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// RecordIsTombstone is true for records whose value is null
// (org.apache.kafka.connect.transforms.predicates.RecordIsTombstone).
type RecordIsTombstone struct{}

func (RecordIsTombstone) Config() plugin.ConfigDef { return plugin.ConfigDef{} }

func (RecordIsTombstone) Configure(map[string]string) error { return nil }

func (RecordIsTombstone) Test(r plugin.Record) (bool, error) { return r.Value == nil, nil }
