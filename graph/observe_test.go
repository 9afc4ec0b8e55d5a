package graph
import ("testing";"sudpro/model")
func TestLoaderName(t *testing.T){
 for _, tc := range []struct{got,want string}{{loaderName[*model.Enterprise](),"Enterprise"},{loaderName[[]*model.InvoiceLine](),"[]InvoiceLine"},{loaderName[*model.InvoiceConnection](),"Connection[Invoice]"}} {
  if tc.got!=tc.want {t.Errorf("loaderName = %q, want %q", tc.got, tc.want)}
 }
}
