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

/// The generated premises of `dccsim up --fleet N` (`ecosystem::fleet` makes their full
/// description): how their device ids are made and read back, so that every party can tell a
/// fleet device from its id alone and make what it needs of it on first use.
pub mod generated {
    use crate::{CspRegion, DeviceType, Eui64};

    /// The high bits of every generated device id (the template devices are `00DB…`).
    pub const PREFIX: u64 = 0x00DC_C000_0000_0000;
    /// The bits of the premises index and device kind below [`PREFIX`].
    const INDEX_AND_KIND_MASK: u64 = 0x0000_0FFF_FFFF_FFFF;
    /// The most premises a fleet can have: the index must fit between the prefix and the
    /// device kind nibble, and the meter point references stay within their digits.
    pub const MAXIMUM_PREMISES: u32 = 10_000_000;

    /// Which device of a premises an id names: the low nibble, as the template devices use it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum DeviceKind {
        ElectricitySmartMeter = 0,
        GasSmartMeter = 1,
        CommunicationsHubFunction = 2,
        GasProxyFunction = 3,
    }

    impl DeviceKind {
        /// Every kind, in nibble order.
        pub const ALL: [DeviceKind; 4] = [
            DeviceKind::ElectricitySmartMeter,
            DeviceKind::GasSmartMeter,
            DeviceKind::CommunicationsHubFunction,
            DeviceKind::GasProxyFunction,
        ];

        pub fn device_type(self) -> DeviceType {
            match self {
                DeviceKind::ElectricitySmartMeter => DeviceType::ElectricitySmartMeter,
                DeviceKind::GasSmartMeter => DeviceType::GasSmartMeter,
                DeviceKind::CommunicationsHubFunction => DeviceType::CommunicationsHubFunction,
                DeviceKind::GasProxyFunction => DeviceType::GasProxyFunction,
            }
        }
    }

    /// The id of device `kind` of premises `premises`.
    pub fn device_id(premises: u32, kind: DeviceKind) -> Eui64 {
        Eui64::from_u64(PREFIX | (u64::from(premises) << 4) | kind as u64)
    }

    /// The premises and kind an id names, if it is a generated fleet device id of a fleet of
    /// `premises_count` premises.
    pub fn locate(device: Eui64, premises_count: u32) -> Option<(u32, DeviceKind)> {
        let value = device.as_u64();
        if value & !INDEX_AND_KIND_MASK != PREFIX {
            return None;
        }
        let index = u32::try_from((value & INDEX_AND_KIND_MASK) >> 4).ok()?;
        let kind = DeviceKind::ALL
            .into_iter()
            .find(|kind| *kind as u64 == value & 0xF)?;
        (index < premises_count.min(MAXIMUM_PREMISES)).then_some((index, kind))
    }

    /// The CSP region of premises `premises`.
    pub fn region(premises: u32) -> CspRegion {
        match premises % 3 {
            0 => CspRegion::North,
            1 => CspRegion::Central,
            _ => CspRegion::South,
        }
    }

    /// The supplier registered for both meters of premises `premises`.
    pub fn registered_supplier(premises: u32) -> Eui64 {
        match premises % 2 {
            0 => super::TEST_SUPPLIER,
            _ => super::SECOND_SUPPLIER,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn an_id_is_located_back_to_its_premises_and_kind_within_the_fleet_only() {
            for kind in DeviceKind::ALL {
                let id = device_id(41, kind);
                assert_eq!(locate(id, 42), Some((41, kind)));
                assert_eq!(locate(id, 41), None);
            }
            assert_eq!(locate(super::super::TEMPLATE_ESME, 100), None);
            assert_eq!(locate(Eui64::from_u64(PREFIX | 0xF), 100), None);
            assert_eq!(
                locate(
                    device_id(MAXIMUM_PREMISES - 1, DeviceKind::GasSmartMeter),
                    u32::MAX
                ),
                Some((MAXIMUM_PREMISES - 1, DeviceKind::GasSmartMeter))
            );
        }
    }
}
