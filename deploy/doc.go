// Package deploy holds example deployments of connect-sidecar next to an app:
// kubernetes/ (a native sidecar scaled by KEDA), ecs/ (scaled by Application
// Auto Scaling on the metric a CloudWatch agent publishes), nomad/ and
// cloudrun/ (scaled by CREMA on the sink's lag). There is no Go code here;
// deploy_test.go reads every example and checks it against the code
// (settings, probe paths, ports, probe commands, the HTTP sink's class, how
// each platform scales), so the examples fail a test instead of going stale.
package deploy
