package testkit

import "testing"

func TestSkipShort(t *testing.T) {
	t.Parallel()
	ran := false
	t.Run("inner", func(t *testing.T) {
		SkipShort(t, "a slow thing")
		ran = true
	})
	if ran == testing.Short() {
		t.Errorf("with -short=%v the test ran: %v", testing.Short(), ran)
	}
}
