package metrics

import (
	"fmt"
	"testing"
)

func TestOperationNamesAreBounded(t *testing.T) {
	m := New()
	for i := range MaxOperationNames {
		if got, want := m.Operation(fmt.Sprintf("Op%d", i)), fmt.Sprintf("Op%d", i); got != want {
			t.Fatalf("Operation(%q) = %q, want %q", want, got, want)
		}
	}
	tests := []struct{ name, want string }{
		{"", Anonymous},
		{"Op0", "Op0"},     // seen before the cap: keeps its name
		{"Fresh", Other},   // first seen after the cap
		{"Another", Other}, // and every later one
		{"Op199", "Op199"}, // the last one under the cap
	}
	for _, tt := range tests {
		if got := m.Operation(tt.name); got != tt.want {
			t.Errorf("Operation(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSubscriptionGaugeClosesOnce(t *testing.T) {
	m := New()
	closeA := m.SubscriptionOpened()
	closeB := m.SubscriptionOpened()
	closeA()
	closeA()
	if got := gaugeValue(t, m, "sudpro_subscriptions_open"); got != 1 {
		t.Errorf("open subscriptions = %v, want 1", got)
	}
	closeB()
	if got := gaugeValue(t, m, "sudpro_subscriptions_open"); got != 0 {
		t.Errorf("open subscriptions = %v, want 0", got)
	}
}

func gaugeValue(t *testing.T, m *Metrics, name string) float64 {
	t.Helper()
	families, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
