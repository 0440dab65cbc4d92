package cop

import "github.com/concord-mission/concord/cot"

// SIDC returns the MIL-STD-2525C symbol code of a Cursor-on-Target type,
// or "" when it has none (non-atoms).
func SIDC(cotType string) string {
	s, _ := cot.SIDC(cotType)
	return s
}
