package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hms-project/hms/internal/httpapi"
)

// contract checks API responses against the schemas of the OpenAPI document. The test
// client runs every /api response of the suite through it.
type contract struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	paths    []pathTemplate
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
}

type pathTemplate struct {
	template string
	re       *regexp.Regexp
}

const specURL = "urn:hms:openapi.json"

var loadContract = sync.OnceValues(func() (*contract, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(httpapi.OpenAPISpec()))
	if err != nil {
		return nil, err
	}
	c := &contract{doc: doc.(map[string]any), compiler: jsonschema.NewCompiler(), schemas: map[string]*jsonschema.Schema{}}
	c.compiler.AssertFormat()
	if err := c.compiler.AddResource(specURL, doc); err != nil {
		return nil, err
	}
	for p := range c.doc["paths"].(map[string]any) {
		re := "^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$"
		c.paths = append(c.paths, pathTemplate{p, regexp.MustCompile(re)})
	}
	return c, nil
})

// pointerEscape escapes one JSON pointer token.
func pointerEscape(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

// check validates one response. Paths that the document does not describe (the /api/ 404
// catch-all), HEAD requests and CORS preflights are not checked.
func (c *contract) check(method, target string, status int, body []byte) error {
	if method == http.MethodHead || method == http.MethodOptions || status == http.StatusNotModified {
		return nil
	}
	path, _, _ := strings.Cut(target, "?")
	var tmpl string
	for _, p := range c.paths {
		// As net/http does, a literal segment wins over a wildcard: /api/patients/matches
		// is not /api/patients/{id}.
		if p.re.MatchString(path) && (tmpl == "" || strings.Count(p.template, "{") < strings.Count(tmpl, "{")) {
			tmpl = p.template
		}
	}
	if tmpl == "" {
		return nil
	}
	item := c.doc["paths"].(map[string]any)[tmpl].(map[string]any)
	op, ok := item[strings.ToLower(method)].(map[string]any)
	var location string
	switch {
	case !ok && (status == http.StatusMethodNotAllowed || status == http.StatusUnauthorized):
		location = "#/components/schemas/Error"
	case !ok:
		return fmt.Errorf("%s %s is not in the OpenAPI document", method, tmpl)
	default:
		resp, ok := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
		if !ok {
			return fmt.Errorf("%s %s: status %d is not documented", method, tmpl, status)
		}
		location = "#/paths/" + pointerEscape(tmpl) + "/" + strings.ToLower(method) + "/responses/" + strconv.Itoa(status)
		if ref, ok := resp["$ref"].(string); ok {
			location = ref
			resp = c.resolve(ref)
		}
		if _, ok := resp["content"].(map[string]any)["application/json"]; !ok {
			return fmt.Errorf("%s %s: status %d has no application/json content", method, tmpl, status)
		}
		location += "/content/application~1json/schema"
	}
	sch, err := c.schema(location)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: body is not JSON: %v", method, tmpl, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s %s → %d does not match the OpenAPI document: %v", method, tmpl, status, err)
	}
	return nil
}

// resolve follows a local $ref such as #/components/responses/NotFound.
func (c *contract) resolve(ref string) map[string]any {
	var node any = c.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		node = node.(map[string]any)[strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)]
	}
	return node.(map[string]any)
}

func (c *contract) schema(location string) (*jsonschema.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.schemas[location]; ok {
		return s, nil
	}
	s, err := c.compiler.Compile(specURL + location)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", location, err)
	}
	c.schemas[location] = s
	return s, nil
}

// checkContract validates a response of the test client against the OpenAPI document.
func checkContract(t *testing.T, method, target string, status int, body []byte) {
	t.Helper()
	if !strings.HasPrefix(target, "/api/") {
		return
	}
	c, err := loadContract()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if err := c.check(method, target, status, body); err != nil {
		t.Error(err)
	}
}

// TestContractCatchesDrift proves that the check fails on responses the document does not allow.
func TestContractCatchesDrift(t *testing.T) {
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	patient := `{"id":1,"mrn":"HMS-000001","name":"A","email":"a@example.org","date_of_birth":"1990-01-02","phone":null,"address":null,"blood_group":null,"active":true,"version":1,"created_at":"2030-01-01T00:00:00Z","updated_at":"2030-01-01T00:00:00Z"}`
	good := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/patients/1", 200, `{"success":true,"data":` + patient + `}`},
		{"GET", "/api/patients/1", 404, `{"success":false,"error":"patient 1 not found"}`},
		{"PATCH", "/api/patients/1", 405, `{"success":false,"error":"method PATCH is not allowed"}`},
	}
	for _, g := range good {
		if err := c.check(g.method, g.path, g.status, []byte(g.body)); err != nil {
			t.Errorf("valid response refused: %v", err)
		}
	}
	bad := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/patients/1", 200, `{"success":true,"data":{"id":"1"}}`},
		{"GET", "/api/patients/1", 200, `{"success":true,"data":` + strings.Replace(patient, `"id":1`, `"id":1,"ssn":"x"`, 1) + `}`},
		{"GET", "/api/patients/1", 418, `{}`},
		{"GET", "/api/patients", 200, `{"success":true,"data":[],"count":0,"total":0,"limit":50}`},
		{"POST", "/api/records/1", 201, `{}`},
	}
	for _, b := range bad {
		if err := c.check(b.method, b.path, b.status, []byte(b.body)); err == nil {
			t.Errorf("%s %s %d %s passed the contract", b.method, b.path, b.status, b.body)
		}
	}
}
