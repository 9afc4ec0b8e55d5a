package graph

import (
	"testing"

	"sudpro/model"
)

func TestLoaderNameIsTheLoadedType(t *testing.T) {
	tests := []struct{ got, want string }{
		{loaderName[*model.Enterprise](), "Enterprise"},
		{loaderName[[]*model.InvoiceLine](), "[]InvoiceLine"},
		{loaderName[*model.InvoiceConnection](), "Connection[Invoice]"},
		{loaderName[*model.SessionBudget](), "SessionBudget"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("loaderName = %q, want %q", tt.got, tt.want)
		}
	}
}
