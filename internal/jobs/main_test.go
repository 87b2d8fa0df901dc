package jobs

import (
	"testing"

	"github.com/ferryhq/ferry/internal/testkit/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
