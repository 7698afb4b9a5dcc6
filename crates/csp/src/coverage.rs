//! SM WAN coverage (DUIS 12.1 Request WAN Matrix): what a CSP says about an address, from its
//! coverage data: post code areas or outward codes and UPRNs without coverage (with the date
//! coverage is expected, if known); every other address is covered with the region's
//! technology.

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

/// What a CSP serving `regions` says about a covered address: covered, with the technology of
/// the region's SM WAN.
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

/// A CSP's coverage data: where there is no SM WAN.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageData {
    /// Post code areas (`ZE`) or outward codes (`TR21`) with no coverage; any case and spacing.
    pub not_covered_post_codes: Vec<String>,
    pub not_covered_uprns: Vec<String>,
    /// `xs:date` coverage is expected where there is none, if known.
    #[serde(default)]
    pub anticipated_coverage_date: Option<String>,
}

impl CoverageData {
    /// The default data of the CSP of `region`: Shetland (ZE) uncovered in the North, the
    /// Isles of Scilly (TR21 to TR25) in the South, and UPRN 999999999999 nowhere.
    pub fn default_for(region: CspRegion) -> Self {
        let post_codes: &[&str] = match region {
            CspRegion::North => &["ZE"],
            CspRegion::Central | CspRegion::South => &["TR21", "TR22", "TR23", "TR24", "TR25"],
        };
        Self {
            not_covered_post_codes: post_codes.iter().map(|code| (*code).to_owned()).collect(),
            not_covered_uprns: vec!["999999999999".to_owned()],
            anticipated_coverage_date: None,
        }
    }

    /// Whether `address` has SM WAN coverage.
    pub fn covers(&self, address: &Address) -> bool {
        match address {
            Address::Uprn(uprn) => !self
                .not_covered_uprns
                .iter()
                .any(|held| held == uprn.trim()),
            Address::Partial { post_code, .. } => {
                let compact: String = post_code
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_uppercase();
                // The outward code is all but the last three characters (the inward code).
                let outward = &compact[..compact.len().saturating_sub(3).max(compact.len().min(2))];
                let area: String = outward
                    .chars()
                    .take_while(char::is_ascii_alphabetic)
                    .collect();
                !self.not_covered_post_codes.iter().any(|code| {
                    let code = code.to_ascii_uppercase();
                    code == outward || code == area
                })
            }
        }
    }
}

/// What a CSP serving `regions` says about `address` from `data`.
pub fn coverage_at(
    data: &CoverageData,
    regions: &[CspRegion],
    address: &Address,
) -> Vec<RegionCoverage> {
    let covered = data.covers(address);
    default_coverage(regions, address)
        .into_iter()
        .map(|mut answer| {
            if let (false, Some(coverage)) = (covered, answer.coverage.as_mut()) {
                coverage.available = false;
                coverage.anticipated_date = data.anticipated_coverage_date.clone();
                coverage.connectivity_likelihood = ConnectivityLikelihood::Low;
                coverage.additional_information =
                    Some("no SM WAN coverage at this address".to_owned());
            }
            answer
        })
        .collect()
}
