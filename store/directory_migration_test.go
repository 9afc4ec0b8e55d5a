package store_test

import (
	"context"
	"io/fs"
	"testing"

	"sudpro/dbtest"
	"sudpro/model"
	"sudpro/store"
)

// The directory migration rolls back cleanly and applies again, and fills the search columns of the businesses
// registered before it.
func TestDirectoryMigrationRollsBack(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	st := store.New(db)
	seedDirectory(t, st, directoryFixture[:2])
	for _, file := range []string{"migrations/20260201000001_directory.down.sql", "migrations/20260201000001_directory.up.sql"} {
		sql, err := fs.ReadFile(store.MigrationFiles(), file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, string(sql)); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	got := names(search(t, st, model.EnterpriseQuery{Search: "menuisier"}, model.Page{}))
	if len(got) != 1 || got[0] != "Menuiserie Tiaou" {
		t.Errorf("search after the migration ran over existing businesses = %v, want [Menuiserie Tiaou]", got)
	}
}
