package ids

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"3f2b8c1e-9a4d-4c2b-8e1f-0a1b2c3d4e5f": true,
		"3F2B8C1E-9A4D-4C2B-8E1F-0A1B2C3D4E5F": true,
		"3f2b8c1e-9a4d-4c2b-8e1f-0a1b2c3d4e5":  false,
		"3f2b8c1e09a4d-4c2b-8e1f-0a1b2c3d4e5f": false,
		"3f2b8c1e-9a4d-4c2b-8e1f-0a1b2c3d4e5g": false,
		"../../../../../../../../../etc/passw": false,
		"":                                     false,
	} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %v, want %v", s, !want, want)
		}
	}
}
