package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/connect-sidecar/connect-sidecar/internal/buildinfo"
)

func runVersion(stdout io.Writer) int {
	fmt.Fprintf(stdout, "connect-sidecar %s (commit %s, %s, Kafka Connect %s compatible)\n",
		buildinfo.Version, buildinfo.Commit(), runtime.Version(), buildinfo.ConnectVersion)
	return exitOK
}
