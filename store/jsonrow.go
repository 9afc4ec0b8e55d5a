package store

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// scanJSONRow fills the Bun model dst (a pointer to a struct) from a row that PostgreSQL turned into a JSON object
// with to_jsonb (keys are column names), the way a SELECT * scanned by Bun would fill it: a PL/pgSQL function can
// then return several rows of different tables in one round trip (sudpro_confirmation_facts). Columns the model
// does not have are ignored. encoding/json decodes the row into a mirror of the model's columns (jsonMirrorOf),
// much cheaper than through a map of interfaces and Bun's scanners; a column the mirror cannot take (a JSON value
// encoding/json does not map onto the field's type) falls back to those.
func scanJSONRow(db bun.IDB, dst any, raw json.RawMessage) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("scan JSON row: %T is not a pointer to a struct", dst)
	}
	table := db.Dialect().Tables().Get(v.Elem().Type())
	if scanJSONMirror(table, v.Elem(), raw) == nil {
		return nil
	}
	return scanJSONRowByColumn(table, v.Elem(), raw)
}

// scanJSONMirror decodes a row into the model's jsonMirror, then copies it into v; v is untouched on error.
func scanJSONMirror(table *schema.Table, v reflect.Value, raw json.RawMessage) error {
	mirror := jsonMirrorOf(table)
	m := reflect.New(mirror.typ)
	if err := json.Unmarshal(raw, m.Interface()); err != nil {
		return err
	}
	mirror.copyTo(m.Elem(), v)
	return nil
}

// copyTo sets the model fields of v from the mirror value m.
func (mirror *jsonMirror) copyTo(m, v reflect.Value) {
	for i, index := range mirror.fields {
		v.FieldByIndex(index).Set(m.Field(i))
	}
}

// jsonMirror is a struct type with one field per column of a model, of the model field's type and tagged with the
// column's name; fields[i] is the model field that mirror field i fills.
type jsonMirror struct {
	typ    reflect.Type
	fields [][]int
}

// jsonMirrors caches each model's jsonMirror: a memo of types, like encoding/json's own.
var jsonMirrors sync.Map // *schema.Table → *jsonMirror

func jsonMirrorOf(table *schema.Table) *jsonMirror {
	if m, ok := jsonMirrors.Load(table); ok {
		return m.(*jsonMirror)
	}
	var fields []reflect.StructField
	mirror := &jsonMirror{}
	for _, name := range slices.Sorted(maps.Keys(table.FieldMap)) {
		f := table.FieldMap[name]
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("C%d", len(fields)), Type: f.StructField.Type,
			Tag: reflect.StructTag(`json:"` + f.Name + `"`)})
		mirror.fields = append(mirror.fields, f.Index)
	}
	mirror.typ = reflect.StructOf(fields)
	m, _ := jsonMirrors.LoadOrStore(table, mirror)
	return m.(*jsonMirror)
}

// scanJSONRowByColumn is scanJSONRow through Bun's scanners, column by column.
func scanJSONRowByColumn(table *schema.Table, v reflect.Value, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var columns map[string]any
	if err := dec.Decode(&columns); err != nil {
		return fmt.Errorf("scan JSON row into %s: %w", table.TypeName, err)
	}
	for name, value := range columns {
		field, ok := table.FieldMap[name]
		if !ok {
			continue
		}
		src, err := driverValue(value)
		if err == nil {
			err = field.ScanValue(v, src)
		}
		if err != nil {
			return fmt.Errorf("scan JSON row into %s.%s: %w", table.TypeName, name, err)
		}
	}
	return nil
}

// driverValue is a JSON value as the database driver would hand the column to Bun's scanners: integers as int64,
// text as string, arrays in PostgreSQL's array literal syntax and objects (jsonb) as their bytes.
func driverValue(value any) (any, error) {
	switch value := value.(type) {
	case nil, string, bool:
		return value, nil
	case json.Number:
		if i, err := value.Int64(); err == nil {
			return i, nil
		}
		return value.Float64()
	case []any:
		return arrayLiteral(value)
	case map[string]any:
		return json.Marshal(value)
	}
	return nil, fmt.Errorf("unexpected JSON value %T", value)
}

// arrayQuoting escapes a text item of an array literal between double quotes.
var arrayQuoting = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// arrayLiteral writes a one-dimensional JSON array as a PostgreSQL array literal ({1,"a b",NULL}).
func arrayLiteral(items []any) ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, item := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		switch item := item.(type) {
		case nil:
			b.WriteString("NULL")
		case json.Number:
			b.WriteString(item.String())
		case bool:
			fmt.Fprint(&b, item)
		case string:
			b.WriteByte('"')
			b.WriteString(arrayQuoting.Replace(item))
			b.WriteByte('"')
		default:
			return nil, fmt.Errorf("unexpected array item %T", item)
		}
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// scanJSONDoc fills dst, a pointer to a struct whose fields (all exported) are tagged with JSON member names, from a
// JSON object some of whose members are rows that PostgreSQL turned into JSON (to_jsonb) or arrays of them: a
// field of type *M or []*M, M a Bun model, gets its rows as scanJSONRow would fill them; other fields are decoded
// as encoding/json decodes them. The whole object is decoded in one pass, through a mirror of dst's struct whose
// row fields are the models' mirrors (jsonDocOf), not member by member (once to cut the object into members, then
// again for each row). When that fails (a column the mirrors cannot take), it decodes each member on its own,
// with scanJSONRow's fallback.
func scanJSONDoc(db bun.IDB, dst any, raw json.RawMessage) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("scan JSON document: %T is not a pointer to a struct", dst)
	}
	doc := jsonDocOf(db, v.Elem().Type())
	if doc.scanOnePass(v.Elem(), raw) == nil {
		return nil
	}
	return doc.scanByMember(db, v.Elem(), raw)
}

// scanOnePass is scanJSONDoc's fast path: encoding/json into the document's mirror; v is untouched on error.
func (doc *jsonDoc) scanOnePass(v reflect.Value, raw json.RawMessage) error {
	m := reflect.New(doc.typ)
	if err := json.Unmarshal(raw, m.Interface()); err != nil {
		return err
	}
	doc.copyTo(m.Elem(), v)
	return nil
}

// jsonDoc is the mirror of a struct that scanJSONDoc fills: typ has one field per field of the struct, of the same
// type and JSON name, except row fields, whose models are replaced by their mirrors (*M by *mirror, []*M by
// []mirror).
type jsonDoc struct {
	typ    reflect.Type
	fields []jsonDocField
}

// jsonDocField is one field of a jsonDoc's struct: its JSON name, and for a row field its model and its mirror.
type jsonDocField struct {
	name   string
	model  reflect.Type // nil for a field encoding/json decodes
	mirror *jsonMirror
	list   bool // []*M rather than *M
}

// jsonDocs caches each struct type's jsonDoc: a memo of types, like jsonMirrors (a model's mirror depends on its
// Go type only).
var jsonDocs sync.Map // reflect.Type → *jsonDoc

// baseModel marks a Bun model: a struct that embeds bun.BaseModel.
var baseModel = reflect.TypeFor[bun.BaseModel]()

func jsonDocOf(db bun.IDB, t reflect.Type) *jsonDoc {
	if d, ok := jsonDocs.Load(t); ok {
		return d.(*jsonDoc)
	}
	doc := &jsonDoc{}
	fields := make([]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		f := jsonDocField{name: cmp.Or(name, sf.Name)}
		fields[i] = reflect.StructField{Name: sf.Name, Type: sf.Type, Tag: reflect.StructTag(`json:"` + f.name + `"`)}
		row, list := sf.Type, false
		if row.Kind() == reflect.Slice {
			row, list = row.Elem(), true
		}
		if row.Kind() == reflect.Pointer && isBunModel(row.Elem()) {
			f.model, f.list = row.Elem(), list
			f.mirror = jsonMirrorOf(db.Dialect().Tables().Get(f.model))
			fields[i].Type = reflect.PointerTo(f.mirror.typ)
			if list {
				fields[i].Type = reflect.SliceOf(f.mirror.typ)
			}
		}
		doc.fields = append(doc.fields, f)
	}
	doc.typ = reflect.StructOf(fields)
	d, _ := jsonDocs.LoadOrStore(t, doc)
	return d.(*jsonDoc)
}

func isBunModel(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.Anonymous && f.Type == baseModel {
			return true
		}
	}
	return false
}

// copyTo sets the fields of v from the document's mirror value m, building the models of its rows.
func (doc *jsonDoc) copyTo(m, v reflect.Value) {
	for i, f := range doc.fields {
		src, dst := m.Field(i), v.Field(i)
		switch {
		case f.model == nil:
			dst.Set(src)
		case src.IsNil():
			dst.SetZero()
		case !f.list:
			row := reflect.New(f.model)
			f.mirror.copyTo(src.Elem(), row.Elem())
			dst.Set(row)
		default:
			rows := reflect.MakeSlice(dst.Type(), src.Len(), src.Len())
			for j := range src.Len() {
				row := reflect.New(f.model)
				f.mirror.copyTo(src.Index(j), row.Elem())
				rows.Index(j).Set(row)
			}
			dst.Set(rows)
		}
	}
}

// scanByMember is scanJSONDoc member by member, each row through scanJSONRow (and its fallback).
func (doc *jsonDoc) scanByMember(db bun.IDB, v reflect.Value, raw json.RawMessage) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return fmt.Errorf("scan JSON document into %s: %w", v.Type(), err)
	}
	for i, f := range doc.fields {
		member, ok := members[f.name]
		if !ok || string(member) == "null" {
			continue
		}
		dst := v.Field(i)
		if f.model == nil {
			if err := json.Unmarshal(member, dst.Addr().Interface()); err != nil {
				return fmt.Errorf("scan JSON document member %s: %w", f.name, err)
			}
			continue
		}
		items := []json.RawMessage{member}
		if f.list {
			if err := json.Unmarshal(member, &items); err != nil {
				return fmt.Errorf("scan JSON document member %s: %w", f.name, err)
			}
			dst.Set(reflect.MakeSlice(dst.Type(), 0, len(items)))
		}
		for _, item := range items {
			row := reflect.New(f.model)
			if err := scanJSONRow(db, row.Interface(), item); err != nil {
				return fmt.Errorf("scan JSON document member %s: %w", f.name, err)
			}
			if f.list {
				dst.Set(reflect.Append(dst, row))
			} else {
				dst.Set(row)
			}
		}
	}
	return nil
}
