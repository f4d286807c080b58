// Package deploy holds example deployments of connect-sidecar next to an app:
// kubernetes/ (a native sidecar scaled by KEDA), ecs/, nomad/ and cloudrun/.
// There is no Go code here; deploy_test.go reads every example and checks
// it against the code (settings, probe paths, ports, probe commands, the
// HTTP sink's class), so the examples fail a test instead of going stale.
package deploy
