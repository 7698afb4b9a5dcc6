//! What a device is made of: its id and type, its key material, the trust anchors it holds and
//! the state it starts in.

use std::collections::BTreeMap;

use dcc_model::{DeviceType, Eui64, DCC_ACCESS_CONTROL_BROKER};
use gbcs::use_case::cs02b::{CellKeyUsage, RemotePartyRole as CellRole, TrustAnchorCell};
use smki::{Certificate, Identity, KeyUsage, RemotePartyRole, TestPki};

use crate::anchors::{management_cell, AnchorError};
use crate::state::DeviceState;

/// The test supplier of DCC Boxed's data (import and gas).
pub const TEST_SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
/// The test network operator of DCC Boxed's data.
pub const TEST_NETWORK_OPERATOR: Eui64 = Eui64::from_u64(0x90B3_D51F_3002_0000);
/// The second test supplier of DCC Boxed's data.
pub const TEST_SECOND_SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3003_0000);

/// One device: identity, key material, trust anchors and starting state.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    pub device_id: Eui64,
    /// ESME or GSME for a meter; CHF or GPF for a Comms Hub function; PPMID.
    pub device_type: DeviceType,
    /// The device's digital-signature identity, with its private key.
    pub digital_signature: Identity,
    /// The device's key-agreement identity, with its private key.
    pub key_agreement: Identity,
    pub trust_anchors: TrustAnchorCertificates,
    /// The state the device starts in.
    pub state: DeviceState,
}

/// The remote parties' certificates a device holds: one per trust anchor cell it has (its
/// Device Security Credentials), and the KA certificates of other parties it answers.
#[derive(Debug, Clone, Default)]
pub struct TrustAnchorCertificates {
    pub cells: BTreeMap<TrustAnchorCell, Certificate>,
    /// KA certificates of remote parties the device answers without holding them in a cell
    /// (response MACs and encrypted blocks are keyed by device KA × party KA). Each names its
    /// party in `x500UniqueIdentifier`.
    pub remote_party_key_agreement: Vec<Certificate>,
}

impl TrustAnchorCertificates {
    /// The same anchors with `certificate` in `cell`.
    pub fn with_cell(mut self, cell: TrustAnchorCell, certificate: Certificate) -> Self {
        self.cells.insert(cell, certificate);
        self
    }

    /// The same anchors with `certificate` in the management cell of `role` for its usage.
    pub fn with_management(
        self,
        role: RemotePartyRole,
        usage: KeyUsage,
        certificate: Certificate,
    ) -> Self {
        self.with_cell(
            management_cell(CellRole(role.0), cell_usage(usage)),
            certificate,
        )
    }

    /// The same anchors, also answering the party of this KA certificate.
    pub fn with_remote_party(mut self, certificate: Certificate) -> Self {
        if !self.remote_party_key_agreement.contains(&certificate) {
            self.remote_party_key_agreement.push(certificate);
        }
        self
    }

    /// The certificate in the management cell of `role` for `usage`.
    pub fn management(&self, role: RemotePartyRole, usage: KeyUsage) -> Option<&Certificate> {
        self.cells
            .get(&management_cell(CellRole(role.0), cell_usage(usage)))
    }

    /// The anchors of a device in a dccsim test PKI: the ACB's DS and KA certificates,
    /// `supplier`'s and `network_operator`'s DS and KA certificates (the supplier's KA also in
    /// the prepayment top-up cell: a test PKI has no separate prepayment key), and the KA certificates of both default
    /// suppliers and the default network operator (as present in `pki`).
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
        let acb = DCC_ACCESS_CONTROL_BROKER;
        let mut anchors = Self::default()
            .with_management(
                RemotePartyRole::ACCESS_CONTROL_BROKER,
                KeyUsage::KeyAgreement,
                certificate(
                    acb,
                    KeyUsage::KeyAgreement,
                    RemotePartyRole::ACCESS_CONTROL_BROKER,
                )?,
            )
            .with_management(
                RemotePartyRole::SUPPLIER,
                KeyUsage::DigitalSignature,
                certificate(
                    supplier,
                    KeyUsage::DigitalSignature,
                    RemotePartyRole::SUPPLIER,
                )?,
            )
            .with_management(
                RemotePartyRole::NETWORK_OPERATOR,
                KeyUsage::DigitalSignature,
                certificate(
                    network_operator,
                    KeyUsage::DigitalSignature,
                    RemotePartyRole::NETWORK_OPERATOR,
                )?,
            );
        let optional = [
            (
                acb,
                RemotePartyRole::ACCESS_CONTROL_BROKER,
                KeyUsage::DigitalSignature,
            ),
            (supplier, RemotePartyRole::SUPPLIER, KeyUsage::KeyAgreement),
            (
                network_operator,
                RemotePartyRole::NETWORK_OPERATOR,
                KeyUsage::KeyAgreement,
            ),
        ];
        for (party, role, usage) in optional {
            if let Ok(found) = certificate(party, usage, role) {
                anchors = anchors.with_management(role, usage, found);
            }
        }
        // A test PKI issues no separate prepayment top-up key: the supplier keys its UTRNs
        // with its KA key, which the prepayment cell then holds.
        if let Ok(found) = certificate(supplier, KeyUsage::KeyAgreement, RemotePartyRole::SUPPLIER)
        {
            anchors = anchors.with_cell(crate::anchors::SUPPLIER_PREPAYMENT_TOP_UP, found);
        }
        for party in [
            acb,
            supplier,
            network_operator,
            TEST_SUPPLIER,
            TEST_SECOND_SUPPLIER,
            TEST_NETWORK_OPERATOR,
        ] {
            if let Some(identity) = pki.identity(party, KeyUsage::KeyAgreement, None) {
                anchors = anchors.with_remote_party(identity.certificate.clone());
            }
        }
        Ok(anchors)
    }
}

/// The cell key usage of an SMKI key usage.
pub fn cell_usage(usage: KeyUsage) -> CellKeyUsage {
    match usage {
        KeyUsage::DigitalSignature => CellKeyUsage::DigitalSignature,
        KeyUsage::KeyAgreement => CellKeyUsage::KeyAgreement,
    }
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
    #[error("device {device}: {error}")]
    Anchor { device: Eui64, error: AnchorError },
    #[error("device {device}: the {what} certificate names no party id")]
    CertificateWithoutPartyId { device: Eui64, what: String },
    #[error("the test PKI has no {usage} certificate for {party}")]
    MissingFromTestPki { party: Eui64, usage: KeyUsage },
    #[error("the test PKI could not issue certificates for device {device}: {reason}")]
    TestPki { device: Eui64, reason: String },
    #[error("device {0} is configured twice")]
    Duplicate(Eui64),
}

impl DeviceConfig {
    /// A device of a dccsim test PKI: its DS and KA identities (kept in `pki`, or issued
    /// deterministically from its seed) and the anchors of [`TrustAnchorCertificates::from_test_pki`]
    /// for the default test supplier and network operator.
    pub fn from_test_pki(
        pki: &TestPki,
        device_id: Eui64,
        device_type: DeviceType,
        state: DeviceState,
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
