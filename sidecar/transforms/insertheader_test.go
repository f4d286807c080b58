package transforms

import (
	"errors"
	"strings"
	"testing"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
)

func TestInsertHeaderMatchesJava(t *testing.T) { runGolden(t, "insertheader") }

func TestInsertHeaderTooDeep(t *testing.T) {
	deep := strings.Repeat("[", 1001) + strings.Repeat("]", 1001)
	err := (&InsertHeader{}).Configure(map[string]string{"header": "h", "value.literal": deep})
	var ce *configdef.Error
	if !errors.As(err, &ce) || ce.Key != "value.literal" {
		t.Errorf("Configure with a literal 1001 levels deep: %v, want a ConfigError for value.literal", err)
	}
}
