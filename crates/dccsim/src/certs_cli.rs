//! `dccsim certs show | csr | issue`: reading a party's or device's certificates, making a
//! PKCS#10 CSR for a key the user brings (or a fresh one), and issuing from the seed's test PKI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use dcc_model::Eui64;
use smki::{
    Certificate, CertificateKind, CertificateSigningRequest, CsrSubject, CsrSubmission,
    IdentityKind, KeyUsage, RemotePartyRole, Requester, TestPki,
};

/// `dccsim certs show`.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// An organisation id or device EUI-64 (`90B3D51F30010000`, `90-B3-D5-1F-30-01-00-00`), or a
    /// file stem such as `root-ca` or `device-ca`.
    id: String,
    /// The folder of PEM certificates (what `dccsim certs init` wrote).
    #[arg(long, default_value = "certs")]
    certs: PathBuf,
}

/// `dccsim certs csr`.
#[derive(Debug, clap::Args)]
pub struct CsrArgs {
    /// The organisation id or device EUI-64 the certificate is for.
    #[arg(long)]
    id: String,
    /// `device`, or the organisation's remote-party role: two hex digits (`02`) or a name
    /// (supplier, network-operator, access-control-broker, wan-provider, xml-signing, …).
    #[arg(long)]
    role: String,
    /// The key usage.
    #[arg(long, value_enum)]
    usage: UsageArg,
    /// The P-256 private key (PKCS#8, PEM or DER). Without it a new key is made and written
    /// beside the CSR (`--out` with the extension `.key`).
    #[arg(long)]
    key: Option<PathBuf>,
    /// The subject's common name (organisations only).
    #[arg(long)]
    common_name: Option<String>,
    /// Where to write the CSR (PEM).
    #[arg(long)]
    out: PathBuf,
}

/// `dccsim certs issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// The CSR (PKCS#10, PEM or DER).
    #[arg(long)]
    csr: PathBuf,
    /// The seed of the test PKI whose organisation or device CA issues.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the certificate (PEM).
    #[arg(long)]
    out: PathBuf,
}

/// A key usage on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum UsageArg {
    /// Digital signature.
    Ds,
    /// Key agreement.
    Ka,
}

impl From<UsageArg> for KeyUsage {
    fn from(usage: UsageArg) -> Self {
        match usage {
            UsageArg::Ds => Self::DigitalSignature,
            UsageArg::Ka => Self::KeyAgreement,
        }
    }
}

/// Role names the command line accepts, beside two hex digits.
const ROLE_NAMES: &[(&str, RemotePartyRole)] = &[
    ("recovery", RemotePartyRole::RECOVERY),
    ("supplier", RemotePartyRole::SUPPLIER),
    ("network-operator", RemotePartyRole::NETWORK_OPERATOR),
    (
        "access-control-broker",
        RemotePartyRole::ACCESS_CONTROL_BROKER,
    ),
    ("acb", RemotePartyRole::ACCESS_CONTROL_BROKER),
    (
        "transitional-change-of-supplier",
        RemotePartyRole::TRANSITIONAL_CHANGE_OF_SUPPLIER,
    ),
    ("wan-provider", RemotePartyRole::WAN_PROVIDER),
    ("load-controller", RemotePartyRole::LOAD_CONTROLLER),
    ("other-user", RemotePartyRole::OTHER_USER),
    ("xml-signing", RemotePartyRole::XML_SIGNING),
    ("dsp-xml-signing", RemotePartyRole::DSP_XML_SIGNING),
];

/// Prints every certificate of `id` in the folder.
pub fn show(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let certificates = read_certificates(&args.certs)?;
    let wanted: Option<Eui64> = args.id.parse().ok();
    let matching: Vec<&(String, Certificate)> = certificates
        .iter()
        .filter(|(file, certificate)| match wanted {
            Some(id) => certificate.subject_id() == Some(id),
            None => file.strip_suffix(".pem") == Some(args.id.as_str()),
        })
        .collect();
    if matching.is_empty() {
        bail!(
            "no certificate of {:?} among the {} in {} (give an organisation id, a device EUI-64 or a file stem such as root-ca)",
            args.id,
            certificates.len(),
            args.certs.display()
        );
    }
    for (file, certificate) in matching {
        print!("{}", describe(file, certificate));
    }
    Ok(ExitCode::SUCCESS)
}

/// Every certificate of the folder's `.pem` files, by file name.
fn read_certificates(folder: &Path) -> anyhow::Result<Vec<(String, Certificate)>> {
    let entries = std::fs::read_dir(folder).with_context(|| {
        format!(
            "cannot read {} (write the test PKI there with `dccsim certs init --out {}`)",
            folder.display(),
            folder.display()
        )
    })?;
    let mut certificates = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", folder.display()))?
            .path();
        let Some(file) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if !file.ends_with(".pem") {
            continue;
        }
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        match Certificate::from_der_or_pem(&bytes) {
            Ok(certificate) => certificates.push((file.to_owned(), certificate)),
            Err(error) => eprintln!("dccsim: skipping {}: {error}", path.display()),
        }
    }
    certificates.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(certificates)
}

/// A certificate as lines of `name  value`.
fn describe(file: &str, certificate: &Certificate) -> String {
    let mut lines = vec![file.to_owned()];
    let mut field = |name: &str, value: String| lines.push(format!("  {name:<12}{value}"));
    field("kind", kind_name(certificate.kind()).to_owned());
    field("subject", or_empty(certificate.subject_name_rfc2253()));
    if let Some(id) = certificate.subject_id() {
        field("subject id", id.to_string());
    }
    if let Some(role) = certificate.role() {
        field("role", role_text(role));
    }
    if let Some(usage) = certificate.key_usage() {
        field("usage", format!("{usage} ({})", usage.keystore_name()));
    }
    if certificate.is_ca() {
        field("usage", "keyCertSign, cRLSign (CA)".to_owned());
    }
    field(
        "serial",
        format!(
            "{} (hex {})",
            certificate.serial_decimal(),
            certificate.serial_hex()
        ),
    );
    field("issuer", certificate.issuer_name_rfc2253());
    field(
        "validity",
        format!(
            "{} to {}",
            utc(certificate.not_before()),
            utc(certificate.not_after())
        ),
    );
    field(
        "key",
        format!("P-256 {}", hex::encode(certificate.public_key_sec1())),
    );
    if let Some(identifier) = certificate.subject_key_identifier() {
        field("key id", hex::encode(identifier));
    }
    if let Some(identifier) = certificate.authority_key_identifier() {
        field("issuer key", hex::encode(identifier));
    }
    let policies: Vec<String> = certificate
        .policy_oids()
        .iter()
        .map(ToString::to_string)
        .collect();
    field("policies", policies.join(", "));
    lines.push(String::new());
    lines.join("\n") + "\n"
}

fn kind_name(kind: Option<IdentityKind>) -> &'static str {
    match kind {
        Some(IdentityKind::RootCa) => "root CA",
        Some(IdentityKind::OrganisationCa) => "organisation CA",
        Some(IdentityKind::DeviceCa) => "device CA",
        Some(IdentityKind::Organisation) => "organisation",
        Some(IdentityKind::Device) => "device",
        None => "not an SMKI certificate",
    }
}

fn role_text(role: RemotePartyRole) -> String {
    match role.name() {
        Some(name) => format!("{role} ({name})"),
        None => role.to_string(),
    }
}

fn or_empty(text: String) -> String {
    if text.is_empty() {
        "(empty)".to_owned()
    } else {
        text
    }
}

/// Unix seconds as `2020-01-01T00:00:00Z`.
fn utc(unix_seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|time| {
            time.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{unix_seconds} (unix seconds)"))
}

/// Writes a CSR for the given subject and key (made when not given).
pub fn csr(args: &CsrArgs) -> anyhow::Result<ExitCode> {
    let id: Eui64 = args
        .id
        .parse()
        .with_context(|| format!("--id {:?} is not an 8-byte id", args.id))?;
    let subject = csr_subject(id, &args.role, args.common_name.as_deref())?;
    let (key, new_key_path) = match &args.key {
        Some(path) => (read_private_key(path)?, None),
        None => (new_private_key()?, Some(args.out.with_extension("key"))),
    };
    let der = smki::build_csr(&subject, args.usage.into(), &key)
        .map_err(|error| anyhow::anyhow!("cannot make the CSR: {error}"))?;
    if let Some(path) = &new_key_path {
        if path.exists() {
            bail!(
                "{} exists: pass it with --key, or choose another --out",
                path.display()
            );
        }
        write(path, smki::private_key_pem(&key).as_bytes())?;
        println!("wrote a new P-256 private key to {}", path.display());
    }
    write(&args.out, smki::csr_pem(&der).as_bytes())?;
    println!(
        "wrote a {} CSR for {id} to {}",
        KeyUsage::from(args.usage),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn csr_subject(id: Eui64, role: &str, common_name: Option<&str>) -> anyhow::Result<CsrSubject> {
    if role.eq_ignore_ascii_case("device") {
        if common_name.is_some() {
            bail!("--common-name is for organisations; device certificates have an empty subject");
        }
        return Ok(CsrSubject::Device { id });
    }
    Ok(CsrSubject::Organisation {
        id,
        role: parse_role(role)?,
        common_name: common_name.map(str::to_owned),
    })
}

fn parse_role(text: &str) -> anyhow::Result<RemotePartyRole> {
    let lower = text.trim().to_ascii_lowercase();
    if let Some((_, role)) = ROLE_NAMES.iter().find(|(name, _)| *name == lower) {
        return Ok(*role);
    }
    if let Some(role) = RemotePartyRole::from_hex(text.trim()) {
        return Ok(role);
    }
    let names: Vec<&str> = ROLE_NAMES.iter().map(|(name, _)| *name).collect();
    bail!(
        "--role {text:?} is neither `device`, two hex digits (02) nor one of {}",
        names.join(", ")
    )
}

fn read_private_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    smki::private_key_der_from_pem_or_der(&bytes)
        .map_err(|error| anyhow::anyhow!("{}: {error} (a P-256 PKCS#8 key)", path.display()))
}

/// A fresh P-256 key as PKCS#8 DER, from the operating system's randomness.
fn new_private_key() -> anyhow::Result<Vec<u8>> {
    let random = ring::rand::SystemRandom::new();
    let document = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &random,
    )
    .map_err(|_| anyhow::anyhow!("cannot make a new P-256 key"))?;
    Ok(document.as_ref().to_vec())
}

/// Issues a certificate for the CSR from the seed's test PKI, as its operator.
pub fn issue(args: &IssueArgs) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&args.csr).with_context(|| format!("cannot read {}", args.csr.display()))?;
    let request = CertificateSigningRequest::from_der_or_pem(&bytes)
        .map_err(|error| anyhow::anyhow!("{}: {error}", args.csr.display()))?;
    let pki = TestPki::generate(args.seed, &[], &[])
        .map_err(|error| anyhow::anyhow!("cannot make the test PKI: {error}"))?;
    let submission = CsrSubmission {
        csr: request.der().to_vec(),
        kind: None,
        usage: None,
    };
    let certificate = pki
        .issue_from_csr(&submission, &Requester::Operator)
        .map_err(|error| anyhow::anyhow!("{}: refused: {error}", args.csr.display()))?;
    write(&args.out, certificate.pem().as_bytes())?;
    let kind = match request.inferred_kind() {
        CertificateKind::Organisation => "organisation",
        CertificateKind::Device => "device",
    };
    println!(
        "issued {kind} certificate {} for {} ({}) from the seed {} test PKI to {}",
        certificate.serial_decimal(),
        certificate
            .subject_id()
            .map(|id| id.to_string())
            .unwrap_or_default(),
        request.usage(),
        args.seed,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
