package domain

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Opt is a JSON field that remembers whether it was present and whether it was null,
// so that PUT can tell "leave alone" (absent) from "clear" (null).
type Opt[T any] struct {
	Set   bool // the key was present in the JSON object
	Null  bool // its value was null
	Value T
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(b, []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// JSONValueType is the type that the value of an Opt decodes into. A decoder that checks
// a body's keys against its target types (httpapi's) looks through an Opt with it, since
// UnmarshalJSON hides what it decodes.
func (Opt[T]) JSONValueType() reflect.Type { return reflect.TypeFor[T]() }

// Given reports whether the field was present with a non-null value.
func (o Opt[T]) Given() bool { return o.Set && !o.Null }

// Some returns an Opt holding v, as if v had been sent.
func Some[T any](v T) Opt[T] { return Opt[T]{Set: true, Value: v} }
