package store_test

import (
	"context"
	"io/fs"
	"slices"
	"testing"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// The directory migrations roll back cleanly and apply again over registered businesses, which the search (and its
// typo tolerance) then finds.
func TestDirectoryMigrationRollsBack(t *testing.T) {
	tests := []struct {
		migration, search, want string
	}{
		// Fills the search columns of the businesses registered before it.
		{"20260201000001_directory", "menuisier", "Menuiserie Tiaou"},
		// Fills the search lexicon from them: a typo of their words is found.
		{"20260320000001_search_lexicon", "electrisite", "Électricité Générale du Sud"},
	}
	for _, tt := range tests {
		t.Run(tt.migration, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.New(t)
			st := store.New(db)
			seedDirectory(t, st, directoryFixture[:2])
			for _, file := range []string{"migrations/" + tt.migration + ".down.sql", "migrations/" + tt.migration + ".up.sql"} {
				sql, err := fs.ReadFile(store.MigrationFiles(), file)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, string(sql)); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
			}
			got := names(search(t, st, model.EnterpriseQuery{Search: tt.search}, model.Page{}))
			if !slices.Equal(got, []string{tt.want}) {
				t.Errorf("search %q after the migration ran over existing businesses = %v, want [%s]", tt.search, got, tt.want)
			}
		})
	}
}
