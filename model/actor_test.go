package model

import "testing"

type ownedByTest []int64

func (o ownedByTest) OwnerIDs() []int64 { return o }

func TestActorCanReadField(t *testing.T) {
	staff := []Role{RoleAdmin, RoleAgent}
	tests := []struct {
		name       string
		actor      Actor
		allowOwner bool
		obj        any
		want       bool
	}{
		{"admin reads a staff field", Actor{Role: RoleAdmin}, false, nil, true},
		{"agent reads a staff field", Actor{Role: RoleAgent}, true, ownedByTest{1}, true},
		{"chamber may not read a staff field", Actor{Role: RoleChamber}, true, ownedByTest{1}, false},
		{"anonymous may not read a staff field", Actor{}, true, ownedByTest{1}, false},
		{"owner reads its own field", Actor{Role: RoleEnterprise, EnterpriseID: 7}, true, ownedByTest{3, 7}, true},
		{"owner rule off", Actor{Role: RoleEnterprise, EnterpriseID: 7}, false, ownedByTest{7}, false},
		{"another business", Actor{Role: RoleEnterprise, EnterpriseID: 8}, true, ownedByTest{7}, false},
		{"business user without business", Actor{Role: RoleEnterprise}, true, ownedByTest{0}, false},
		{"object without owners", Actor{Role: RoleEnterprise, EnterpriseID: 7}, true, struct{}{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.CanReadField(staff, tt.allowOwner, tt.obj); got != tt.want {
				t.Errorf("CanReadField(%v, %v, %v) = %v, want %v", staff, tt.allowOwner, tt.obj, got, tt.want)
			}
		})
	}
}
