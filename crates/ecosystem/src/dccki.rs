//! DCCKI: the TLS certificates with which parties in separate processes authenticate each
//! other over mutual TLS. `dccsim up --processes` makes a CA and one leaf per party (and one
//! for tools) in its run folder; each process loads its own.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// The name of the leaf that test tools and the supervisor use as a client.
pub const TOOLS: &str = "tools";

#[derive(Debug, thiserror::Error)]
pub enum DcckiError {
    #[error("cannot make DCCKI certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One party's TLS material: the DCCKI CA it trusts and its own certificate and key.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    pub ca_pem: String,
    pub certificate_pem: String,
    pub key_pem: String,
}

fn write(path: PathBuf, text: &str) -> Result<(), DcckiError> {
    std::fs::write(&path, text).map_err(|source| DcckiError::Io {
        action: "write",
        path,
        source,
    })
}

fn read(path: PathBuf) -> Result<String, DcckiError> {
    std::fs::read_to_string(&path).map_err(|source| DcckiError::Io {
        action: "read",
        path,
        source,
    })
}

/// Makes a DCCKI CA and a leaf for each of `names` in `directory` (`ca.pem`, `<name>.pem`,
/// `<name>.key`). Leaves name `localhost` and `127.0.0.1` and serve as server and client.
pub fn generate(directory: &Path, names: &[&str]) -> Result<(), DcckiError> {
    std::fs::create_dir_all(directory).map_err(|source| DcckiError::Io {
        action: "create",
        path: directory.to_owned(),
        source,
    })?;
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "dccsim DCCKI CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_certificate = ca_params.self_signed(&ca_key)?;
    write(directory.join("ca.pem"), &ca_certificate.pem())?;
    let issuer = Issuer::new(ca_params, ca_key);
    for name in names {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        params.distinguished_name.push(DnType::CommonName, *name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let certificate = params.signed_by(&key, &issuer)?;
        write(directory.join(format!("{name}.pem")), &certificate.pem())?;
        write(directory.join(format!("{name}.key")), &key.serialize_pem())?;
    }
    Ok(())
}

/// Loads `name`'s material from a folder made by [`generate`].
pub fn load(directory: &Path, name: &str) -> Result<TlsMaterial, DcckiError> {
    Ok(TlsMaterial {
        ca_pem: read(directory.join("ca.pem"))?,
        certificate_pem: read(directory.join(format!("{name}.pem")))?,
        key_pem: read(directory.join(format!("{name}.key")))?,
    })
}

impl TlsMaterial {
    pub fn server_config(&self) -> tonic::transport::ServerTlsConfig {
        tonic::transport::ServerTlsConfig::new()
            .identity(tonic::transport::Identity::from_pem(
                &self.certificate_pem,
                &self.key_pem,
            ))
            .client_ca_root(tonic::transport::Certificate::from_pem(&self.ca_pem))
    }

    pub fn client_config(&self) -> tonic::transport::ClientTlsConfig {
        tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(&self.ca_pem))
            .identity(tonic::transport::Identity::from_pem(
                &self.certificate_pem,
                &self.key_pem,
            ))
            .domain_name("localhost")
    }
}
