package dbtest

import (
	"context"
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestNewGivesIsolatedMigratedDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := New(t), New(t)
	var communes int
	if err := a.NewRaw("SELECT count(*) FROM communes").Scan(ctx, &communes); err != nil {
		t.Fatalf("count communes: %v", err)
	}
	if communes != 14 {
		t.Errorf("communes = %d, want 14", communes)
	}
	if _, err := a.ExecContext(ctx, "DELETE FROM tgc_rates WHERE code = 'HIGH'"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	var rates int
	if err := b.NewRaw("SELECT count(*) FROM tgc_rates").Scan(ctx, &rates); err != nil {
		t.Fatalf("count rates: %v", err)
	}
	if rates != 5 {
		t.Errorf("rates in the other database = %d, want 5 (databases are not isolated)", rates)
	}
}

func TestReplaceDatabase(t *testing.T) {
	tests := []struct{ url, want string }{
		{"postgres://u@h:5432/app?sslmode=disable", "postgres://u@h:5432/x?sslmode=disable"},
		{"postgres://u@h:5432/app", "postgres://u@h:5432/x"},
		{"postgres://u@h:5432", "postgres://u@h:5432/x"},
	}
	for _, tt := range tests {
		if got := replaceDatabase(tt.url, "x"); got != tt.want {
			t.Errorf("replaceDatabase(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestReplicaFollowsThePrimary(t *testing.T) {
	primary, replica := NewReplicated(t)
	ctx := context.Background()
	if _, err := primary.ExecContext(ctx, "INSERT INTO communes (code, name, postal_code) VALUES ('98899', 'Test', '98899')"); err != nil {
		t.Fatal(err)
	}
	WaitReplayed(t, primary)
	var name string
	if err := replica.QueryRowContext(ctx, "SELECT name FROM communes WHERE code = '98899'").Scan(&name); err != nil || name != "Test" {
		t.Errorf("the replica reads %q, %v; want the primary's new row", name, err)
	}
	if _, err := replica.ExecContext(ctx, "DELETE FROM communes WHERE code = '98899'"); err == nil {
		t.Error("the replica accepted a write")
	}
}
