package config

import "strings"

// EnvPrefix starts every worker property given through the environment.
const EnvPrefix = "CONNECT_"

// EnvName is the environment variable that carries a worker property, by
// Confluent's rule: CONNECT_ + upper case, "." → "_", "-" → "__", "_" → "___".
func EnvName(property string) string {
	var b strings.Builder
	b.WriteString(EnvPrefix)
	for _, r := range property {
		switch r {
		case '.':
			b.WriteString("_")
		case '-':
			b.WriteString("__")
		case '_':
			b.WriteString("___")
		default:
			b.WriteString(strings.ToUpper(string(r)))
		}
	}
	return b.String()
}

// PropertyName reverses EnvName. A run of underscores is read three at a time
// as "_", then a remaining pair as "-" and a single one as ".", so runs
// longer than three are ambiguous and decode greedily. ok is false for names
// without the CONNECT_ prefix or with nothing after it.
func PropertyName(env string) (property string, ok bool) {
	rest, found := strings.CutPrefix(env, EnvPrefix)
	if !found || rest == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(rest); {
		if rest[i] != '_' {
			b.WriteString(strings.ToLower(rest[i : i+1]))
			i++
			continue
		}
		run := 0
		for i+run < len(rest) && rest[i+run] == '_' {
			run++
		}
		i += run
		for ; run >= 3; run -= 3 {
			b.WriteByte('_')
		}
		switch run {
		case 2:
			b.WriteByte('-')
		case 1:
			b.WriteByte('.')
		}
	}
	return b.String(), true
}
