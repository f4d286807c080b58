package transforms

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// Filter drops every record it sees; used with a predicate it drops the
// records that match (org.apache.kafka.connect.transforms.Filter).
type Filter struct{}

func (Filter) Config() plugin.ConfigDef { return plugin.ConfigDef{} }

func (Filter) Configure(map[string]string) error { return nil }

func (Filter) Apply(r plugin.Record) (plugin.Record, bool, error) { return r, false, nil }
