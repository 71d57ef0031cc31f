package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPISpec is the OpenAPI 3.1 document of /api. Tests hold it to the route table and
// validate the suite's responses against its schemas, so it says what the code does.
//
//go:embed openapi.json
var openAPISpec []byte

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, err := w.Write(openAPISpec)
	return err
}
