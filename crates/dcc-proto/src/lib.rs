//! The gRPC contracts between dccsim's parties, generated from `proto/` and committed (the
//! `bootstrap` test regenerates and diffs them), plus the transport that lets one client type
//! reach a service in the same process or over the network.
#![forbid(unsafe_code)]
#![allow(missing_debug_implementations)]

pub mod transport;

#[allow(clippy::all, rust_2018_idioms, missing_docs)]
pub mod wan {
    include!("generated/dccsim.wan.v1.rs");
}
#[allow(clippy::all, rust_2018_idioms, missing_docs)]
pub mod smwan {
    include!("generated/dccsim.smwan.v1.rs");
}
#[allow(clippy::all, rust_2018_idioms, missing_docs)]
pub mod han {
    include!("generated/dccsim.han.v1.rs");
}
#[allow(clippy::all, rust_2018_idioms, missing_docs)]
pub mod smki {
    include!("generated/dccsim.smki.v1.rs");
}
#[allow(clippy::all, rust_2018_idioms, missing_docs)]
pub mod registration {
    include!("generated/dccsim.registration.v1.rs");
}
