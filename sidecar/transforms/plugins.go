package transforms

import "github.com/connect-sidecar/connect-sidecar/sidecar/plugin"

// Version is the plugin version reported for every transform and
// predicate: the Apache Kafka release whose behaviour they follow, and
// were checked against.
const Version = "4.3.1"

const (
	transformsPackage = "org.apache.kafka.connect.transforms."
	predicatesPackage = transformsPackage + "predicates."
)

// Plugins returns Kafka Connect's bundled transformations and predicates,
// under their Java class names, for the plugin registry.
func Plugins() []plugin.Plugin {
	var out []plugin.Plugin
	transform := func(name string, newT func() plugin.Transformation) {
		out = append(out, plugin.Plugin{Class: transformsPackage + name, Kind: plugin.KindTransformation,
			Version: Version, New: func() any { return newT() }})
	}
	// keyAndValue registers the $Key and $Value variants of a transform.
	keyAndValue := func(name string, newT func(side) plugin.Transformation) {
		transform(name+"$Key", func() plugin.Transformation { return newT(keySide) })
		transform(name+"$Value", func() plugin.Transformation { return newT(valueSide) })
	}
	predicate := func(name string, newP func() plugin.Predicate) {
		out = append(out, plugin.Plugin{Class: predicatesPackage + name, Kind: plugin.KindPredicate,
			Version: Version, New: func() any { return newP() }})
	}

	keyAndValue("Cast", func(s side) plugin.Transformation { return &Cast{side: s} })
	keyAndValue("ExtractField", func(s side) plugin.Transformation { return &ExtractField{side: s} })
	keyAndValue("Flatten", func(s side) plugin.Transformation { return &Flatten{side: s} })
	keyAndValue("HeaderFrom", func(s side) plugin.Transformation { return &HeaderFrom{side: s} })
	keyAndValue("HoistField", func(s side) plugin.Transformation { return &HoistField{side: s} })
	keyAndValue("InsertField", func(s side) plugin.Transformation { return &InsertField{side: s} })
	keyAndValue("MaskField", func(s side) plugin.Transformation { return &MaskField{side: s} })
	keyAndValue("ReplaceField", func(s side) plugin.Transformation { return &ReplaceField{side: s} })
	keyAndValue("SetSchemaMetadata", func(s side) plugin.Transformation { return &SetSchemaMetadata{side: s} })
	keyAndValue("TimestampConverter", func(s side) plugin.Transformation { return &TimestampConverter{side: s} })
	transform("DropHeaders", func() plugin.Transformation { return &DropHeaders{} })
	transform("Filter", func() plugin.Transformation { return Filter{} })
	transform("InsertHeader", func() plugin.Transformation { return &InsertHeader{} })
	transform("RegexRouter", func() plugin.Transformation { return &RegexRouter{} })
	transform("TimestampRouter", func() plugin.Transformation { return &TimestampRouter{} })
	transform("ValueToKey", func() plugin.Transformation { return &ValueToKey{} })

	predicate("HasHeaderKey", func() plugin.Predicate { return &HasHeaderKey{} })
	predicate("RecordIsTombstone", func() plugin.Predicate { return RecordIsTombstone{} })
	predicate("TopicNameMatches", func() plugin.Predicate { return &TopicNameMatches{} })
	return out
}
