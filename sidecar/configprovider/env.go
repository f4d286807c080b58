package configprovider

import (
	"fmt"
	"regexp"
	"strings"
)

const allowlistParam = "allowlist.pattern"

// envProvider is Kafka's EnvVarConfigProvider: the key names an
// environment variable; there is no path. allowlist.pattern, a regular
// expression that must match a variable's whole name, limits which
// variables it reads (all by default).
type envProvider struct {
	vars      map[string]string
	allow     *regexp.Regexp // nil allows all
	allowFrom string         // the allowlist.pattern setting and its value, for messages
}

func newEnvProvider(s setup) provider {
	p := envProvider{vars: map[string]string{}}
	for _, kv := range s.settings.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			p.vars[k] = v
		}
	}
	if pattern, set := s.params[allowlistParam]; set {
		// Java's Matcher.matches: the whole name must match.
		re, err := regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil {
			s.bad(allowlistParam, "is %q, not a regular expression this worker can use (Go's RE2 syntax): %v", pattern, err)
		}
		p.allow, p.allowFrom = re, fmt.Sprintf("%s%s (%s)", s.prefix, allowlistParam, pattern)
	}
	return p
}

func (p envProvider) open(path string) (func(string) (string, error), error) {
	if path != "" {
		return nil, fmt.Errorf("the environment has no paths, but the placeholder names %q; write ${provider:NAME}", path)
	}
	return func(key string) (string, error) {
		if p.allow != nil && !p.allow.MatchString(key) {
			return "", fmt.Errorf("environment variable %s does not match %s", key, p.allowFrom)
		}
		if v, ok := p.vars[key]; ok {
			return v, nil
		}
		return "", fmt.Errorf("environment variable %s is not set", key)
	}, nil
}
