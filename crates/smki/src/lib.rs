//! The SMKI layer of dccsim: its deterministic test PKI, DCC's published test identities, a
//! certificate store with the lookups the parties need, issuance from PKCS#10 CSRs, and the DCC
//! Boxed SMKI repository XML.
#![forbid(unsafe_code)]

mod certificate;
mod csr;
mod identity;
mod issue;
mod keystore;
pub mod oids;
mod pki;
pub mod repository;
mod role;
mod store;

pub use certificate::{normalise_rfc2253, Certificate, CertificateError, IdentityKind};
pub use csr::{
    build_csr, check_request, csr_pem, CertificateKind, CertificateSigningRequest, CsrError,
    CsrSubject, CsrSubmission, Requester, CSR_PEM_LABEL, MAX_COMMON_NAME_LENGTH,
};
pub use identity::{private_key_der_from_pem_or_der, private_key_pem, Identity, PrivateKeyError};
pub use issue::IssueError;
pub use keystore::{
    load_dccboxed_keystore, load_rtds_keystore, to_dccboxed_keystore_json, KeystoreError,
};
pub use pki::{
    default_organisations, OrganisationSpec, PkiError, TestPki, DEVICE_CA_FILE_STEM,
    DEVICE_CA_NAME, DEVICE_NOT_AFTER_UNIX, NOT_BEFORE_UNIX, ORGANISATION_CA_FILE_STEM,
    ORGANISATION_CA_NAME, ORGANISATION_NOT_AFTER_UNIX, ROOT_CA_FILE_STEM, ROOT_CA_NAME, SEED_FILE,
};
pub use role::{KeyUsage, RemotePartyRole};
pub use store::{
    verify_signature, CertificateStatus, CertificateStore, PathError, MAX_PATH_LENGTH,
};
