//! Trust anchors: the remote parties' keys a device holds, one per trust anchor cell (root,
//! recovery, supplier, network operator, ACB, WAN provider, transitional change of supplier,
//! load controller; digital signature or key agreement; management or prepayment top-up),
//! and the key-agreement keys of the other remote parties it answers.

use std::collections::BTreeMap;

use dcc_model::Eui64;
use gbcs::catalogue::Signer;
use gbcs::crypto::{KeyAgreementPublicKey, VerifyingKey};
use gbcs::use_case::cs02b::{CellKeyUsage, CellUsage, RemotePartyRole, TrustAnchorCell};
use smki::Certificate;

/// The key a trust anchor cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorKey {
    DigitalSignature(VerifyingKey),
    KeyAgreement(KeyAgreementPublicKey),
}

/// What one trust anchor cell holds: the party, its key and (when the device was given one)
/// the certificate the key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    pub party: Eui64,
    pub key: AnchorKey,
    pub certificate: Option<Certificate>,
}

impl TrustAnchor {
    /// The anchor of a certificate: its party (`x500UniqueIdentifier`) and its key read for
    /// the cell's key usage.
    pub fn from_certificate(
        cell: TrustAnchorCell,
        certificate: &Certificate,
    ) -> Result<Self, AnchorError> {
        let party = certificate
            .subject_id()
            .ok_or(AnchorError::NoPartyId(cell))?;
        let sec1 = certificate.public_key_sec1();
        let key = match cell.key_usage {
            // The root's cell (keyCertSign) holds a key that verifies signatures too.
            CellKeyUsage::DigitalSignature | CellKeyUsage::KeyCertSign => {
                AnchorKey::DigitalSignature(
                    VerifyingKey::from_sec1(&sec1).map_err(|_| AnchorError::BadKey(cell))?,
                )
            }
            CellKeyUsage::KeyAgreement => AnchorKey::KeyAgreement(
                KeyAgreementPublicKey::from_sec1(&sec1).map_err(|_| AnchorError::BadKey(cell))?,
            ),
        };
        Ok(Self {
            party,
            key,
            certificate: Some(certificate.clone()),
        })
    }
}

/// Why a certificate cannot go into a trust anchor cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    #[error("the certificate for cell {} names no party id", cell_name(*.0))]
    NoPartyId(TrustAnchorCell),
    #[error("the certificate for cell {} has no usable P-256 key", cell_name(*.0))]
    BadKey(TrustAnchorCell),
}

/// A cell's readable name, e.g. `supplier digital signature`.
pub fn cell_name(cell: TrustAnchorCell) -> String {
    let role = role_name(cell.role);
    let usage = match cell.key_usage {
        CellKeyUsage::DigitalSignature => "digital signature",
        CellKeyUsage::KeyAgreement => "key agreement",
        CellKeyUsage::KeyCertSign => "certificate signing",
    };
    match cell.cell_usage {
        CellUsage::Management => format!("{role} {usage}"),
        CellUsage::PrepaymentTopUp => format!("{role} prepayment top-up {usage}"),
    }
}

/// The name of a remote-party role as GBCS numbers it.
pub fn role_name(role: RemotePartyRole) -> &'static str {
    match role.0 {
        0 => "root",
        1 => "recovery",
        2 => "supplier",
        3 => "network operator",
        4 => "access control broker",
        5 => "transitional change of supplier",
        6 => "WAN provider",
        7 => "issuing authority",
        8 => "load controller",
        _ => "other",
    }
}

/// The remote-party role whose digital-signature cell authorises a signer of the catalogue.
pub fn signer_role(signer: Signer) -> RemotePartyRole {
    RemotePartyRole(match signer {
        Signer::Root => 0,
        Signer::Recovery => 1,
        Signer::Supplier => 2,
        Signer::NetworkOperator => 3,
        Signer::AccessControlBroker => 4,
        Signer::TransitionalChangeOfSupplier => 5,
        Signer::WanProvider => 6,
        Signer::LoadController => 8,
    })
}

/// A management cell of `role` for `key_usage`.
pub fn management_cell(role: RemotePartyRole, key_usage: CellKeyUsage) -> TrustAnchorCell {
    TrustAnchorCell::management(role, key_usage)
}

/// The supplier's prepayment top-up key-agreement cell (UTRNs are keyed by it).
pub const SUPPLIER_PREPAYMENT_TOP_UP: TrustAnchorCell = TrustAnchorCell {
    role: RemotePartyRole::SUPPLIER,
    key_usage: CellKeyUsage::KeyAgreement,
    cell_usage: CellUsage::PrepaymentTopUp,
};

/// The keys a device holds for the remote parties it deals with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnchors {
    cells: BTreeMap<TrustAnchorCell, TrustAnchor>,
    /// Key-agreement keys of remote parties the device answers that hold no cell (other users).
    remote_party_key_agreement: BTreeMap<Eui64, KeyAgreementPublicKey>,
}

impl TrustAnchors {
    /// No anchors at all.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts `anchor` into `cell`, replacing what it held.
    pub fn set(&mut self, cell: TrustAnchorCell, anchor: TrustAnchor) {
        self.cells.insert(cell, anchor);
    }

    /// Adds the KA key of a remote party the device answers without holding it in a cell.
    pub fn add_remote_party(&mut self, party: Eui64, key: KeyAgreementPublicKey) {
        self.remote_party_key_agreement.insert(party, key);
    }

    /// Empties every cell of `role` (a device whose anchors for the role were never placed).
    pub fn clear_role(&mut self, role: RemotePartyRole) {
        self.cells.retain(|cell, _| cell.role != role);
    }

    /// What a cell holds.
    pub fn cell(&self, cell: TrustAnchorCell) -> Option<&TrustAnchor> {
        self.cells.get(&cell)
    }

    /// Every filled cell, in cell order.
    pub fn cells(&self) -> impl Iterator<Item = (TrustAnchorCell, &TrustAnchor)> {
        self.cells.iter().map(|(cell, anchor)| (*cell, anchor))
    }

    /// The DS key of `party` if it holds the management DS cell of `role`.
    pub fn signing_key(&self, role: RemotePartyRole, party: Eui64) -> Option<&VerifyingKey> {
        let anchor = self.cell(management_cell(role, CellKeyUsage::DigitalSignature))?;
        match &anchor.key {
            AnchorKey::DigitalSignature(key) if anchor.party == party => Some(key),
            _ => None,
        }
    }

    /// The party holding the management DS cell of `role`.
    pub fn signing_party(&self, role: RemotePartyRole) -> Option<Eui64> {
        self.cell(management_cell(role, CellKeyUsage::DigitalSignature))
            .map(|anchor| anchor.party)
    }

    /// The KA key of `party`: from a management KA cell it holds, else from the other remote
    /// parties the device knows.
    pub fn key_agreement(&self, party: Eui64) -> Option<&KeyAgreementPublicKey> {
        let from_cell =
            self.cells
                .iter()
                .find_map(|(cell, anchor)| match (&anchor.key, cell.cell_usage) {
                    (AnchorKey::KeyAgreement(key), CellUsage::Management)
                        if anchor.party == party =>
                    {
                        Some(key)
                    }
                    _ => None,
                });
        from_cell.or_else(|| self.remote_party_key_agreement.get(&party))
    }

    /// Every party whose KA key the device knows.
    pub fn key_agreement_parties(&self) -> Vec<Eui64> {
        let mut parties: Vec<Eui64> = self
            .cells
            .values()
            .filter(|anchor| matches!(anchor.key, AnchorKey::KeyAgreement(_)))
            .map(|anchor| anchor.party)
            .chain(self.remote_party_key_agreement.keys().copied())
            .collect();
        parties.sort();
        parties.dedup();
        parties
    }
}
