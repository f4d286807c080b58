package config

import (
	"errors"
	"maps"
	"strings"

	"github.com/connect-sidecar/connect-sidecar/sidecar/configprovider"
)

const placeholderDoc = "a placeholder is ${provider:[path:]key} with a provider that config.providers lists, " +
	"e.g. ${file:/etc/secrets/kafka.properties:password} or ${env:KAFKA_PASSWORD}"

// resolveProviders sets up the config providers props name and replaces
// the placeholders in every other property, as Java's worker resolves its
// own configuration (KIP-421), so the typed settings are parsed from the
// values. A placeholder that cannot be resolved stops the worker, unless
// its setting is ignored anyway. ignored are lines to log once.
func resolveProviders(props map[string]string, environ []string, o origin) (p *configprovider.Providers, ignored []string, errs []error) {
	var names List
	_ = names.UnmarshalText([]byte(props[configprovider.Prefix]))
	p, found := configprovider.New(configprovider.Settings{
		Names: names, Properties: props, Environ: environ, ParseProperties: ParseProperties,
	})
	for _, f := range found.Bad {
		errs = append(errs, &SettingError{Setting: o.name(f.Property), Problem: f.Problem, Doc: docOf(workerFields, configprovider.Prefix)})
	}
	for _, f := range found.Ignored {
		ignored = append(ignored, o.name(f.Property)+" "+f.Problem)
	}
	values := maps.Clone(props)
	maps.DeleteFunc(values, func(k, _ string) bool { return strings.HasPrefix(k, configprovider.Prefix) })
	resolved, err := p.Resolve(values)
	maps.Copy(props, resolved.Config)
	var unresolved configprovider.Unresolved
	errors.As(err, &unresolved)
	for _, u := range unresolved {
		if ignoredBecause(u.Setting) == "" {
			errs = append(errs, &SettingError{Setting: o.name(u.Setting), Problem: "cannot resolve " + u.Placeholder + " (" + u.Reason.Error() + ")", Doc: placeholderDoc})
		}
	}
	return p, ignored, errs
}
