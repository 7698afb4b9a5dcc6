//! SM WAN coverage (DUIS 12.1 Request WAN Matrix): what a CSP says about an address. Until the
//! CSPs hold coverage data of their own, each answers that its regions cover every address
//! with its usual technology.

use dcc_model::{CspRegion, ResponseCode};

/// The address a user asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Uprn(String),
    Partial {
        post_code: String,
        address_identifier: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectivityLikelihood {
    High,
    Medium,
    Low,
}

impl ConnectivityLikelihood {
    pub fn as_str(&self) -> &'static str {
        match self {
            ConnectivityLikelihood::High => "High",
            ConnectivityLikelihood::Medium => "Medium",
            ConnectivityLikelihood::Low => "Low",
        }
    }
}

/// The coverage detail of one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub available: bool,
    /// `xs:date` when coverage is expected, if not available now.
    pub anticipated_date: Option<String>,
    /// Up to 30 characters, e.g. `Cellular`.
    pub wan_technology: String,
    pub connectivity_likelihood: ConnectivityLikelihood,
    pub auxiliary_equipment_required: Option<String>,
    pub additional_information: Option<String>,
}

/// One region's answer: a response code, and the coverage when the CSP could tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionCoverage {
    pub region: CspRegion,
    pub response_code: ResponseCode,
    pub coverage: Option<Coverage>,
}

/// What a CSP serving `regions` says about `address` while it has no coverage data: covered,
/// with the technology of the region's SM WAN.
pub fn default_coverage(regions: &[CspRegion], _address: &Address) -> Vec<RegionCoverage> {
    regions
        .iter()
        .map(|region| RegionCoverage {
            region: *region,
            response_code: ResponseCode::Success,
            coverage: Some(Coverage {
                available: true,
                anticipated_date: None,
                wan_technology: match region {
                    CspRegion::North => "Long Range Radio",
                    CspRegion::Central | CspRegion::South => "Cellular",
                }
                .to_owned(),
                connectivity_likelihood: ConnectivityLikelihood::High,
                auxiliary_equipment_required: None,
                additional_information: None,
            }),
        })
        .collect()
}
