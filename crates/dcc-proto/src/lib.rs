//! The gRPC contracts between dccsim's parties, generated from `proto/` and committed (the
//! `bootstrap` test regenerates and diffs them), plus the transport that lets one client type
//! reach a service in the same process or over the network.
#![forbid(unsafe_code)]
#![allow(missing_debug_implementations)]

pub mod convert;
pub mod device_actions;
pub mod link;
pub mod outbox;
pub mod service;
pub mod transport;

/// The generated code, nested as its proto packages are (`dccsim.wan.v1`), since the code
/// of one package refers to another's by relative path.
#[allow(clippy::all, rust_2018_idioms, missing_docs)]
pub mod dccsim {
    pub mod wan {
        pub mod v1 {
            include!("generated/dccsim.wan.v1.rs");
        }
    }
    pub mod smwan {
        pub mod v1 {
            include!("generated/dccsim.smwan.v1.rs");
        }
    }
    pub mod han {
        pub mod v1 {
            include!("generated/dccsim.han.v1.rs");
        }
    }
    pub mod smki {
        pub mod v1 {
            include!("generated/dccsim.smki.v1.rs");
        }
    }
    pub mod registration {
        pub mod v1 {
            include!("generated/dccsim.registration.v1.rs");
        }
    }
    pub mod device {
        pub mod v1 {
            include!("generated/dccsim.device.v1.rs");
        }
    }
}

pub use dccsim::device::v1 as device_control;
pub use dccsim::han::v1 as han;
pub use dccsim::registration::v1 as registration;
pub use dccsim::smki::v1 as smki;
pub use dccsim::smwan::v1 as smwan;
pub use dccsim::wan::v1 as wan;
