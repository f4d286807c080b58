// Package buildinfo says which build of connect-sidecar is running.
package buildinfo

import "runtime/debug"

// Version is connect-sidecar's release, set at link time with
// -ldflags "-X github.com/connect-sidecar/connect-sidecar/internal/buildinfo.Version=v1.2.3".
var Version = "dev"

// ConnectVersion is the Apache Kafka Connect release whose protocol, topics
// and REST API this build matches. GET / reports it with a "-sidecar" suffix,
// the way vendor builds of Connect report theirs ("7.6.0-ccs"), so tools
// that gate features on the version keep working.
const ConnectVersion = "4.3.1"

// Commit is the VCS revision the binary was built from, or "unknown".
func Commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "unknown", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}
