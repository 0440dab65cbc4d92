// Package password hashes and checks account passwords with argon2id
// (RFC 9106) through github.com/alexedwards/argon2id, which encodes the
// parameters with each hash so that they can be raised later without
// invalidating old hashes.
//
// It imports no other Concord package.
package password

import (
	"runtime"

	"github.com/alexedwards/argon2id"
)

// params follow RFC 9106's second recommended option scaled to a small
// server: 64 MiB, 1 pass, up to 2 lanes. A login costs about 50 ms.
var params = &argon2id.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: uint8(min(2, runtime.NumCPU())), SaltLength: 16, KeyLength: 32}

// Hash returns the encoded argon2id hash of pw.
func Hash(pw string) (string, error) { return argon2id.CreateHash(pw, params) }

// Check reports whether pw matches the encoded hash, in constant time.
func Check(pw, hash string) (bool, error) { return argon2id.ComparePasswordAndHash(pw, hash) }

// dummy is a real hash of a random string. Checking an unknown user's
// password against it costs the same as checking a real one, so timing does
// not tell which usernames exist.
var dummy, _ = Hash("concord-dummy-password-for-timing")

// CheckUnknown spends the time of a real check and returns false.
func CheckUnknown(pw string) bool {
	_, _ = Check(pw, dummy)
	return false
}
