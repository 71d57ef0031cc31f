package cli

import "net/http"

// uiHandler serves the web UI; nil until the UI is part of the binary.
func uiHandler() http.Handler { return nil }
