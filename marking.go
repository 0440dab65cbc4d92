package concord

import (
	"slices"
	"strings"
)

// Marking says who owns a record and to whom it may be released. Every
// shareable record carries one.
type Marking struct {
	// Owner is the code of the party that owns the record.
	Owner string `json:"owner"`
	// Rel lists the parties and groups the record is releasable to, plus
	// the reserved tokens ALL and PUBLIC.
	Rel []string `json:"rel"`
	// Caveats are extra handling rules, e.g. ORCON.
	Caveats []string `json:"caveats"`
}

// Caveat is a known handling caveat.
type Caveat struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// CaveatORCON marks a record as originator controlled.
const CaveatORCON = "ORCON"

// Caveats lists the caveats a marking may carry.
var Caveats = []Caveat{
	{Code: CaveatORCON, Description: "originator controlled: the coordination center may see it but must not relay it or derive records from it without the owner's consent"},
}

// Clone returns a deep copy so that callers can change it freely.
func (m Marking) Clone() Marking {
	return Marking{Owner: m.Owner, Rel: slices.Clone(m.Rel), Caveats: slices.Clone(m.Caveats)}
}

// Equal reports whether two normalized markings are the same.
func (m Marking) Equal(o Marking) bool {
	return m.Owner == o.Owner && slices.Equal(m.Rel, o.Rel) && slices.Equal(m.Caveats, o.Caveats)
}

// HasRel reports whether token appears in Rel.
func (m Marking) HasRel(token string) bool { return slices.Contains(m.Rel, token) }

// normalizeTokens upper-cases, trims, sorts and de-duplicates tokens; it
// returns the duplicates it removed so that callers can report them.
func normalizeTokens(in []string) (out []string, dups []string) {
	seen := make(map[string]bool, len(in))
	for _, t := range in {
		t = strings.ToUpper(strings.TrimSpace(t))
		if seen[t] {
			dups = append(dups, t)
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out, dups
}

// ParseMarkingTokens splits a comma- or space-separated list such as
// "PAK, USA ISF" into tokens.
func ParseMarkingTokens(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	out := make([]string, 0, len(f))
	for _, t := range f {
		out = append(out, strings.ToUpper(t))
	}
	return out
}
