package tak

import (
	"archive/zip"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// CA is the TAK server's certificate authority: it signs the server's own
// certificate and the client certificate of every device. Its files live
// in one directory (the data directory's tak/, or one shared by the
// instances of a deployment).
type CA struct {
	Cert    *x509.Certificate
	key     *rsa.PrivateKey
	certPEM []byte
	dir     string
}

const (
	caCertFile     = "ca.pem"
	caKeyFile      = "ca-key.pem"
	serverCertFile = "server.pem"
	serverKeyFile  = "server-key.pem"
)

// LoadOrCreateCA reads the CA from dir, creating it (and dir) on first use.
// RSA 2048 keys: what every TAK client family accepts.
func LoadOrCreateCA(dir, name string) (*CA, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, caCertFile))
	if errors.Is(err, os.ErrNotExist) {
		return createCA(dir, name)
	}
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, caKeyFile))
	if err != nil {
		return nil, fmt.Errorf("read TAK CA key: %w", err)
	}
	cert, key, err := parsePair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("TAK CA in %s: %w", dir, err)
	}
	return &CA{Cert: cert, key: key, certPEM: certPEM, dir: dir}, nil
}

func createCA(dir, name string) (*CA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: name + " TAK CA", Organization: []string{name}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writePair(dir, caCertFile, caKeyFile, certPEM, key); err != nil {
		return nil, err
	}
	return &CA{Cert: cert, key: key, certPEM: certPEM, dir: dir}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func parsePair(certPEM, keyPEM []byte) (*x509.Certificate, *rsa.PrivateKey, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParsePKCS1PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

func writePair(dir, certFile, keyFile string, certPEM []byte, key *rsa.PrivateKey) error {
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(filepath.Join(dir, keyFile), keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, certFile), certPEM, 0o644)
}

// CertPEM returns the CA certificate.
func (ca *CA) CertPEM() []byte { return ca.certPEM }

// Fingerprint returns the SHA-256 fingerprint of the CA certificate.
func (ca *CA) Fingerprint() string {
	sum := sha256.Sum256(ca.Cert.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// ServerTLS returns the TLS configuration of the TAK listener: the server
// certificate (made on first use for hosts, renewed when they change or it
// nears expiry) and mandatory client certificates signed by this CA.
func (ca *CA) ServerTLS(hosts []string) (*tls.Config, error) {
	certPEM, err := os.ReadFile(filepath.Join(ca.dir, serverCertFile))
	var cert *x509.Certificate
	var key *rsa.PrivateKey
	if err == nil {
		keyPEM, kerr := os.ReadFile(filepath.Join(ca.dir, serverKeyFile))
		if kerr == nil {
			cert, key, err = parsePair(certPEM, keyPEM)
		} else {
			err = kerr
		}
	}
	if err != nil || time.Until(cert.NotAfter) < 30*24*time.Hour || !coversHosts(cert, hosts) {
		if cert, key, certPEM, err = ca.issue(pkix.Name{CommonName: hosts[0]}, hosts, x509.ExtKeyUsageServerAuth, 2*365*24*time.Hour); err != nil {
			return nil, err
		}
		if err := writePair(ca.dir, serverCertFile, serverKeyFile, certPEM, key); err != nil {
			return nil, err
		}
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	pair := tls.Certificate{Certificate: [][]byte{cert.Raw, ca.Cert.Raw}, PrivateKey: key, Leaf: cert}
	return &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func coversHosts(c *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if c.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

// issue signs a new key pair.
func (ca *CA) issue(subject pkix.Name, hosts []string, usage x509.ExtKeyUsage, validity time.Duration) (*x509.Certificate, *rsa.PrivateKey, []byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: subject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(validity),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// ClientCert is a device's certificate and key.
type ClientCert struct {
	Cert    *x509.Certificate
	CertPEM []byte
	KeyPEM  []byte
	key     *rsa.PrivateKey
}

// IssueClient signs a client certificate for a Concord account: the
// common name is the username, the organizational unit its party. The
// server maps it back to the account (CertUser) and refuses it when the
// account is disabled or has moved to another party.
func (ca *CA) IssueClient(username, party string, validity time.Duration) (ClientCert, error) {
	cert, key, certPEM, err := ca.issue(pkix.Name{CommonName: username, OrganizationalUnit: []string{party}}, nil, x509.ExtKeyUsageClientAuth, validity)
	if err != nil {
		return ClientCert{}, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return ClientCert{Cert: cert, CertPEM: certPEM, KeyPEM: keyPEM, key: key}, nil
}

// TLSCertificate returns the client certificate for a Go TLS client.
func (c ClientCert) TLSCertificate() (tls.Certificate, error) {
	return tls.X509KeyPair(c.CertPEM, c.KeyPEM)
}

// PackageOptions describe a TAK data package for one device.
type PackageOptions struct {
	// Host and Port are where the device connects (the TLS listener).
	Host string
	Port int
	// Name labels the connection on the device.
	Name string
	// Password protects the PKCS#12 files inside.
	Password string
}

var prefTemplate = template.Must(template.New("pref").Parse(`<?xml version='1.0' encoding='ASCII' standalone='yes'?>
<preferences>
  <preference version="1" name="cot_streams">
    <entry key="count" class="class java.lang.Integer">1</entry>
    <entry key="description0" class="class java.lang.String">{{.Name}}</entry>
    <entry key="enabled0" class="class java.lang.Boolean">true</entry>
    <entry key="connectString0" class="class java.lang.String">{{.Host}}:{{.Port}}:ssl</entry>
  </preference>
  <preference version="1" name="com.atakmap.app_preferences">
    <entry key="displayServerConnectionWidget" class="class java.lang.Boolean">true</entry>
    <entry key="caLocation" class="class java.lang.String">cert/{{.Trust}}</entry>
    <entry key="caPassword" class="class java.lang.String">{{.Password}}</entry>
    <entry key="clientPassword" class="class java.lang.String">{{.Password}}</entry>
    <entry key="certificateLocation" class="class java.lang.String">cert/{{.Client}}</entry>
  </preference>
</preferences>
`))

var manifestTemplate = template.Must(template.New("manifest").Parse(`<MissionPackageManifest version="2">
  <Configuration>
    <Parameter name="uid" value="{{.UID}}"/>
    <Parameter name="name" value="{{.Name}}"/>
    <Parameter name="onReceiveDelete" value="true"/>
  </Configuration>
  <Contents>
    <Content ignore="false" zipEntry="certs/concord.pref"/>
    <Content ignore="false" zipEntry="certs/{{.Trust}}"/>
    <Content ignore="false" zipEntry="certs/{{.Client}}"/>
  </Contents>
</MissionPackageManifest>
`))

// WritePackage writes a TAK data package (a zip that ATAK, WinTAK and iTAK
// import) holding the connection preferences, the CA as a trust store and
// the device's certificate and key, both as password-protected PKCS#12.
func (ca *CA) WritePackage(w io.Writer, c ClientCert, o PackageOptions) error {
	if o.Password == "" {
		return errors.New("a data package needs a password for its PKCS#12 files")
	}
	client, err := pkcs12.LegacyDES.Encode(c.key, c.Cert, []*x509.Certificate{ca.Cert}, o.Password)
	if err != nil {
		return fmt.Errorf("encode client certificate: %w", err)
	}
	trust, err := pkcs12.LegacyDES.EncodeTrustStore([]*x509.Certificate{ca.Cert}, o.Password)
	if err != nil {
		return fmt.Errorf("encode trust store: %w", err)
	}
	user := c.Cert.Subject.CommonName
	esc := html.EscapeString // its entities are XML's too
	data := map[string]any{"Host": esc(o.Host), "Port": o.Port, "Name": esc(o.Name), "Password": esc(o.Password),
		"Trust": "truststore-concord.p12", "Client": esc(user) + ".p12", "UID": c.Cert.SerialNumber.Text(16)}
	zw := zip.NewWriter(w)
	add := func(name string, fn func(io.Writer) error) error {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		return fn(f)
	}
	bytesOf := func(b []byte) func(io.Writer) error {
		return func(w io.Writer) error { _, err := w.Write(b); return err }
	}
	if err := errors.Join(
		add("MANIFEST/manifest.xml", func(w io.Writer) error { return manifestTemplate.Execute(w, data) }),
		add("certs/concord.pref", func(w io.Writer) error { return prefTemplate.Execute(w, data) }),
		add("certs/truststore-concord.p12", bytesOf(trust)),
		add("certs/"+user+".p12", bytesOf(client)),
	); err != nil {
		return err
	}
	return zw.Close()
}
