package store

import (
	"bytes"
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
	for i, index := range mirror.fields {
		v.FieldByIndex(index).Set(m.Elem().Field(i))
	}
	return nil
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

// scanJSONRowOf is scanJSONRow into a new T; nil for a missing row (JSON null or nothing).
func scanJSONRowOf[T any](db bun.IDB, raw json.RawMessage) (*T, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	row := new(T)
	if err := scanJSONRow(db, row, raw); err != nil {
		return nil, err
	}
	return row, nil
}

// scanJSONRowsOf is scanJSONRowOf for each of raws.
func scanJSONRowsOf[T any](db bun.IDB, raws []json.RawMessage) ([]*T, error) {
	rows := make([]*T, 0, len(raws))
	for _, raw := range raws {
		row, err := scanJSONRowOf[T](db, raw)
		if err != nil {
			return nil, err
		}
		if row != nil {
			rows = append(rows, row)
		}
	}
	return rows, nil
}
