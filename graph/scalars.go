package graph

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"sudpro/model"
)

// Noumea is New Caledonia's time zone: UTC+11 all year (no daylight saving since 1979), so a fixed zone is exact
// and needs no tz database on the server.
var Noumea = time.FixedZone("Pacific/Noumea", 11*60*60)

// MarshalXPF writes an amount of francs as a JSON integer.
func MarshalXPF(v model.XPF) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.FormatInt(int64(v), 10))
	})
}

// UnmarshalXPF reads a whole number of francs; fractions and floats are refused, never rounded.
func UnmarshalXPF(v any) (model.XPF, error) {
	switch x := v.(type) {
	case int64:
		return model.XPF(x), nil
	case int:
		return model.XPF(x), nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, model.Invalid("", "XPF must be a whole number of francs, got %q", x)
		}
		return model.XPF(n), nil
	case interface{ Int64() (int64, error) }: // json.Number from variables
		n, err := x.Int64()
		if err != nil {
			return 0, model.Invalid("", "XPF must be a whole number of francs, got %v", x)
		}
		return model.XPF(n), nil
	default:
		return 0, model.Invalid("", "XPF must be a whole number of francs, got %T", v)
	}
}

// MarshalDateTime writes an instant as RFC 3339 with the Pacific/Noumea offset.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.In(Noumea).Format(time.RFC3339)))
	})
}

// UnmarshalDateTime reads an RFC 3339 instant (any offset) and returns it in UTC.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, model.Invalid("", "DateTime must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, model.Invalid("", "DateTime must be RFC 3339 like 2025-07-31T08:00:00+11:00, got %q", s)
	}
	return t.UTC(), nil
}

// MarshalDate writes a calendar date as YYYY-MM-DD in Pacific/Noumea.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.In(Noumea).Format(time.DateOnly)))
	})
}

// UnmarshalDate reads YYYY-MM-DD as the start of that day in Pacific/Noumea.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, model.Invalid("", "Date must be a YYYY-MM-DD string, got %T", v)
	}
	t, err := time.ParseInLocation(time.DateOnly, s, Noumea)
	if err != nil {
		return time.Time{}, model.Invalid("", "Date must be YYYY-MM-DD, got %q", s)
	}
	return t, nil
}
