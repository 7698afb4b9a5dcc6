//! What a device is made of: its id and type, its key material, the trust anchors it holds,
//! its registers, and the date-time it is told.

use dcc_model::{DeviceType, Eui64, DCC_ACCESS_CONTROL_BROKER};
use smki::{Certificate, Identity, KeyUsage, RemotePartyRole, TestPki};

/// The test supplier of DCC Boxed's data (import and gas).
pub const TEST_SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
/// The test network operator of DCC Boxed's data.
pub const TEST_NETWORK_OPERATOR: Eui64 = Eui64::from_u64(0x90B3_D51F_3002_0000);
/// The second test supplier of DCC Boxed's data.
pub const TEST_SECOND_SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3003_0000);

/// One device: identity, key material, trust anchors and initial registers.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    pub device_id: Eui64,
    /// ESME or GSME for a meter; CHF or GPF for a Comms Hub function.
    pub device_type: DeviceType,
    /// The device's digital-signature identity, with its private key.
    pub digital_signature: Identity,
    /// The device's key-agreement identity, with its private key.
    pub key_agreement: Identity,
    pub trust_anchors: TrustAnchorCertificates,
    /// The registers and switches the device starts with.
    pub state: MeterState,
}

/// The remote parties' certificates a device holds (its Device Security Credentials and the
/// key-agreement certificates of the parties it answers).
#[derive(Debug, Clone)]
pub struct TrustAnchorCertificates {
    /// The ACB's KA certificate: every command's MAC is keyed by ACB KA × device KA.
    pub access_control_broker_key_agreement: Certificate,
    /// The supplier's DS certificate: critical supplier commands must verify against it.
    pub supplier_digital_signature: Option<Certificate>,
    /// The network operator's DS certificate: critical network operator commands verify against it.
    pub network_operator_digital_signature: Option<Certificate>,
    /// KA certificates of the remote parties the device answers (response MACs and
    /// encrypted blocks are keyed by device KA × party KA). Each names its party in `x500UniqueIdentifier`.
    pub remote_party_key_agreement: Vec<Certificate>,
}

/// Why a device cannot be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceConfigError {
    #[error("device {device}: the {usage} identity has no private key")]
    MissingPrivateKey { device: Eui64, usage: KeyUsage },
    #[error("device {device}: {what} is not a usable P-256 key: {reason}")]
    BadKey {
        device: Eui64,
        what: String,
        reason: String,
    },
    #[error("device {device}: the {what} certificate names no party id")]
    CertificateWithoutPartyId { device: Eui64, what: String },
    #[error("the test PKI has no {usage} certificate for {party}")]
    MissingFromTestPki { party: Eui64, usage: KeyUsage },
    #[error("the test PKI could not issue certificates for device {device}: {reason}")]
    TestPki { device: Eui64, reason: String },
    #[error("device {0} is configured twice")]
    Duplicate(Eui64),
}

/// Whether the ESME's load switch lets electricity through.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum SupplyState {
    #[default]
    Enabled,
    Disabled,
    /// Ready to be enabled by the consumer.
    Armed,
}

/// A device's registers and switches: what its use cases read and change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MeterState {
    /// ESME active import register (Wh).
    pub active_import_wh: u32,
    /// ESME reactive import register (varh).
    pub reactive_import_varh: u32,
    /// GSME current summation delivered, in units of `gas_unit_of_measure` / `gas_divisor`.
    pub gas_current_summation_delivered: u64,
    /// ZCL unit of measure of the gas register (0x01: m³).
    pub gas_unit_of_measure: u8,
    pub gas_multiplier: u32,
    pub gas_divisor: u32,
    /// GSME block tariff counters 1–4.
    pub gas_block_counters: [u64; 4],
    pub supply: SupplyState,
    /// The active firmware version octets (ECS52).
    pub firmware_version: Vec<u8>,
}

impl Default for MeterState {
    fn default() -> Self {
        Self {
            active_import_wh: 10,
            reactive_import_varh: 10,
            gas_current_summation_delivered: 123_456,
            gas_unit_of_measure: 0x01,
            gas_multiplier: 1,
            gas_divisor: 1000,
            gas_block_counters: [0; 4],
            supply: SupplyState::Enabled,
            firmware_version: vec![0x01, 0x23, 0xAB, 0xCD],
        }
    }
}

/// A calendar date-time as a device tells it (UTC), injected by whoever runs the device.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct DeviceDateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl DeviceDateTime {
    /// The COSEM date-time of a response's grouping header: year, month, day, day of week
    /// not specified (`FF`), hour, minute, second, hundredths `00`, deviation not specified
    /// (`8000`), clock status `FF` — the form of the reference responses.
    pub fn cosem(&self) -> [u8; 12] {
        let [year_high, year_low] = self.year.to_be_bytes();
        [
            year_high,
            year_low,
            self.month,
            self.day,
            0xFF,
            self.hour,
            self.minute,
            self.second,
            0x00,
            0x80,
            0x00,
            0xFF,
        ]
    }

    /// The date-time of a UTC instant.
    pub fn from_offset_date_time(instant: time::OffsetDateTime) -> Self {
        let utc = instant.to_offset(time::UtcOffset::UTC);
        Self {
            year: u16::try_from(utc.year()).unwrap_or(0),
            month: u8::from(utc.month()),
            day: utc.day(),
            hour: utc.hour(),
            minute: utc.minute(),
            second: utc.second(),
        }
    }
}

/// Where a hosting service takes the date-time it tells its devices from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceClock {
    /// The system clock (UTC).
    #[default]
    System,
    /// Always the same date-time (tests, reproducible runs).
    Fixed(DeviceDateTime),
}

impl DeviceClock {
    /// The current date-time by this clock.
    pub fn now(&self) -> DeviceDateTime {
        match self {
            Self::System => DeviceDateTime::from_offset_date_time(time::OffsetDateTime::now_utc()),
            Self::Fixed(date_time) => *date_time,
        }
    }
}

impl TrustAnchorCertificates {
    /// The anchors of a device in a dccsim test PKI: the ACB's KA certificate, `supplier`'s and
    /// `network_operator`'s DS certificates, and the KA certificates of the ACB, both
    /// default suppliers and the network operator (as present in `pki`).
    pub fn from_test_pki(
        pki: &TestPki,
        supplier: Eui64,
        network_operator: Eui64,
    ) -> Result<Self, DeviceConfigError> {
        let certificate = |party: Eui64, usage: KeyUsage, role: RemotePartyRole| {
            pki.identity(party, usage, Some(role))
                .map(|identity| identity.certificate.clone())
                .ok_or(DeviceConfigError::MissingFromTestPki { party, usage })
        };
        let access_control_broker_key_agreement = certificate(
            DCC_ACCESS_CONTROL_BROKER,
            KeyUsage::KeyAgreement,
            RemotePartyRole::ACCESS_CONTROL_BROKER,
        )?;
        let remote_party_key_agreement = [
            DCC_ACCESS_CONTROL_BROKER,
            supplier,
            network_operator,
            TEST_SUPPLIER,
            TEST_SECOND_SUPPLIER,
            TEST_NETWORK_OPERATOR,
        ]
        .iter()
        .filter_map(|party| pki.identity(*party, KeyUsage::KeyAgreement, None))
        .map(|identity| identity.certificate.clone())
        .fold(Vec::<Certificate>::new(), |mut unique, certificate| {
            if !unique.contains(&certificate) {
                unique.push(certificate);
            }
            unique
        });
        Ok(Self {
            access_control_broker_key_agreement,
            supplier_digital_signature: Some(certificate(
                supplier,
                KeyUsage::DigitalSignature,
                RemotePartyRole::SUPPLIER,
            )?),
            network_operator_digital_signature: Some(certificate(
                network_operator,
                KeyUsage::DigitalSignature,
                RemotePartyRole::NETWORK_OPERATOR,
            )?),
            remote_party_key_agreement,
        })
    }
}

impl DeviceConfig {
    /// A device of a dccsim test PKI: its DS and KA identities (kept in `pki`, or issued
    /// deterministically from its seed) and the anchors of [`TrustAnchorCertificates::from_test_pki`]
    /// for the default test supplier and network operator.
    pub fn from_test_pki(
        pki: &TestPki,
        device_id: Eui64,
        device_type: DeviceType,
        state: MeterState,
    ) -> Result<Self, DeviceConfigError> {
        let (digital_signature, key_agreement) = device_identities(pki, device_id)?;
        Ok(Self {
            device_id,
            device_type,
            digital_signature,
            key_agreement,
            trust_anchors: TrustAnchorCertificates::from_test_pki(
                pki,
                TEST_SUPPLIER,
                TEST_NETWORK_OPERATOR,
            )?,
            state,
        })
    }
}

fn device_identities(
    pki: &TestPki,
    device: Eui64,
) -> Result<(Identity, Identity), DeviceConfigError> {
    let kept = (
        pki.identity(device, KeyUsage::DigitalSignature, None),
        pki.identity(device, KeyUsage::KeyAgreement, None),
    );
    if let (Some(signing), Some(agreement)) = kept {
        return Ok((signing.clone(), agreement.clone()));
    }
    pki.issue_device(device)
        .map_err(|error| DeviceConfigError::TestPki {
            device,
            reason: error.to_string(),
        })
}
