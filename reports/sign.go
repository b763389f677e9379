package reports

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SignatureAlgorithm is the only algorithm report signatures use.
const SignatureAlgorithm = "ed25519"

// Signature is an Ed25519 signature of a report.json (run --sign-key). The signed message
// is the report's report_digest, which covers every byte of the document but its own
// value and the signature's value: so the signature covers the whole report. The public
// key is written for the reader's information only; Verify trusts the key it is given,
// never the one in the file (anyone can sign a forged report with a key of their own).
type Signature struct {
	Algorithm string `json:"algorithm"`
	// KeyID is "sha256:<hex>" of the 32-byte public key.
	KeyID string `json:"key_id"`
	// PublicKey is the 32-byte public key, base64 (standard, padded).
	PublicKey string `json:"public_key"`
	// Value is the 64-byte signature of report_digest, base64 (standard, padded).
	Value string `json:"value"`
}

// signatureKey and signatureValueKey locate the signature's value in report.json: it is
// blanked, like report_digest, before the document is hashed.
const (
	signatureKey      = "signature"
	signatureValueKey = "value"
)

// KeyID is "sha256:<hex>" of an Ed25519 public key: how reports and the console name it.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// WriteSignedJSON writes report.json like WriteJSON and signs it with key.
func WriteSignedJSON(w io.Writer, r Run, key ed25519.PrivateKey) error {
	pub, ok := key.Public().(ed25519.PublicKey)
	if !ok || len(key) != ed25519.PrivateKeySize {
		return errors.New("sign: not an Ed25519 private key")
	}
	r.Signature = &Signature{Algorithm: SignatureAlgorithm, KeyID: KeyID(pub),
		PublicKey: base64.StdEncoding.EncodeToString(pub)}
	doc, err := marshalReport(r, func(digest string) string {
		return base64.StdEncoding.EncodeToString(ed25519.Sign(key, []byte(digest)))
	})
	if err != nil {
		return err
	}
	_, err = w.Write(doc)
	return err
}

// CheckSignature checks a report.json's signature against pub, the key the caller trusts.
// It returns nil only when the report carries an Ed25519 signature by pub of a
// report_digest that matches the document.
func CheckSignature(doc []byte, pub ed25519.PublicKey) error {
	run, err := decodeReport(doc)
	if err != nil {
		return err
	}
	if run.Signature == nil {
		return errors.New("the report carries no signature")
	}
	if run.Signature.Algorithm != SignatureAlgorithm {
		return fmt.Errorf("the signature's algorithm is %q, not %s", run.Signature.Algorithm, SignatureAlgorithm)
	}
	if run.Signature.KeyID != KeyID(pub) {
		return fmt.Errorf("the report was signed by key %s, not by the key given (%s)", run.Signature.KeyID, KeyID(pub))
	}
	digest, err := ReportDigest(doc)
	if err != nil {
		return err
	}
	if digest != run.ReportDigest {
		return fmt.Errorf("report_digest %q does not match the document (%s): the file was changed after it was signed", run.ReportDigest, digest)
	}
	sig, err := base64.StdEncoding.DecodeString(run.Signature.Value)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("the signature's value is not a base64 Ed25519 signature")
	}
	if !ed25519.Verify(pub, []byte(digest), sig) {
		return errors.New("the signature does not match the report: it was changed after it was signed, or signed by another key")
	}
	return nil
}

// ParsePrivateKey reads an Ed25519 private key: PEM (PKCS #8 "PRIVATE KEY", as
// `openssl genpkey -algorithm ed25519` writes it), or a raw 32-byte seed, as bytes or as
// hex or base64 text.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		if _, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil || block.Type == "PUBLIC KEY" {
			return nil, fmt.Errorf("this is a public key (PEM %s); signing needs the private key (PEM PRIVATE KEY, as openssl genpkey -algorithm ed25519 writes it); the public key is for casecert verify --public-key", block.Type)
		}
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM %s: %w", block.Type, err)
		}
		priv, ok := key.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("PEM %s holds a %T, not an Ed25519 key", block.Type, key)
		}
		return priv, nil
	}
	seed, ok := raw32(data)
	if !ok {
		return nil, errors.New("not an Ed25519 private key: expected PEM (PKCS #8) or a 32-byte seed (raw, hex or base64)")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ParsePublicKey reads an Ed25519 public key: PEM ("PUBLIC KEY", as `openssl pkey
// -pubout` writes it), or the raw 32 bytes, as bytes or as hex or base64 text.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil || strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("this is a private key (PEM %s); verifying needs the public key (PEM PUBLIC KEY: openssl pkey -in key.pem -pubout); keep the private key to yourself", block.Type)
		}
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM %s: %w", block.Type, err)
		}
		pub, ok := key.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("PEM %s holds a %T, not an Ed25519 key", block.Type, key)
		}
		return pub, nil
	}
	raw, ok := raw32(data)
	if !ok {
		return nil, errors.New("not an Ed25519 public key: expected PEM (PUBLIC KEY) or 32 bytes (raw, hex or base64)")
	}
	return ed25519.PublicKey(raw), nil
}

// raw32 reads 32 bytes given as themselves, or as hex or base64 text.
func raw32(data []byte) ([]byte, bool) {
	if len(data) == 32 {
		return data, true
	}
	text := string(bytes.TrimSpace(data))
	if b, err := hex.DecodeString(text); err == nil && len(b) == 32 {
		return b, true
	}
	if b, err := base64.StdEncoding.DecodeString(text); err == nil && len(b) == 32 {
		return b, true
	}
	return nil, false
}
