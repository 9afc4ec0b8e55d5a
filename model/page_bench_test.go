package model

import "testing"

// BenchmarkCursor is a keyset cursor's round trip: encoded when a client asks for an edge's cursor or a page's
// bounds, decoded and checked when the client sends it back as `after`.
//
//	go test -run '^$' -bench Cursor -benchmem -count 10 ./model
func BenchmarkCursor(b *testing.B) {
	c := Cursor{Order: "enterprises:NAME", Key: "Électricité Générale du Mont-Dore", ID: 48_213}
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Encode()
		}
	})
	s := c.Encode()
	first := 20
	b.Run("ParsePage", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := ParsePage(PageArgs{First: &first, After: &s}, c.Order)
			if err != nil || p.After.ID != c.ID {
				b.Fatal(err)
			}
		}
	})
}
