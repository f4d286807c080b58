package transforms

import (
	"github.com/connect-sidecar/connect-sidecar/sidecar/configdef"
	"github.com/connect-sidecar/connect-sidecar/sidecar/plugin"
)

// replaceNullWithDefault is the setting most of Java's transforms share.
func replaceNullWithDefault() configdef.Key {
	return configdef.Optional("replace.null.with.default", plugin.TypeBoolean, "true", plugin.Medium,
		"Whether a null field that has a default value is read as that default (true) or stays null (false).")
}

// nonEmptyList is connect-transforms' NonEmptyListValidator.
func nonEmptyList(k string, v any) error {
	if l, _ := v.([]string); len(l) == 0 {
		return configdef.Invalid(k, l, "Empty list")
	}
	return nil
}

// listOfNames is k checked by ConfigDef.ValidList.anyNonDuplicateValues(
// emptyOK, false), with Java's removal of repeated entries first.
func listOfNames(k configdef.Key, emptyOK bool) configdef.Key {
	k.Distinct = true
	return k.Checked(configdef.ValidList(emptyOK))
}
