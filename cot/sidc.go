package cot

import "strings"

// SIDC returns the MIL-STD-2525C letter symbol code (15 characters) of an
// atom CoT type, for symbol renderers such as milsymbol: "a-f-G-U-C" gives
// "SFGPUC---------" (warfighting, friend, ground, present, function UC).
// Function letters are the upper-case single-letter segments after the battle
// dimension, up to six; lower-case CoT extensions and a ";…" suffix are
// ignored. ok is false for types that are not atoms or whose affiliation or
// dimension is unknown.
func SIDC(cotType string) (string, bool) {
	parts := strings.Split(baseType(cotType), "-")
	if len(parts) < 3 || parts[0] != "a" || len(parts[1]) != 1 || len(parts[2]) != 1 {
		return "", false
	}
	aff, ok := affiliations[parts[1][0]]
	if !ok {
		return "", false
	}
	dim := parts[2][0]
	if strings.IndexByte("PAGSUF", dim) < 0 {
		return "", false
	}
	b := []byte("S--------------")
	b[1], b[2], b[3] = aff, dim, 'P'
	i := 4
	for _, f := range parts[3:] {
		if len(f) != 1 || f[0] < 'A' || f[0] > 'Z' || i == 10 {
			break
		}
		b[i] = f[0]
		i++
	}
	return string(b), true
}

// affiliations maps CoT affiliation letters to 2525C standard identities.
var affiliations = map[byte]byte{
	'p': 'P', // pending
	'u': 'U', // unknown
	'a': 'A', // assumed friend
	'f': 'F', // friend
	'n': 'N', // neutral
	's': 'S', // suspect
	'h': 'H', // hostile
	'j': 'J', // joker
	'k': 'K', // faker
	'o': 'O', // none specified
}
