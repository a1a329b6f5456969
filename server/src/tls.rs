//! TLS for a desk on the town hall's network: the certificate the server
//! presents, loaded from `--tls-cert`/`--tls-key` or, without them, a
//! self-signed one generated on first start and kept, so that its
//! fingerprint stays the one the desk PCs were told to check.
//!
//! Why in the server at all: the session cookie is `Secure`, and browsers
//! drop `Secure` cookies from plain-HTTP origins other than localhost, so a
//! desk PC reaching `urne serve --listen 0.0.0.0:…` over the local network
//! could not log in. The accept loop ([`crate::serve`]) tells a TLS
//! handshake from plain HTTP by the first byte and redirects the latter.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

/// File names of the kept self-signed certificate, in `--tls-dir`.
pub const SELF_SIGNED_CERT: &str = "urne-cert.pem";
pub const SELF_SIGNED_KEY: &str = "urne-key.pem";

/// Whether the server speaks TLS (`--tls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TlsMode {
    /// TLS when a certificate is given or the address is not loopback.
    Auto,
    On,
    /// Plain HTTP, e.g. behind a reverse proxy that terminates TLS.
    Off,
}

impl TlsMode {
    /// Whether to serve TLS on `listen` with these options. On loopback the
    /// browser accepts `Secure` cookies over plain HTTP, so `auto` keeps it
    /// plain there (the demo, a kiosk, an nginx on the same machine).
    pub fn wanted(self, listen: SocketAddr, cert_given: bool) -> bool {
        match self {
            TlsMode::On => true,
            TlsMode::Off => false,
            TlsMode::Auto => cert_given || !listen.ip().is_loopback(),
        }
    }
}

/// Where the certificate comes from.
#[derive(Debug, Clone)]
pub enum CertSource {
    Files {
        cert: PathBuf,
        key: PathBuf,
    },
    /// The self-signed certificate kept in this folder, made if missing for
    /// these names (host names and addresses).
    SelfSigned {
        dir: PathBuf,
        names: Vec<String>,
    },
}

/// What the accept loop needs, and what the desk shows.
#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    /// SHA-256 of the certificate (DER), as `AB:CD:…`, the form browsers
    /// show in their certificate viewer.
    pub fingerprint: String,
    /// Whether this is the generated self-signed certificate.
    pub self_signed: bool,
    /// The certificate file in use (printed at start).
    pub cert_path: PathBuf,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("fingerprint", &self.fingerprint)
            .field("self_signed", &self.self_signed)
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

impl Tls {
    pub fn load(source: &CertSource) -> anyhow::Result<Tls> {
        let (cert_path, key_path, self_signed) = match source {
            CertSource::Files { cert, key } => (cert.clone(), key.clone(), false),
            CertSource::SelfSigned { dir, names } => {
                let (cert, key) = keep_self_signed(dir, names)?;
                (cert, key, true)
            }
        };
        let certs = CertificateDer::pem_file_iter(&cert_path)
            .with_context(|| format!("TLS certificate {}", cert_path.display()))?
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("TLS certificate {}: not PEM", cert_path.display()))?;
        let Some(first) = certs.first() else {
            anyhow::bail!(
                "TLS certificate {}: no certificate in it",
                cert_path.display()
            );
        };
        let fingerprint = fingerprint(first);
        let key = PrivateKeyDer::from_pem_file(&key_path)
            .with_context(|| format!("TLS key {}: no PEM private key", key_path.display()))?;
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .with_context(|| {
            format!(
                "TLS: the key {} does not go with the certificate {}",
                key_path.display(),
                cert_path.display()
            )
        })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            fingerprint,
            self_signed,
            cert_path,
        })
    }
}

/// `AB:CD:…` of the SHA-256 of a certificate.
pub fn fingerprint(cert: &[u8]) -> String {
    let digest = Sha256::digest(cert);
    let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

/// The kept self-signed certificate and key in `dir`, generated first if
/// either is missing. The key file is readable by its owner only.
fn keep_self_signed(dir: &Path, names: &[String]) -> anyhow::Result<(PathBuf, PathBuf)> {
    let cert = dir.join(SELF_SIGNED_CERT);
    let key = dir.join(SELF_SIGNED_KEY);
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("TLS folder {}: cannot create it", dir.display()))?;
    let mut params = rcgen::CertificateParams::new(names.to_vec())
        .context("self-signed certificate: bad host name")?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Urne (certificat auto-signé)");
    let pair = rcgen::KeyPair::generate().context("self-signed certificate: key")?;
    let made = params
        .self_signed(&pair)
        .context("self-signed certificate")?;
    write_private(&key, pair.serialize_pem().as_bytes())?;
    std::fs::write(&cert, made.pem())
        .with_context(|| format!("TLS certificate {}: cannot write it", cert.display()))?;
    Ok((cert, key))
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("TLS key {}: cannot write it", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("TLS key {}: cannot write it", path.display()))
}

/// Names for a generated certificate: the listening address when it is a
/// specific one, this machine's host name, and localhost.
pub fn default_names(listen: SocketAddr) -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !listen.ip().is_unspecified() && !listen.ip().is_loopback() {
        names.push(listen.ip().to_string());
    }
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() && host != "localhost" {
            names.push(host.to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_plain_on_loopback_only() {
        let lo: SocketAddr = "127.0.0.1:8080".parse().expect("addr");
        let any: SocketAddr = "0.0.0.0:8080".parse().expect("addr");
        assert!(!TlsMode::Auto.wanted(lo, false));
        assert!(TlsMode::Auto.wanted(lo, true));
        assert!(TlsMode::Auto.wanted(any, false));
        assert!(!TlsMode::Off.wanted(any, true));
        assert!(TlsMode::On.wanted(lo, false));
    }

    #[test]
    fn the_self_signed_certificate_is_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let source = CertSource::SelfSigned {
            dir: dir.path().to_path_buf(),
            names: default_names("10.1.2.3:8443".parse().expect("addr")),
        };
        let first = Tls::load(&source).expect("generated");
        let again = Tls::load(&source).expect("kept");
        assert_eq!(first.fingerprint, again.fingerprint);
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        assert!(first.self_signed);
        let mode = std::fs::metadata(dir.path().join(SELF_SIGNED_KEY))
            .expect("key")
            .permissions();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.mode() & 0o777, 0o600);
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let a = tempfile::tempdir().expect("dir");
        let b = tempfile::tempdir().expect("dir");
        for d in [&a, &b] {
            Tls::load(&CertSource::SelfSigned {
                dir: d.path().to_path_buf(),
                names: vec!["localhost".into()],
            })
            .expect("generated");
        }
        let err = Tls::load(&CertSource::Files {
            cert: a.path().join(SELF_SIGNED_CERT),
            key: b.path().join(SELF_SIGNED_KEY),
        })
        .expect_err("mismatched pair");
        assert!(format!("{err:#}").contains("does not go with"), "{err:#}");
    }
}
