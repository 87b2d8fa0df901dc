// Package ids checks the ids clients send back to Ferry.
package ids

// Valid reports whether s is a uuid in its text form. Callers check first
// so that a malformed id is simply "not found", never a database cast error.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		dash := i == 8 || i == 13 || i == 18 || i == 23
		hex := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		if dash != (c == '-') || (!dash && !hex) {
			return false
		}
	}
	return true
}
