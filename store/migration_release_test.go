package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// releasedMigrations are the SHA-256 sums of the migrations that have landed on main. A database migrated once
// never runs a migration again, so a change to one of these files reaches only new databases: 20260401000001 was
// once edited after its release, and a database migrated before then kept the old functions while the code called
// the new ones. A change goes into a new migration; add a migration's sum here once it has landed.
var releasedMigrations = map[string]string{
	"20260101000001_reference.down.sql":                      "7c1447b84ee6970f44874e2f58adeeffb2e55a5031792c9ba3d1d5614a08fb79",
	"20260101000001_reference.up.sql":                        "906babf6a7bf93d15e52d0b1f3f1e38a122b8750eeb483828c7625c6bdce4432",
	"20260101000002_core.down.sql":                           "2757375c0324dea458a031caba3be42f95340d4033bd53b76f16ee3b2b78d417",
	"20260101000002_core.up.sql":                             "30f8f0a47f99494b6e85aa4db23f3c36fdd76053ea4c1b4e972d710fb61355c2",
	"20260102000001_ledger.down.sql":                         "9f667a0687c79f3b1a21aec581748ac19277ba36db86b01171a53f52ae77c554",
	"20260102000001_ledger.up.sql":                           "03085212a737fad9dbf9f3e1e29193a5a242bf4a7fb8c9dda425586ddf2a567e",
	"20260103000001_audit.down.sql":                          "b22598576ac57a9eb0d947c44e27e6f64bd16ae64d249a66a1a0cc797b2d3649",
	"20260103000001_audit.up.sql":                            "389c3ebe01d4dec7bebb768bdce4fc6d2bc63c92bda489446150b0144d1ad963",
	"20260104000001_api_keys.down.sql":                       "ae75fc8bff0367b6ad51f21be8d900abac98b091eeff7be0b7ff06f5acb3a59a",
	"20260104000001_api_keys.up.sql":                         "5156c1c88754cb81178499199e438764da02d7e5a841da1dbdb13dc38f1a5a26",
	"20260105000001_rate_limits.down.sql":                    "04c8c0c25ab63c1e6fe24e1fe995169f08ef9347e0f755b6612192ec2499891b",
	"20260105000001_rate_limits.up.sql":                      "bf2244b1967c6a3ffb089ff82a04a9022ad4a6468be1165e031b15b1aa534955",
	"20260106000001_ledger_moves.down.sql":                   "9a559a8552ea1fc365848d2139a69cb1d28680a4382aafb716b24b5cb66e2b16",
	"20260106000001_ledger_moves.up.sql":                     "537cfb293e958b3f09925913d0f54a81209842323fe84aba8835f5ab27cf2048",
	"20260201000001_directory.down.sql":                      "324c16bb9af81d8e224a906c7ca247072408d25b6871a290ec48cef44590f0a7",
	"20260201000001_directory.up.sql":                        "77e4862366ea7cee95c51c8aa3563b2073169a06eeb0a279a588d78d5e5e1e97",
	"20260202000001_consultation_offers.down.sql":            "aec4f83caca59944149d13b81911b1d6b98d883e020e08e3842ac465c4e1c336",
	"20260202000001_consultation_offers.up.sql":              "7b47632de2cee0b59380ed47209eccd4365e02f690dc2a7d64c717e26b05245e",
	"20260205000001_dashboard_private_orders.down.sql":       "5d3e82544bdcaa60be30f0d863613556c6567775d51025a1db5738cb967cd7f0",
	"20260205000001_dashboard_private_orders.up.sql":         "b4fc313ddd78404aeb49e7514267a34c0a7dbce6c8859593b09443d8f6f4294c",
	"20260207000001_events.down.sql":                         "a1f4b5cbfaf489f1aba6246530ea76914bea5276f58de93cbb5921b212494bfa",
	"20260207000001_events.up.sql":                           "5981738938146666807c670ccd4bd27580203be5c2e4cd2e8be6502a3b0e3a5f",
	"20260207000002_persisted_operations.down.sql":           "ee5a88ce6b679dae887a1eed8dbce39d41cd240a24e02503fd4f2f77cf10c50b",
	"20260207000002_persisted_operations.up.sql":             "568eb560dda966a0a89fc83136fa1961c021c0e118b6c15084a6695bd3b6ea97",
	"20260301000001_dashboard_rollups.down.sql":              "aa8535a1e120c565210ff8512c854904d9704ee42c7af48a99267614327d1a7e",
	"20260301000001_dashboard_rollups.up.sql":                "0a7493dcc9ccebc17a85ceb62271ecd3fda034bec1ecd1ec3a498e0e3b034c93",
	"20260320000001_search_lexicon.down.sql":                 "6c308580c40b4b9f4dba360cff1265c0ae060ef763547373b934015e012b05c8",
	"20260320000001_search_lexicon.up.sql":                   "cd7d6dbcbb3f6d9074b136f6938df0a4e4602fff44e58adb2b36af444f12db6b",
	"20260401000001_ledger_hot_path.down.sql":                "45d735de35fd4b96942f11bfb8ac01b5dfda2e3ac7e17a9f4576e3abb8e19b97",
	"20260401000001_ledger_hot_path.up.sql":                  "33204d170391d72493045b8189fd713795cef5c57af02d836a808e58ec48f321",
	"20260410000001_confirm_batch.down.sql":                  "898df6f3cee605b725a1ee1710ab8197041d025f8fbfcf2d083773da603764c7",
	"20260410000001_confirm_batch.up.sql":                    "f60f4920aeda6c90375f32811d57921e8247ef27dcf0c3d8148b3c074e366419",
	"20260415000001_claim_key_outcome.down.sql":              "a0faf1bc0b3ef4295bc606341b9248a2ccab69b8cba7b6000ef2e148ff7c2915",
	"20260415000001_claim_key_outcome.up.sql":                "925e0c9030b34543ab761dee289973d3a02e6e6a22ee9f9bdfffe1d9fdccca94",
	"20260420000001_confirm_facts_lazy_fingerprint.down.sql": "001c57d6ad5583531adbbe846fd482902d01ea5b831c71899021b068eddb2228",
	"20260420000001_confirm_facts_lazy_fingerprint.up.sql":   "7dda1309dca92f6e43aa7a0d0ba860825fe1beecb78a6ee31d49a2fae4efb6bb",
	"20260427000001_directory_version.down.sql":              "89fac13cf9e00d59a17ad2c2424383b5323ae4df73c60d09971d3d69677a5286",
	"20260427000001_directory_version.up.sql":                "37b9d1775ba94018cd3f7c39af9e8d2e825330b4a303ff149a86b6ce236ffb21",
}

func TestReleasedMigrationsAreUnchanged(t *testing.T) {
	t.Parallel()
	for name, want := range releasedMigrations {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Errorf("released migration %s: %v (a released migration is never removed)", name, err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("released migration %s was edited (sha256 %s, released %s): put the change in a new migration", name, got, want)
		}
	}
}
