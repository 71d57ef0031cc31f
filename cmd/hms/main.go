// Command hms is the Healthcare Management System: the API server, its migrations and
// its operator tools. See `hms --help`.
package main

import (
	"os"

	"github.com/hms-project/hms/internal/cli"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr, version))
}
