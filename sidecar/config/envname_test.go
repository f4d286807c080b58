package config

import "testing"

func TestEnvNameMapping(t *testing.T) {
	tests := []struct {
		property, env string
	}{
		{"bootstrap.servers", "CONNECT_BOOTSTRAP_SERVERS"},
		{"group.id", "CONNECT_GROUP_ID"},
		{"config.storage.replication.factor", "CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR"},
		{"scheduled.rebalance.max.delay.ms", "CONNECT_SCHEDULED_REBALANCE_MAX_DELAY_MS"},
		{"my-setting.x", "CONNECT_MY__SETTING_X"},
		{"a_b.c", "CONNECT_A___B_C"},
		{"a-b_c.d", "CONNECT_A__B___C_D"},
		{"producer.override_x-y", "CONNECT_PRODUCER_OVERRIDE___X__Y"},
		{"x", "CONNECT_X"},
	}
	for _, tt := range tests {
		if got := EnvName(tt.property); got != tt.env {
			t.Errorf("EnvName(%q) = %q, want %q", tt.property, got, tt.env)
		}
		got, ok := PropertyName(tt.env)
		if !ok || got != tt.property {
			t.Errorf("PropertyName(%q) = %q, %v, want %q", tt.env, got, ok, tt.property)
		}
	}
}

func TestPropertyNameRejectsForeignVariables(t *testing.T) {
	for _, env := range []string{"CONNECT_", "KAFKA_HEAP_OPTS", "connect_group_id", "SIDECAR_LOG_LEVEL"} {
		if got, ok := PropertyName(env); ok {
			t.Errorf("PropertyName(%q) = %q, true; want not a property", env, got)
		}
	}
}

func TestPropertyNameLongUnderscoreRunsDecodeGreedily(t *testing.T) {
	tests := []struct{ env, property string }{
		{"CONNECT_A____B", "a_.b"},
		{"CONNECT_A_____B", "a_-b"},
		{"CONNECT_A______B", "a__b"},
	}
	for _, tt := range tests {
		if got, _ := PropertyName(tt.env); got != tt.property {
			t.Errorf("PropertyName(%q) = %q, want %q", tt.env, got, tt.property)
		}
	}
}
