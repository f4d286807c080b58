package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"slices"
	"strings"
)

// Security protocols, as Kafka names them.
const (
	Plaintext     = "PLAINTEXT"
	SSL           = "SSL"
	SASLPlaintext = "SASL_PLAINTEXT"
	SASLSSL       = "SASL_SSL"
)

// PropertyError ties an error to the property whose value caused it.
type PropertyError struct {
	Property string
	Err      error
}

func (e *PropertyError) Error() string { return e.Property + ": " + e.Err.Error() }
func (e *PropertyError) Unwrap() error { return e.Err }

// UsesTLS reports whether connections to Kafka are encrypted.
func (s Security) UsesTLS() bool { return s.Protocol == SSL || s.Protocol == SASLSSL }

// UsesSASL reports whether connections to Kafka authenticate with SASL.
func (s Security) UsesSASL() bool { return s.Protocol == SASLPlaintext || s.Protocol == SASLSSL }

// TLSConfig builds the client TLS configuration from the PEM material. It is
// called once during Load so that unreadable files stop the worker early.
func (s Security) TLSConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	caPEM, err := pemFrom(s.TruststoreLocation, s.TruststoreCertificates)
	if err != nil {
		return nil, &PropertyError{"ssl.truststore.location", err}
	}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, &PropertyError{"ssl.truststore.location", errors.New("holds no PEM certificate")}
		}
		cfg.RootCAs = pool
	}
	keyPEM, chainPEM, err := s.keyMaterial()
	if err != nil {
		return nil, err
	}
	if len(keyPEM) > 0 {
		cert, err := tls.X509KeyPair(chainPEM, keyPEM)
		if err != nil {
			return nil, &PropertyError{"ssl.keystore.location", err}
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	// Java's empty ssl.endpoint.identification.algorithm turns off host name
	// checks but still verifies the chain; Go can only skip both, so verify
	// the chain ourselves.
	if s.EndpointIdentification == "" {
		cfg.InsecureSkipVerify = true
		cfg.VerifyPeerCertificate = verifyChainOnly(cfg.RootCAs)
	}
	return cfg, nil
}

// keyMaterial returns the private key and certificate chain, either from
// one PEM file (ssl.keystore.location) or given inline.
func (s Security) keyMaterial() (key, chain []byte, err error) {
	if s.KeystoreLocation != "" {
		all, err := os.ReadFile(s.KeystoreLocation)
		if err != nil {
			return nil, nil, &PropertyError{"ssl.keystore.location", err}
		}
		return all, all, nil
	}
	if (s.KeystoreKey == "") != (s.KeystoreCertChain == "") {
		return nil, nil, &PropertyError{"ssl.keystore.key", errors.New("goes with ssl.keystore.certificate.chain: give both or neither")}
	}
	return []byte(s.KeystoreKey), []byte(s.KeystoreCertChain), nil
}

func pemFrom(file, inline string) ([]byte, error) {
	if file != "" {
		return os.ReadFile(file)
	}
	return []byte(inline), nil
}

func verifyChainOnly(roots *x509.CertPool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("tls: broker sent no certificate")
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, der := range raw {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return err
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}

var saslMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER", "AWS_MSK_IAM"}

// Login modules each mechanism takes in sasl.jaas.config; PLAIN and SCRAM
// only read username and password and take any.
const (
	oauthLoginModule = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
	iamLoginModule   = "software.amazon.msk.auth.iam.IAMLoginModule"
	iamClientHandler = "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
)

func (v *validator) security(s *Security, sc *Sidecar) {
	s.Protocol = strings.ToUpper(strings.TrimSpace(s.Protocol))
	switch s.Protocol {
	case Plaintext, SSL, SASLPlaintext, SASLSSL:
	default:
		v.bad("security.protocol", "is %q", s.Protocol)
		return
	}
	if s.UsesTLS() {
		for prop, typ := range map[string]string{"ssl.truststore.type": s.TruststoreType, "ssl.keystore.type": s.KeystoreType} {
			if !strings.EqualFold(typ, "PEM") {
				v.bad(prop, "is %q; only PEM is read (convert a JKS or PKCS12 store with keytool and openssl)", typ)
			}
		}
		if s.KeyPassword != "" {
			v.bad("ssl.key.password", "is set; encrypted keys are not read, give an unencrypted PKCS#8 key from a secret instead")
		}
		var pe *PropertyError
		if _, err := s.TLSConfig(); errors.As(err, &pe) {
			v.bad(pe.Property, "cannot be used: %v", pe.Err)
		}
	}
	if !s.UsesSASL() {
		return
	}
	s.SASLMechanism = strings.ToUpper(strings.TrimSpace(s.SASLMechanism))
	if !slices.Contains(saslMechanisms, s.SASLMechanism) {
		v.bad("sasl.mechanism", "is %q; supported are %s", s.SASLMechanism, strings.Join(saslMechanisms, ", "))
		return
	}
	jaas, err := ParseJAAS(s.SASLJAASConfig)
	if err != nil {
		v.bad("sasl.jaas.config", "is not a JAAS login line: it %v", err)
		return
	}
	if h := s.SASLClientCallbackHandlerClass; h != "" && (h != iamClientHandler || s.SASLMechanism != "AWS_MSK_IAM") {
		v.bad("sasl.client.callback.handler.class", "is %q, a class this worker does not have; leave it empty", h)
	}
	if h := s.OAuthBearer.LoginCallbackHandlerClass; h != "" && (!slices.Contains(oauthLoginHandlers, h) || s.SASLMechanism != "OAUTHBEARER") {
		v.bad("sasl.login.callback.handler.class", "is %q, a class this worker does not have; with OAUTHBEARER use %s, or leave it empty", h, oauthLoginHandlers[0])
	}
	switch s.SASLMechanism {
	case "OAUTHBEARER":
		v.oauthBearer(s, jaas, sc)
	case "AWS_MSK_IAM":
		v.awsIAM(s, jaas)
	default:
		v.userPassword(s, jaas, sc)
	}
}

// userPassword fills the PLAIN and SCRAM credentials; the SIDECAR_SASL_*
// settings win over sasl.jaas.config.
func (v *validator) userPassword(s *Security, jaas JAAS, sc *Sidecar) {
	s.SASLUsername, s.SASLPassword = jaas.Options["username"], jaas.Options["password"]
	if sc.SASLUsername != "" {
		s.SASLUsername = sc.SASLUsername
	}
	if p := sidecarPassword(sc); p != "" {
		s.SASLPassword = p
	}
	if s.SASLUsername == "" || s.SASLPassword == "" {
		v.errs = append(v.errs, &SettingError{
			Setting: "SIDECAR_SASL_USERNAME and SIDECAR_SASL_PASSWORD",
			Problem: "are required with security.protocol " + s.Protocol,
			Doc:     "SASL credentials, from the environment, a file (SIDECAR_SASL_PASSWORD_FILE) or " + EnvName("sasl.jaas.config"),
		})
	}
}

// sidecarPassword is SIDECAR_SASL_PASSWORD, else the file's content.
func sidecarPassword(sc *Sidecar) string {
	if sc.SASLPassword != "" {
		return sc.SASLPassword
	}
	return strings.TrimRight(sc.SASLPasswordFile, "\r\n")
}
