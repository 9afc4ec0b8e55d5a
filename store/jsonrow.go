package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/uptrace/bun"
)

// scanJSONRow fills the Bun model dst (a pointer to a struct) from a row that PostgreSQL turned into a JSON object
// with to_jsonb (keys are column names), the way a SELECT * scanned by Bun would fill it: a PL/pgSQL function can
// then return several rows of different tables in one round trip (sudpro_confirmation_facts). Columns the model
// does not have are ignored.
func scanJSONRow(db bun.IDB, dst any, raw json.RawMessage) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("scan JSON row: %T is not a pointer to a struct", dst)
	}
	table := db.Dialect().Tables().Get(v.Elem().Type())
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
			err = field.ScanValue(v.Elem(), src)
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
