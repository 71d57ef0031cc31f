package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// maxBodyBytes is the largest request body HMS reads.
const maxBodyBytes = 1 << 20

// decodeJSON reads a JSON object from the body into dst. It refuses bodies that are not
// JSON, larger than 1 MiB, malformed, of the wrong types, with unknown fields or with
// trailing data, each with a message that says which.
func decodeJSON(r *http.Request, dst any) error {
	body, err := readJSONBody(r, maxBodyBytes)
	if err != nil {
		return err
	}
	return unmarshalStrict(body, dst)
}

// readJSONBody reads a body of a JSON media type (application/json or any +json type)
// of at most limit bytes.
func readJSONBody(r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct == "" {
		return nil, domain.Errorf(domain.CodeUnsupported, "the request body must be JSON: set Content-Type: application/json")
	} else if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, domain.Errorf(domain.CodeUnsupported, "the request body must be JSON (Content-Type: application/json), not %q", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, domain.Errorf(domain.CodeTooLarge, "the request body is larger than %d MiB", limit>>20)
	}
	if err != nil {
		return nil, domain.Errorf(domain.CodeInvalid, "could not read the request body")
	}
	return body, nil
}

// unmarshalStrict decodes one JSON object into dst. Keys must match dst's fields exactly
// and appear once in each object (checkKeys); unknown fields, wrong types and trailing
// data are refused.
func unmarshalStrict(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Errorf(domain.CodeInvalid, "the request body is empty; send a JSON object")
	}
	if err := checkKeys(body, reflect.TypeOf(dst)); errors.Is(err, errNotJSON) {
		return domain.Errorf(domain.CodeInvalid, "the request body is not valid JSON")
	} else if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	// Not dec.More, which reports false before a stray } or ].
	if err == nil && len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return domain.Errorf(domain.CodeInvalid, "the request body has data after the JSON object")
	}
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.CodeInvalid, "the request body is not valid JSON")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return domain.Errorf(domain.CodeInvalid, "the request body must be a JSON object")
		}
		msg := "must be " + jsonTypeName(typeErr.Type.String())
		return &domain.Error{Code: domain.CodeInvalid, Message: typeErr.Field + ": " + msg, Fields: map[string]string{typeErr.Field: msg}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("unknown field %q", field),
			Fields: map[string]string{field: "is not a known field"}}
	default:
		return domain.Errorf(domain.CodeInvalid, "the request body is not valid JSON")
	}
}

func jsonTypeName(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "a whole number"
	case strings.Contains(goType, "string"):
		return "a string"
	case strings.Contains(goType, "bool"):
		return "true or false"
	}
	return "of a different type"
}

// pathID parses the {id} path value, which must be an id as HMS writes it (domain.ParseID).
func pathID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, ok := domain.ParseID(v)
	if !ok {
		return 0, domain.Errorf(domain.CodeInvalid, "id in the path must be a positive integer written without sign, spaces or leading zeros, not %q", v)
	}
	return id, nil
}

// queryID reads an id query parameter such as ?patient_id=; absent is 0. A malformed
// one is a message in fields.
func queryID(r *http.Request, fields domain.FieldErrors, name string) int64 {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0
	}
	id, ok := domain.ParseID(v)
	if !ok {
		fields.Add(name, "must be a positive integer written without sign, spaces or leading zeros")
	}
	return id
}

// pageLimit reads ?limit=, default 50, at most 500.
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return store.DefaultPageSize, nil
	}
	n, ok := domain.ParseID(v)
	if !ok || n > store.MaxPageSize {
		return 0, domain.Errorf(domain.CodeInvalid, "limit must be a whole number from 1 to 500, not %q", v)
	}
	return int(n), nil
}

// flag reads a true/false query parameter such as ?include_voided=true; absent is false.
func flag(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, domain.Errorf(domain.CodeInvalid, "%s must be true or false, not %q", name, v)
	}
}
