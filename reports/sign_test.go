package reports

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testKey(seedByte byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seedByte}, ed25519.SeedSize))
}

func signed(t *testing.T, r Run, key ed25519.PrivateKey) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, WriteSignedJSON(&buf, r, key))
	return buf.Bytes()
}

// A signed report verifies with its key and with no other; an edit with the digest
// recomputed (which the digest alone cannot catch) breaks the signature.
func TestSignedReportVerifiesAndTamperingFails(t *testing.T) {
	key := testKey(1)
	pub := key.Public().(ed25519.PublicKey)
	doc := signed(t, mixedRun(), key)

	res, err := Verify(doc, fixtureSuite)
	require.NoError(t, err)
	assert.True(t, res.OK(), res.Problems)
	assert.Equal(t, KeyID(pub), res.SignedBy)
	require.NoError(t, CheckSignature(doc, pub))

	other := testKey(2).Public().(ed25519.PublicKey)
	assert.ErrorContains(t, CheckSignature(doc, other), "not by the key given")

	// Flip the failed must scenario, judge again (requirements, summary, verdict and its
	// reason all follow), keep the original signature block and recompute the digest:
	// every consistency check passes, only the signature does not.
	orig, err := decodeReport(doc)
	require.NoError(t, err)
	flipped := mixedRun()
	for i := range flipped.Scenarios {
		if flipped.Scenarios[i].Status == StatusFailed && flipped.Scenarios[i].Level == LevelMust {
			flipped.Scenarios[i].Status, flipped.Scenarios[i].Error, flipped.Scenarios[i].FailedStep = StatusPassed, "", ""
		}
	}
	Judge(&flipped, fixtureCatalog)
	require.NotEqual(t, orig.Verdict, flipped.Verdict)
	flipped.Signature = orig.Signature
	forged, err := marshalReport(flipped, nil)
	require.NoError(t, err)
	res, err = Verify(forged, fixtureSuite)
	require.NoError(t, err)
	require.True(t, res.OK(), "the forgery is consistent: a digest alone proves nothing about origin: %v", res.Problems)
	assert.ErrorContains(t, CheckSignature(forged, pub), "signature does not match")

	// Re-signing the forgery with another key does not help: the key is the caller's.
	forgedRun, err := decodeReport(forged)
	require.NoError(t, err)
	resigned := signed(t, forgedRun, testKey(3))
	assert.Error(t, CheckSignature(resigned, pub))

	// Dropping the signature: nothing to check against the key.
	unsigned := render(t, WriteJSON, mixedRun())
	assert.ErrorContains(t, CheckSignature(unsigned, pub), "carries no signature")

	// The signature's own value is outside the digest, but changing it breaks the check.
	sigValue := forgedRun.Signature
	require.NotNil(t, sigValue)
	broken, err := setSignatureValue(doc, base64.StdEncoding.EncodeToString(make([]byte, ed25519.SignatureSize)))
	require.NoError(t, err)
	assert.ErrorContains(t, CheckSignature(broken, pub), "signature does not match")
}

func TestParseKeys(t *testing.T) {
	key := testKey(7)
	pub := key.Public().(ed25519.PublicKey)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	seed := key.Seed()
	for name, data := range map[string][]byte{
		"pem":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"raw":    seed,
		"hex":    []byte(hex.EncodeToString(seed) + "\n"),
		"base64": []byte(base64.StdEncoding.EncodeToString(seed)),
	} {
		got, err := ParsePrivateKey(data)
		require.NoError(t, err, name)
		assert.Equal(t, key, got, name)
	}
	for name, data := range map[string][]byte{
		"pem": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}),
		"raw": pub,
		"hex": []byte(hex.EncodeToString(pub)),
	} {
		got, err := ParsePublicKey(data)
		require.NoError(t, err, name)
		assert.Equal(t, pub, got, name)
	}
	// Issue 17 item 16: the wrong half of a key pair is named as such, not as an ASN.1 error.
	_, err = ParsePrivateKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}))
	assert.ErrorContains(t, err, "this is a public key (PEM PUBLIC KEY); signing needs the private key")
	assert.NotContains(t, err.Error(), "asn1")
	_, err = ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
	assert.ErrorContains(t, err, "this is a private key (PEM PRIVATE KEY); verifying needs the public key")
	_, err = ParsePrivateKey([]byte("not a key"))
	assert.ErrorContains(t, err, "not an Ed25519 private key")
	_, err = ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2}}))
	assert.Error(t, err)
}

// setSignatureValue replaces the raw value of signature.value with a JSON string.
func setSignatureValue(doc []byte, value string) ([]byte, error) {
	return setString(doc, true, value, signatureKey, signatureValueKey)
}
