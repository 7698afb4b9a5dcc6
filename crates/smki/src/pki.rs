//! dccsim's own test PKI: a root CA, an organisation CA and a device CA, and a DS and a KA
//! identity for every organisation and device, all derived deterministically from a seed.

use dcc_model::Eui64;
use der::DateTime;

use crate::certificate::{Certificate, CertificateError, IdentityKind};
use crate::identity::{private_key_der_from_pem_or_der, Identity, PrivateKeyError};
use crate::issue::{issue, CertificateRequest, IssueError, Issuer, Profile};
use crate::oids;
use crate::role::{KeyUsage, RemotePartyRole};

/// The root CA's common name.
pub const ROOT_CA_NAME: &str = "dccsim Root";
/// The organisation CA's common name; DCC Boxed's test organisation CA is also `Z1`, so
/// XML signatures name the issuer `CN=Z1,OU=07` just as DCC Boxed's do.
pub const ORGANISATION_CA_NAME: &str = "Z1";
/// The device CA's common name, the same as the CA of the RTDS device certificates.
pub const DEVICE_CA_NAME: &str = "E357";

/// File stem of the root CA in [`TestPki::files`].
pub const ROOT_CA_FILE_STEM: &str = "root-ca";
/// File stem of the organisation CA in [`TestPki::files`].
pub const ORGANISATION_CA_FILE_STEM: &str = "organisation-ca";
/// File stem of the device CA in [`TestPki::files`].
pub const DEVICE_CA_FILE_STEM: &str = "device-ca";
/// The file holding the seed (decimal), so that devices can still be issued after [`TestPki::from_files`].
pub const SEED_FILE: &str = "seed.txt";

/// One remote party to issue certificates for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationSpec {
    /// The party's 8-byte id.
    pub id: Eui64,
    /// The role written in `OU`.
    pub role: RemotePartyRole,
    /// The subject's common name on the DS certificate (none when empty), like DCC's `GITTESTSUPPLIER`.
    pub name: String,
    /// Which certificates to issue.
    pub usages: Vec<KeyUsage>,
}

impl OrganisationSpec {
    /// A spec with both a DS and a KA certificate.
    pub fn new(id: Eui64, role: RemotePartyRole, name: &str) -> Self {
        Self {
            id,
            role,
            name: name.to_owned(),
            usages: vec![KeyUsage::DigitalSignature, KeyUsage::KeyAgreement],
        }
    }

    /// A spec with only a DS certificate.
    pub fn signing_only(id: Eui64, role: RemotePartyRole, name: &str) -> Self {
        Self {
            id,
            role,
            name: name.to_owned(),
            usages: vec![KeyUsage::DigitalSignature],
        }
    }

    /// The file stem of this party's certificate for `usage`: `<id>-ds` for its main role,
    /// `<id>-xml-sign-ds` for an XML signing role (87, 89), lower-case hex as in the RTDS key store.
    pub fn file_stem(&self, usage: KeyUsage) -> String {
        organisation_file_stem(self.id, self.role, usage)
    }
}

fn organisation_file_stem(id: Eui64, role: RemotePartyRole, usage: KeyUsage) -> String {
    let infix = if role.is_xml_signing() {
        "-xml-sign"
    } else {
        ""
    };
    format!("{}{infix}-{}", id.to_hex_lower(), usage.file_suffix())
}

fn device_file_stem(id: Eui64, usage: KeyUsage) -> String {
    format!("{}-{}", id.to_hex_lower(), usage.file_suffix())
}

/// Why a test PKI could not be made or loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    /// Issuing a certificate failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// A file holds no certificate.
    #[error("{file}: {error}")]
    Certificate {
        file: String,
        error: CertificateError,
    },
    /// A file holds no private key, or one that does not match its certificate.
    #[error("{file}: {error}")]
    PrivateKey {
        file: String,
        error: PrivateKeyError,
    },
    /// A file the layout needs is missing.
    #[error("missing file {0}")]
    MissingFile(String),
    /// The seed file is not a decimal u64.
    #[error("{SEED_FILE} does not hold a decimal seed")]
    BadSeed,
}

/// The test PKI of one dccsim ecosystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestPki {
    seed: u64,
    root_ca: Identity,
    organisation_ca: Identity,
    device_ca: Identity,
    identities: Vec<Identity>,
    /// The devices issued last by [`TestPki::issue_device`], shared by the clones of this PKI.
    recently_issued: RecentlyIssued,
}

/// The DS and KA identities of a device.
type DeviceIdentities = (Identity, Identity);

/// How many devices [`RecentlyIssued`] remembers.
const RECENTLY_ISSUED_CAPACITY: usize = 1024;

/// The devices a PKI (and its clones) issued last, first in first out: the parties of one
/// process that meet a device for the first time (its SMKI repository, its host, a user) ask
/// for it within moments of each other, and issuing costs two key derivations and two RFC 6979
/// signatures. Part of the PKI object its owner holds, not global; no part of its equality.
#[derive(Clone, Default)]
struct RecentlyIssued(std::sync::Arc<std::sync::Mutex<IssuedInOrder>>);

/// The devices issued, and their order.
#[derive(Default)]
struct IssuedInOrder {
    kept: std::collections::HashMap<Eui64, DeviceIdentities>,
    order: std::collections::VecDeque<Eui64>,
}

impl RecentlyIssued {
    fn get(&self, device: Eui64) -> Option<DeviceIdentities> {
        let cache = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.kept.get(&device).cloned()
    }

    fn keep(&self, device: Eui64, identities: &DeviceIdentities) {
        let mut cache = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let IssuedInOrder { kept, order } = &mut *cache;
        if kept.insert(device, identities.clone()).is_none() {
            order.push_back(device);
        }
        while order.len() > RECENTLY_ISSUED_CAPACITY {
            if let Some(oldest) = order.pop_front() {
                kept.remove(&oldest);
            }
        }
    }
}

impl std::fmt::Debug for RecentlyIssued {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RecentlyIssued")
    }
}

impl PartialEq for RecentlyIssued {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for RecentlyIssued {}

/// The organisations every dccsim ecosystem has, as DCC Boxed's test data names them.
pub fn default_organisations() -> Vec<OrganisationSpec> {
    let acb = Eui64::from_u64(0x90B3_D51F_3000_0002);
    let supplier = Eui64::from_u64(0x90B3_D51F_3001_0000);
    let network_operator = Eui64::from_u64(0x90B3_D51F_3002_0000);
    let second_supplier = Eui64::from_u64(0x90B3_D51F_3003_0000);
    let wan_provider = Eui64::from_u64(0x90B3_D51F_3000_0007);
    let recovery = Eui64::from_u64(0x90B3_D51F_3000_0001);
    vec![
        OrganisationSpec::new(acb, RemotePartyRole::ACCESS_CONTROL_BROKER, ""),
        OrganisationSpec::signing_only(acb, RemotePartyRole::DSP_XML_SIGNING, ""),
        OrganisationSpec::new(supplier, RemotePartyRole::SUPPLIER, "GITTESTSUPPLIER"),
        OrganisationSpec::signing_only(supplier, RemotePartyRole::XML_SIGNING, ""),
        OrganisationSpec::new(network_operator, RemotePartyRole::NETWORK_OPERATOR, ""),
        OrganisationSpec::signing_only(network_operator, RemotePartyRole::XML_SIGNING, ""),
        OrganisationSpec::new(
            second_supplier,
            RemotePartyRole::SUPPLIER,
            "GITTESTSUPPLIER2",
        ),
        OrganisationSpec::signing_only(second_supplier, RemotePartyRole::XML_SIGNING, ""),
        OrganisationSpec::new(wan_provider, RemotePartyRole::WAN_PROVIDER, ""),
        OrganisationSpec::signing_only(recovery, RemotePartyRole::RECOVERY, ""),
    ]
}

pub(crate) fn date(
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
) -> Result<DateTime, IssueError> {
    Ok(DateTime::new(year, month, day, hour, minute, second)?)
}

/// Start of validity of every generated certificate: 2020-01-01T00:00:00Z.
pub const NOT_BEFORE_UNIX: i64 = 1_577_836_800;
/// End of validity of generated CA and organisation certificates: 2120-01-01T00:00:00Z.
pub const ORGANISATION_NOT_AFTER_UNIX: i64 = 4_733_510_400;
/// End of validity of generated device certificates, as RTDS's: 9999-12-31T23:59:59Z.
pub const DEVICE_NOT_AFTER_UNIX: i64 = 253_402_300_799;

impl TestPki {
    /// Generates the CAs, then a certificate per usage of each organisation, then a DS and a
    /// KA certificate per device. Same seed and inputs, same bytes.
    pub fn generate(
        seed: u64,
        organisations: &[OrganisationSpec],
        devices: &[Eui64],
    ) -> Result<Self, PkiError> {
        let root_ca = issue_ca(
            seed,
            ROOT_CA_FILE_STEM,
            ROOT_CA_NAME,
            true,
            both_policies(),
            None,
        )?;
        let root_issuer = issuer_of(&root_ca)?;
        let organisation_ca = issue_ca(
            seed,
            ORGANISATION_CA_FILE_STEM,
            ORGANISATION_CA_NAME,
            true,
            vec![oids::ORGANISATION_CERTIFICATE_POLICY],
            Some(&root_issuer),
        )?;
        let device_ca = issue_ca(
            seed,
            DEVICE_CA_FILE_STEM,
            DEVICE_CA_NAME,
            false,
            vec![oids::DEVICE_CERTIFICATE_POLICY],
            Some(&root_issuer),
        )?;
        let mut pki = Self {
            seed,
            root_ca,
            organisation_ca,
            device_ca,
            identities: Vec::new(),
            recently_issued: RecentlyIssued::default(),
        };
        for organisation in organisations {
            for identity in pki.issue_organisation(organisation)? {
                pki.insert(identity);
            }
        }
        for device in devices {
            pki.add_device(*device)?;
        }
        Ok(pki)
    }

    /// The default dccsim parties ([`default_organisations`]) and no devices yet.
    pub fn default_for(seed: u64) -> Result<Self, PkiError> {
        Self::generate(seed, &default_organisations(), &[])
    }

    /// The default parties and the given devices.
    pub fn default_with_devices(seed: u64, devices: &[Eui64]) -> Result<Self, PkiError> {
        Self::generate(seed, &default_organisations(), devices)
    }

    /// The seed everything derives from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The root CA (the trust anchor).
    pub fn root_ca(&self) -> &Identity {
        &self.root_ca
    }

    /// The organisation CA (`CN=Z1,OU=07`).
    pub fn organisation_ca(&self) -> &Identity {
        &self.organisation_ca
    }

    /// The device CA (`CN=E357`, as the RTDS device certificates' issuer).
    pub fn device_ca(&self) -> &Identity {
        &self.device_ca
    }

    /// Every organisation and device identity, in issue order.
    pub fn identities(&self) -> &[Identity] {
        &self.identities
    }

    /// The three CAs and every identity.
    pub fn all_identities(&self) -> Vec<&Identity> {
        [&self.root_ca, &self.organisation_ca, &self.device_ca]
            .into_iter()
            .chain(self.identities.iter())
            .collect()
    }

    /// The identity of `subject` for `usage`, optionally of one `role` (organisations carry
    /// their main role and possibly an XML signing role under the same id).
    pub fn identity(
        &self,
        subject: Eui64,
        usage: KeyUsage,
        role: Option<RemotePartyRole>,
    ) -> Option<&Identity> {
        self.identities.iter().find(|identity| {
            let certificate = &identity.certificate;
            certificate.subject_id() == Some(subject)
                && certificate.key_usage() == Some(usage)
                && role.is_none_or(|role| certificate.role() == Some(role))
                && (role.is_some() || !certificate.role().is_some_and(|role| role.is_xml_signing()))
        })
    }

    /// The DS and KA identities of a device, made deterministically (the same every time, in
    /// every process); the last 1,024 devices issued are remembered, the rest not kept.
    pub fn issue_device(&self, device: Eui64) -> Result<(Identity, Identity), PkiError> {
        if let Some(issued) = self.recently_issued.get(device) {
            return Ok(issued);
        }
        let issued = self.issue_device_afresh(device)?;
        self.recently_issued.keep(device, &issued);
        Ok(issued)
    }

    fn issue_device_afresh(&self, device: Eui64) -> Result<(Identity, Identity), PkiError> {
        let issuer = issuer_of(&self.device_ca)?;
        let signing = self.issue_leaf(
            device_file_stem(device, KeyUsage::DigitalSignature),
            Profile::Device {
                id: device,
                usage: KeyUsage::DigitalSignature,
            },
            &issuer,
        )?;
        let agreement = self.issue_leaf(
            device_file_stem(device, KeyUsage::KeyAgreement),
            Profile::Device {
                id: device,
                usage: KeyUsage::KeyAgreement,
            },
            &issuer,
        )?;
        Ok((signing, agreement))
    }

    /// Issues a device's DS and KA identities and keeps them (replacing any with the same name).
    pub fn add_device(&mut self, device: Eui64) -> Result<(Identity, Identity), PkiError> {
        let (signing, agreement) = self.issue_device_afresh(device)?;
        self.insert(signing.clone());
        self.insert(agreement.clone());
        Ok((signing, agreement))
    }

    /// Issues an organisation's identities and keeps them (replacing any with the same name).
    pub fn add_organisation(
        &mut self,
        organisation: &OrganisationSpec,
    ) -> Result<Vec<Identity>, PkiError> {
        let identities = self.issue_organisation(organisation)?;
        for identity in &identities {
            self.insert(identity.clone());
        }
        Ok(identities)
    }

    /// A later generation of `organisation`'s certificate for `usage` (generation 1 is the one
    /// [`TestPki::generate`] issues): a new key pair derived from the seed and
    /// `<stem>-g<generation>`, issued by the organisation CA with the same profile, and not
    /// kept. What an organisation replaces its trust anchors on a device with (6.15.1).
    pub fn issue_organisation_generation(
        &self,
        organisation: &OrganisationSpec,
        usage: KeyUsage,
        generation: u32,
    ) -> Result<Identity, PkiError> {
        let issuer = issuer_of(&self.organisation_ca)?;
        let common_name = (usage == KeyUsage::DigitalSignature && !organisation.name.is_empty())
            .then(|| organisation.name.clone());
        let profile = Profile::Organisation {
            id: organisation.id,
            role: organisation.role,
            common_name,
            usage,
        };
        let name = match generation {
            0 | 1 => organisation.file_stem(usage),
            later => format!("{}-g{later}", organisation.file_stem(usage)),
        };
        self.issue_leaf(name, profile, &issuer)
    }

    fn issue_organisation(
        &self,
        organisation: &OrganisationSpec,
    ) -> Result<Vec<Identity>, PkiError> {
        organisation
            .usages
            .iter()
            .map(|usage| self.issue_organisation_generation(organisation, *usage, 1))
            .collect()
    }

    fn issue_leaf(
        &self,
        name: String,
        profile: Profile,
        issuer: &Issuer,
    ) -> Result<Identity, PkiError> {
        let not_after = match profile {
            Profile::Device { .. } => date(9999, 12, 31, 23, 59, 59)?,
            _ => date(2120, 1, 1, 0, 0, 0)?,
        };
        let request = CertificateRequest {
            seed: self.seed,
            identity_name: &name,
            ca_common_name: "",
            profile,
            not_before: date(2020, 1, 1, 0, 0, 0)?,
            not_after,
        };
        let issued = issue(&request, Some(issuer))?;
        Ok(Identity {
            name,
            certificate: issued.certificate,
            private_key_pkcs8_der: Some(issued.private_key_pkcs8_der),
        })
    }

    fn insert(&mut self, identity: Identity) {
        match self
            .identities
            .iter_mut()
            .find(|existing| existing.name == identity.name)
        {
            Some(existing) => *existing = identity,
            None => self.identities.push(identity),
        }
    }

    /// The PKI as files, RTDS key store style: `<stem>.pem` certificates and `<stem>.key` PKCS#8
    /// keys for `root-ca`, `organisation-ca`, `device-ca` and every identity
    /// (`90b3d51f30010000-ds`, `90b3d51f30010000-xml-sign-ds`, `00db1234567890a0-ka`, …),
    /// plus `seed.txt`. Sorted by file name.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files = vec![(
            SEED_FILE.to_owned(),
            format!("{}\n", self.seed).into_bytes(),
        )];
        for identity in self.all_identities() {
            files.push((
                format!("{}.pem", identity.name),
                identity.certificate.pem().into_bytes(),
            ));
            if let Some(key) = identity.private_key_pem() {
                files.push((format!("{}.key", identity.name), key.into_bytes()));
            }
        }
        files.sort();
        files
    }

    /// Loads what [`TestPki::files`] wrote.
    pub fn from_files(files: &[(String, Vec<u8>)]) -> Result<Self, PkiError> {
        let seed_text = find_file(files, SEED_FILE)?;
        let seed = std::str::from_utf8(seed_text)
            .ok()
            .and_then(|text| text.trim().parse().ok())
            .ok_or(PkiError::BadSeed)?;
        let root_ca = load_identity(files, ROOT_CA_FILE_STEM)?;
        let organisation_ca = load_identity(files, ORGANISATION_CA_FILE_STEM)?;
        let device_ca = load_identity(files, DEVICE_CA_FILE_STEM)?;
        let mut stems: Vec<&str> = files
            .iter()
            .filter_map(|(name, _)| name.strip_suffix(".pem"))
            .filter(|stem| {
                ![
                    ROOT_CA_FILE_STEM,
                    ORGANISATION_CA_FILE_STEM,
                    DEVICE_CA_FILE_STEM,
                ]
                .contains(stem)
            })
            .collect();
        stems.sort_unstable();
        let identities = stems
            .into_iter()
            .map(|stem| load_identity(files, stem))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            seed,
            root_ca,
            organisation_ca,
            device_ca,
            identities,
            recently_issued: RecentlyIssued::default(),
        })
    }

    /// The PKI as a DCC Boxed `keystore.json` (EUI → usage → decimal serial → certificate,
    /// private key, name, decimal role), so that DCC's own tools can sign as dccsim's parties.
    pub fn dccboxed_keystore_json(&self) -> String {
        crate::keystore::to_dccboxed_keystore_json(
            self.identities
                .iter()
                .filter(|identity| identity.kind() == Some(IdentityKind::Organisation)),
        )
    }
}

fn both_policies() -> Vec<der::asn1::ObjectIdentifier> {
    vec![
        oids::ORGANISATION_CERTIFICATE_POLICY,
        oids::DEVICE_CERTIFICATE_POLICY,
    ]
}

fn issue_ca(
    seed: u64,
    stem: &str,
    common_name: &str,
    issuing_authority_unit: bool,
    policies: Vec<der::asn1::ObjectIdentifier>,
    issuer: Option<&Issuer>,
) -> Result<Identity, PkiError> {
    let request = CertificateRequest {
        seed,
        identity_name: stem,
        ca_common_name: common_name,
        profile: Profile::CertificateAuthority {
            policies,
            issuing_authority_unit,
        },
        not_before: date(2020, 1, 1, 0, 0, 0)?,
        not_after: date(2120, 1, 1, 0, 0, 0)?,
    };
    let issued = issue(&request, issuer)?;
    Ok(Identity {
        name: stem.to_owned(),
        certificate: issued.certificate,
        private_key_pkcs8_der: Some(issued.private_key_pkcs8_der),
    })
}

pub(crate) fn issuer_of(identity: &Identity) -> Result<Issuer, PkiError> {
    let key = identity
        .private_key_pkcs8_der
        .as_deref()
        .ok_or(IssueError::IssuerKey)?;
    Ok(Issuer::from_identity(&identity.certificate, key)?)
}

fn find_file<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> Result<&'a [u8], PkiError> {
    files
        .iter()
        .find(|(file, _)| file == name)
        .map(|(_, bytes)| bytes.as_slice())
        .ok_or_else(|| PkiError::MissingFile(name.to_owned()))
}

fn load_identity(files: &[(String, Vec<u8>)], stem: &str) -> Result<Identity, PkiError> {
    let certificate_file = format!("{stem}.pem");
    let certificate =
        Certificate::from_der_or_pem(find_file(files, &certificate_file)?).map_err(|error| {
            PkiError::Certificate {
                file: certificate_file,
                error,
            }
        })?;
    let key_file = format!("{stem}.key");
    let key =
        match find_file(files, &key_file) {
            Ok(bytes) => Some(private_key_der_from_pem_or_der(bytes).map_err(|error| {
                PkiError::PrivateKey {
                    file: key_file.clone(),
                    error,
                }
            })?),
            Err(_) => None,
        };
    Identity::new(stem, certificate, key).map_err(|error| PkiError::PrivateKey {
        file: key_file,
        error,
    })
}
