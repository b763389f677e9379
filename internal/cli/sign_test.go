package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A report signed with run --sign-key verifies with verify --public-key; the same report
// with a status flipped and its digest recomputed still passes the digest checks (which
// the console says prove integrity, not origin) but fails the signature check.
func TestSignedReportVerifiesAndTamperedOneFails(t *testing.T) {
	t.Parallel()
	keys := t.TempDir()
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	seedFile := filepath.Join(keys, "seed.hex")
	require.NoError(t, os.WriteFile(seedFile, []byte(hex.EncodeToString(key.Seed())+"\n"), 0o600))
	pkix, err := x509.MarshalPKIXPublicKey(key.Public())
	require.NoError(t, err)
	pubFile := filepath.Join(keys, "public.pem")
	require.NoError(t, os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}), 0o644))
	otherPub := filepath.Join(keys, "other.hex")
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{8}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	require.NoError(t, os.WriteFile(otherPub, []byte(hex.EncodeToString(other)), 0o644))

	dir := t.TempDir()
	env, stdout, stderr := testEnv(t, "run", "--tags", "@PATCH-NULL,@VER-DEFAULT", "--seed", "5", "--report-dir", dir, "--format", "json,md", "--sign-key", seedFile)
	require.Contains(t, []ExitCode{ExitConformant, ExitIncomplete}, Main(env), stdout.String()+stderr.String())
	assert.Contains(t, stdout.String(), "signed: report.json with Ed25519 key sha256:")
	path := filepath.Join(dir, "report.json")

	verify := func(args ...string) (ExitCode, string) {
		env, stdout, stderr := testEnv(t, append([]string{"verify"}, args...)...)
		code := Main(env)
		return code, stdout.String() + stderr.String()
	}
	code, out := verify("--public-key", pubFile, path)
	assert.Equal(t, ExitConformant, code, out)
	assert.Contains(t, out, "ok   signature by the key given")
	assert.Contains(t, out, "unchanged since the holder of the private key")

	code, out = verify(path, "--public-key", otherPub)
	assert.Equal(t, ExitNonConformant, code, out)
	assert.Contains(t, out, "not by the key given")

	// Without a key: verified, and the console says what that does and does not prove.
	code, out = verify(path)
	assert.Equal(t, ExitConformant, code, out)
	assert.Contains(t, out, "says it is signed by key sha256:")
	assert.Contains(t, out, "A digest proves integrity,\n  not origin")

	// An edit no consistency check can see (the seed), with the digest recomputed: the
	// digest checks pass, the signature does not. (reports.TestSignedReportVerifiesAnd
	// TamperingFails flips statuses, counts and verdict consistently.)
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	forged := redigestReport(t, bytes.Replace(doc, []byte(`"seed": 5,`), []byte(`"seed": 6,`), 1))
	require.NotEqual(t, doc, forged)
	forgedPath := filepath.Join(t.TempDir(), "report.json")
	require.NoError(t, os.WriteFile(forgedPath, forged, 0o644))
	code, out = verify(forgedPath)
	assert.Equal(t, ExitConformant, code, "a recomputed digest passes the digest check: %s", out)
	code, out = verify("--public-key", pubFile, forgedPath)
	assert.Equal(t, ExitNonConformant, code, out)
	assert.Contains(t, out, "FAIL signature by the key given")
	assert.Contains(t, out, "NOT VERIFIED")

	// An unsigned report fails when a signature is expected.
	plain := t.TempDir()
	env, stdout, stderr = testEnv(t, "run", "--tags", "@VER-DEFAULT", "--seed", "5", "--report-dir", plain, "--format", "json")
	require.Contains(t, []ExitCode{ExitConformant, ExitIncomplete}, Main(env), stdout.String()+stderr.String())
	code, out = verify("--public-key", pubFile, filepath.Join(plain, "report.json"))
	assert.Equal(t, ExitNonConformant, code, out)
	assert.Contains(t, out, "carries no signature")

	// A key that cannot be read, or no format to sign: usage errors before any request.
	bad := filepath.Join(keys, "bad")
	require.NoError(t, os.WriteFile(bad, []byte("nope"), 0o600))
	env, _, stderr = testEnv(t, "run", "--sign-key", bad)
	assert.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stderr.String(), "not an Ed25519 private key")
	env, _, stderr = testEnv(t, "run", "--sign-key", seedFile, "--format", "md")
	assert.Equal(t, ExitUsage, Main(env))
	assert.Contains(t, stderr.String(), "add json to --format")
}
