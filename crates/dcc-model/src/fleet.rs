//! The identities of dccsim's default fleet: the test organisations and the devices of DCC
//! Boxed's RTDS templates (North), with a second Comms Hub in the South. One place for them:
//! the ecosystem's configuration, the scenario runner and the tests all name them from here.

use crate::Eui64;

/// The test supplier (import and gas supplier), registered for the North fleet.
pub const TEST_SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
/// The network operator (electricity distributor and gas transporter) of the whole fleet.
pub const TEST_NETWORK_OPERATOR: Eui64 = Eui64::from_u64(0x90B3_D51F_3002_0000);
/// A second supplier, registered for the South fleet.
pub const SECOND_SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3003_0000);

/// The DCC Boxed / RTDS template devices (CSP North).
pub const TEMPLATE_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A0);
pub const TEMPLATE_GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A1);
pub const TEMPLATE_CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A2);
pub const TEMPLATE_GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A3);
/// The RTDS templates' PPMID.
pub const TEMPLATE_PPMID: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A4);
/// The RTDS templates' HAN Connected Auxiliary Load Control Switch.
pub const TEMPLATE_HCALCS: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A5);
/// The RTDS templates' auxiliary proportional controller (an HCALCS to DUIS).
pub const TEMPLATE_AUXILIARY_CONTROLLER: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A6);

/// The devices the RTDS templates join to the template devices (8.7), of the types RTDS's
/// join commands give them: an ESME and a GSME the PPMID joins (CS03A2, CS03C), a PPMID the
/// GSME joins (CS03C), an HCALCS the ESME joins (CS03A1) and a GPF the GSME joins (CS03B).
pub const JOIN_PARTNER_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_9093);
pub const JOIN_PARTNER_GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_9094);
pub const JOIN_PARTNER_PPMID: Eui64 = Eui64::from_u64(0x00DB_1234_5678_9098);
pub const JOIN_PARTNER_HCALCS: Eui64 = Eui64::from_u64(0x00DB_1234_5678_909A);
pub const JOIN_PARTNER_GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_909C);

/// The Comms Hub the template Comms Hub replaced, whose device log backups the RTDS templates
/// restore (8.12.1 `OldCHFID`, 8.12.2 `OldGPFID`).
pub const REPLACED_CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_9095);
pub const REPLACED_GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90B3);

/// The South Comms Hub and its devices, registered to [`SECOND_SUPPLIER`].
pub const SOUTH_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_91A0);
pub const SOUTH_GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_91A1);
pub const SOUTH_CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_91A2);
pub const SOUTH_GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_91A3);

/// A Comms Hub of an earlier generation and its devices, in the North, registered to
/// [`TEST_SUPPLIER`]: GBCS 3.2 devices, which take the use cases GBCS has since superseded
/// (ECS26d rather than ECS26l…), and a polyphase ESME (ESME variant C: ECS23b, ECS26k, ECS29f).
pub const LEGACY_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_92A0);
pub const LEGACY_GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_92A1);
pub const LEGACY_CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_92A2);
pub const LEGACY_GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_92A3);
/// The GBCS version of the legacy Comms Hub's devices.
pub const LEGACY_GBCS_VERSION: &str = "3.2";

/// The spare installations: in each CSP region a Comms Hub (CHF and GPF), an ESME and a GSME
/// delivered but not yet installed. The Comms Hub parties and the smart meter party host them
/// and the SMKI repository has their certificates; the DSP's inventory records the Comms Hub
/// as DCC logistics does (Pending) and knows neither meter until it is pre-notified (12.2).
/// Install and commission takes them to Commissioned. North and Central to [`TEST_SUPPLIER`],
/// South to [`SECOND_SUPPLIER`].
pub const SPARE_NORTH_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_93A0);
pub const SPARE_NORTH_GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_93A1);
pub const SPARE_NORTH_CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_93A2);
pub const SPARE_NORTH_GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_93A3);
pub const SPARE_CENTRAL_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_94A0);
pub const SPARE_CENTRAL_GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_94A1);
pub const SPARE_CENTRAL_CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_94A2);
pub const SPARE_CENTRAL_GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_94A3);
pub const SPARE_SOUTH_ESME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_95A0);
pub const SPARE_SOUTH_GSME: Eui64 = Eui64::from_u64(0x00DB_1234_5678_95A1);
pub const SPARE_SOUTH_CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_95A2);
pub const SPARE_SOUTH_GPF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_95A3);
