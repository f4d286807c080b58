package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The README's configuration table is what users read; every setting the
// worker reads must be in it, by its environment variable.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fieldsOf(reflect.TypeFor[Worker](), "prop") {
		names = append(names, EnvName(f.key))
	}
	for _, f := range sidecarFields {
		names = append(names, f.key)
	}
	for _, name := range names {
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("README.md does not document %s", name)
		}
	}
}
