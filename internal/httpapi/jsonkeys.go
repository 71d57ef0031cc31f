package httpapi

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hms-project/hms/internal/domain"
)

// maxJSONDepth bounds how deeply a body may nest objects and arrays. HMS's bodies nest
// four levels (a doctor's working_hours → day → intervals → interval); encoding/json
// alone would follow 10,000.
const maxJSONDepth = 32

// errNotJSON is what checkKeys returns for a body that is not one JSON value.
var errNotJSON = errors.New("not valid JSON")

// checkKeys walks the JSON value in body against t, the type it is about to decode into,
// and refuses what encoding/json lets through silently: a key given twice in one object
// (encoding/json keeps the last) and a key that names a field only when case is ignored
// (encoding/json folds case, so {"NAME": …} would set name). Every other unknown key is
// refused too, named by its path. Inside values whose type decodes itself
// (json.RawMessage, any), only duplicates are refused.
//
// It is one pass over the bytes, at most maxJSONDepth deep, and leaves the checking of
// numbers, literals and what follows the value to encoding/json, which decodes the body
// next. A walk on json.Decoder.Token would be shorter but cost several times the decoding
// itself (docs/BENCHMARKS.md); the fuzz test holds this scanner to such a walk. It
// returns errNotJSON for input it cannot walk and a domain error naming the key otherwise.
func checkKeys(body []byte, t reflect.Type) error {
	s := keyScanner{b: body}
	return s.value(t, 0)
}

// keyScanner is the state of one checkKeys: the body, the position in it and the path
// to the current value.
type keyScanner struct {
	b    []byte
	i    int
	path []pathStep
}

// pathStep is one step from the body to a value: an object key or an array index.
type pathStep struct {
	key   string
	index int
	array bool // index is the step, not key
}

// at is the path to the current value, e.g. working_hours.mon[0].start.
func (s *keyScanner) at() string {
	var b strings.Builder
	for _, p := range s.path {
		if p.array {
			b.WriteString("[" + strconv.Itoa(p.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.key)
	}
	return b.String()
}

// next skips white space and returns the byte there, 0 at the end.
func (s *keyScanner) next() byte {
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

func (s *keyScanner) value(t reflect.Type, depth int) error {
	switch c := s.next(); c {
	case '{', '[':
		if depth == maxJSONDepth {
			return domain.Errorf(domain.CodeInvalid, "the request body nests more than %d levels deep", maxJSONDepth)
		}
		s.i++
		if c == '{' {
			return s.object(jsonTarget(t), depth)
		}
		return s.array(jsonTarget(t), depth)
	case '"':
		_, err := s.str(false)
		return err
	case 0:
		return errNotJSON
	default:
		// A number or a literal: the bytes up to the next delimiter; encoding/json checks them.
		start := s.i
	scalar:
		for ; s.i < len(s.b); s.i++ {
			switch s.b[s.i] {
			case ' ', '\t', '\n', '\r', ',', ':', '[', ']', '{', '}', '"':
				break scalar
			}
		}
		if s.i == start {
			return errNotJSON
		}
		return nil
	}
}

// array walks the elements of an array whose [ has been read.
func (s *keyScanner) array(t reflect.Type, depth int) error {
	var elem reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		elem = t.Elem()
	}
	if s.next() == ']' {
		s.i++
		return nil
	}
	s.path = append(s.path, pathStep{array: true})
	for i := 0; ; i++ {
		s.path[len(s.path)-1].index = i
		if err := s.value(elem, depth+1); err != nil {
			return err
		}
		switch s.next() {
		case ',':
			s.i++
		case ']':
			s.i++
			s.path = s.path[:len(s.path)-1]
			return nil
		default:
			return errNotJSON
		}
	}
}

// object walks the members of an object whose { has been read.
func (s *keyScanner) object(t reflect.Type, depth int) error {
	var (
		fields map[string]reflect.Type // the struct's keys, when t is a struct
		elem   reflect.Type            // the values' type, when t is a map
		seen   []string                // the keys so far; objects are small
		seenAt map[string]bool         // the keys so far, once there are many
	)
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		fields = structKeys(t)
	case t != nil && t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	if s.next() == '}' {
		s.i++
		return nil
	}
	s.path = append(s.path, pathStep{})
	for {
		if s.next() != '"' {
			return errNotJSON
		}
		key, err := s.str(true)
		if err != nil {
			return err
		}
		if s.next() != ':' {
			return errNotJSON
		}
		s.i++
		s.path[len(s.path)-1].key = key
		dup := false
		if seenAt != nil {
			dup = seenAt[key]
			seenAt[key] = true
		} else {
			dup = slices.Contains(seen, key)
			if seen = append(seen, key); len(seen) > 16 {
				seenAt = map[string]bool{}
				for _, k := range seen {
					seenAt[k] = true
				}
			}
		}
		if dup {
			at := s.at()
			msg := "is given more than once"
			return &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("field %q %s; send each field once", at, msg),
				Fields: map[string]string{at: msg}}
		}
		vt := elem
		if fields != nil {
			var ok bool
			if vt, ok = fields[key]; !ok {
				return unknownKey(s.at(), key, fields)
			}
		}
		if err := s.value(vt, depth+1); err != nil {
			return err
		}
		switch s.next() {
		case ',':
			s.i++
		case '}':
			s.i++
			s.path = s.path[:len(s.path)-1]
			return nil
		default:
			return errNotJSON
		}
	}
}

// str reads the string at s.i and, for a key, returns it as encoding/json reads it:
// escapes resolved and invalid UTF-8 replaced, so that "\u006eame" is name.
func (s *keyScanner) str(key bool) (string, error) {
	start, plain := s.i, true
	for s.i++; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			raw := s.b[start:s.i]
			if !key {
				return "", nil
			}
			if plain {
				return string(raw[1 : len(raw)-1]), nil
			}
			var v string
			if json.Unmarshal(raw, &v) != nil {
				return "", errNotJSON
			}
			return v, nil
		case c == '\\':
			s.i++ // the escaped byte cannot end the string
			plain = false
		case c < 0x20:
			return "", errNotJSON
		case c >= 0x80:
			plain = false
		}
	}
	return "", errNotJSON
}

// unknownKey is the error for a key that names no field; a key that differs from one only
// in case says so, since field names are case-sensitive.
func unknownKey(at, key string, fields map[string]reflect.Type) error {
	msg := fmt.Sprintf("unknown field %q", at)
	for name := range fields {
		if strings.EqualFold(name, key) {
			msg += fmt.Sprintf(" (field names are case-sensitive: did you mean %q?)", name)
			break
		}
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: msg, Fields: map[string]string{at: "is not a known field"}}
}

var (
	valueTyperType      = reflect.TypeFor[interface{ JSONValueType() reflect.Type }]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	structKeysCache     sync.Map // reflect.Type → map[string]reflect.Type
)

// jsonTarget is the type whose keys a JSON value must match: t without pointers, the
// value type of a domain.Opt, or nil when any key may appear (an interface, or a type
// that decodes itself).
func jsonTarget(t reflect.Type) reflect.Type {
	for t != nil {
		switch {
		case t.Kind() == reflect.Pointer:
			t = t.Elem()
		case t.Implements(valueTyperType):
			t = reflect.Zero(t).Interface().(interface{ JSONValueType() reflect.Type }).JSONValueType()
		case reflect.PointerTo(t).Implements(jsonUnmarshalerType), reflect.PointerTo(t).Implements(textUnmarshalerType),
			t.Kind() == reflect.Interface:
			return nil
		default:
			return t
		}
	}
	return nil
}

// structKeys maps the JSON keys of a struct type to their fields' types, as encoding/json
// names them: the json tag's name or the field's, "-" skipped, unexported fields left
// out, and the fields of an untagged embedded struct promoted (after the outer fields,
// which win a clash).
func structKeys(t reflect.Type) map[string]reflect.Type {
	if m, ok := structKeysCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	keys := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if ft := jsonTarget(f.Type); ft != nil && ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys[name] = f.Type
	}
	for _, et := range embedded {
		for name, ft := range structKeys(et) {
			if _, ok := keys[name]; !ok {
				keys[name] = ft
			}
		}
	}
	structKeysCache.Store(t, keys)
	return keys
}
