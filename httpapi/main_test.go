package httpapi_test

import (
	"os"
	"testing"

	"sudpro/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
