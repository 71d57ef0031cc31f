package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hms-project/hms/internal/domain"
)

// strictProbe has a field of every kind that the strict decoder must look through or
// leave alone: Opt of a map of slices of structs (working_hours), slices, pointers,
// maps, raw and untyped values, an embedded struct, a skipped and an untagged field.
type strictProbe struct {
	strictEmbedded
	Name    domain.Opt[string]              `json:"name"`
	Hours   domain.Opt[domain.WorkingHours] `json:"working_hours"`
	Items   []strictItem                    `json:"items"`
	Ptr     *strictItem                     `json:"ptr,omitempty"`
	Raw     json.RawMessage                 `json:"raw"`
	Any     any                             `json:"any"`
	Ignored string                          `json:"-"`
	Plain   int
}

type strictEmbedded struct {
	Extra string `json:"extra"`
}

type strictItem struct {
	Code string         `json:"code"`
	Tags map[string]int `json:"tags"`
}

// keyVerdict is what a key check concluded: "" (the keys are fine), or a kind ("dup",
// "unknown", "deep") and the path of the key at fault.
type keyVerdict struct{ kind, path string }

func verdictOf(err error) keyVerdict {
	var e *domain.Error
	switch {
	case err == nil:
		return keyVerdict{}
	case errors.Is(err, errNotJSON):
		return keyVerdict{kind: "not json"}
	case !errors.As(err, &e):
		return keyVerdict{kind: "other: " + err.Error()}
	case strings.Contains(e.Message, "nests more than"):
		return keyVerdict{kind: "deep"}
	}
	var path string
	for k := range e.Fields {
		path = k
	}
	if strings.Contains(e.Message, "more than once") {
		return keyVerdict{"dup", path}
	}
	if strings.HasPrefix(e.Message, "unknown field") {
		return keyVerdict{"unknown", path}
	}
	return keyVerdict{kind: "other: " + e.Message}
}

// tokenVerdict is the reference that checkKeys is held to: the same rules, written plainly
// on json.Decoder.Token, for a body that is valid JSON.
func tokenVerdict(body []byte, t reflect.Type) keyVerdict {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var walk func(t reflect.Type, path string, depth int) *keyVerdict
	walk = func(t reflect.Type, path string, depth int) *keyVerdict {
		t = jsonTarget(t)
		tok, err := dec.Token()
		if err != nil {
			return &keyVerdict{kind: "not json"}
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		if depth == maxJSONDepth {
			return &keyVerdict{kind: "deep"}
		}
		if d == '[' {
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for i := 0; dec.More(); i++ {
				if v := walk(elem, path+"["+strconv.Itoa(i)+"]", depth+1); v != nil {
					return v
				}
			}
		} else {
			seen := map[string]bool{}
			for dec.More() {
				tok, _ := dec.Token()
				key := tok.(string)
				at := key
				if path != "" {
					at = path + "." + key
				}
				if seen[key] {
					return &keyVerdict{"dup", at}
				}
				seen[key] = true
				var vt reflect.Type
				switch {
				case t != nil && t.Kind() == reflect.Struct:
					if vt, ok = structKeys(t)[key]; !ok {
						return &keyVerdict{"unknown", at}
					}
				case t != nil && t.Kind() == reflect.Map:
					vt = t.Elem()
				}
				if v := walk(vt, at, depth+1); v != nil {
					return v
				}
			}
		}
		if _, err := dec.Token(); err != nil {
			return &keyVerdict{kind: "not json"}
		}
		return nil
	}
	if v := walk(t, "", 0); v != nil {
		return *v
	}
	return keyVerdict{}
}

func TestStructKeys(t *testing.T) {
	got := structKeys(reflect.TypeFor[strictProbe]())
	want := []string{"extra", "name", "working_hours", "items", "ptr", "raw", "any", "Plain"}
	if len(got) != len(want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("key %q missing from %v", k, got)
		}
	}
}

func TestCheckKeys(t *testing.T) {
	probe := reflect.TypeFor[*strictProbe]()
	for _, tc := range []struct {
		body string
		want keyVerdict
	}{
		{`{"name":"a","extra":"b","Plain":1,"items":[{"code":"x","tags":{"a":1,"A":2}}],"ptr":{"code":"y"}}`, keyVerdict{}},
		{`{"working_hours":{"mon":[{"start":"09:00","end":"12:00"}],"tue":null}}`, keyVerdict{}},
		{`{"raw":{"Any":1,"aNY":2},"any":{"x":{"X":1}}}`, keyVerdict{}},
		{`{"name":"a","name":"b"}`, keyVerdict{"dup", "name"}},
		{`{"name":"a","\u006eame":"b"}`, keyVerdict{"dup", "name"}},
		{`{"NAME":"a"}`, keyVerdict{"unknown", "NAME"}},
		{`{"plain":1}`, keyVerdict{"unknown", "plain"}},
		{`{"Ignored":"x"}`, keyVerdict{"unknown", "Ignored"}},
		{`{"-":"x"}`, keyVerdict{"unknown", "-"}},
		{`{"items":[{"code":"x"},{"code":"y","Code":"z"}]}`, keyVerdict{"unknown", "items[1].Code"}},
		{`{"items":[{"tags":{"a":1,"a":2}}]}`, keyVerdict{"dup", "items[0].tags.a"}},
		{`{"working_hours":{"mon":[{"start":"09:00","Start":"10:00"}]}}`, keyVerdict{"unknown", "working_hours.mon[0].Start"}},
		{`{"working_hours":{"mon":[],"mon":[]}}`, keyVerdict{"dup", "working_hours.mon"}},
		{`{"raw":{"a":1,"a":2}}`, keyVerdict{"dup", "raw.a"}},
		{`{"any":[{"a":[{"b":1,"b":1}]}]}`, keyVerdict{"dup", "any[0].a[0].b"}},
		{`{"extra":"a","extra":"b"}`, keyVerdict{"dup", "extra"}},
		{`{"any":` + strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth) + `}`, keyVerdict{kind: "deep"}},
		{`{"any":` + strings.Repeat("[", maxJSONDepth-1) + strings.Repeat("]", maxJSONDepth-1) + `}`, keyVerdict{}},
		{`{"name":"a`, keyVerdict{kind: "not json"}},
		{`{"name" "a"}`, keyVerdict{kind: "not json"}},
		{`{"name":"a",}`, keyVerdict{kind: "not json"}},
		{`{"na` + "\x01" + `me":1}`, keyVerdict{kind: "not json"}},
		{``, keyVerdict{kind: "not json"}},
	} {
		got := verdictOf(checkKeys([]byte(tc.body), probe))
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.body, got, tc.want)
		}
		if json.Valid([]byte(tc.body)) {
			if ref := tokenVerdict([]byte(tc.body), probe); ref != got {
				t.Errorf("%s: the reference says %+v, checkKeys %+v", tc.body, ref, got)
			}
		}
	}
}

// FuzzStrictJSON holds the strict decoder to its promise on any bytes: it never panics and
// refuses only with a 400; on valid JSON its verdict is the reference walk's; what it
// accepts encoding/json decodes to the same value; and an accepted object with its first
// key repeated, or repeated in another case, is refused.
func FuzzStrictJSON(f *testing.F) {
	f.Add([]byte(`{"name":"Ada","working_hours":{"mon":[{"start":"09:00","end":"17:00"}]},"items":[{"code":"a","tags":{"x":1}}]}`))
	f.Add([]byte(`{"phone":null,"phone":"555"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var probe strictProbe
		err := unmarshalStrict(body, &probe)
		var e *domain.Error
		if err != nil && (!errors.As(err, &e) || e.Code != domain.CodeInvalid) {
			t.Fatalf("%q: %v is not a 400", body, err)
		}
		typ := reflect.TypeFor[*strictProbe]()
		if json.Valid(body) {
			if got, ref := verdictOf(checkKeys(body, typ)), tokenVerdict(body, typ); got != ref {
				t.Fatalf("%q: checkKeys says %+v, the reference %+v", body, got, ref)
			}
		}
		if err != nil {
			return
		}
		var plain strictProbe
		if err := json.Unmarshal(body, &plain); err != nil || !reflect.DeepEqual(plain, probe) {
			t.Fatalf("%q: accepted as %+v, but encoding/json reads %+v (%v)", body, probe, plain, err)
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		if tok, _ := dec.Token(); tok != json.Delim('{') {
			return
		}
		key, ok := func() (string, bool) { tok, _ := dec.Token(); s, ok := tok.(string); return s, ok }()
		if !ok {
			return
		}
		open := bytes.IndexByte(body, '{') + 1
		for _, k := range []string{key, strings.ToUpper(key), strings.ToLower(key)} {
			if k != key && strings.EqualFold(k, key) && structKeys(reflect.TypeFor[strictProbe]())[k] != nil {
				continue // another field of that spelling
			}
			q, _ := json.Marshal(k)
			twice := append(append(append([]byte{}, body[:open]...), append(q, []byte(":null,")...)...), body[open:]...)
			var again strictProbe
			if unmarshalStrict(twice, &again) == nil {
				t.Fatalf("%q: accepted with %s given twice", twice, q)
			}
		}
	})
}
