package cli

import (
	"net/http"

	"github.com/hms-project/hms/internal/web"
)

// uiHandler serves the embedded web UI (or a page saying how to build it).
func uiHandler() http.Handler { return web.Handler() }
