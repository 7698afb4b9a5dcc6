//! The service requests this DSP serves: for each Service Reference Variant, its body element,
//! who may send it, with which command variants, and which GBCS use case it becomes on which
//! device type. Facts from DUIS (eligible roles, command variants) and GBCS (message codes).

use dcc_model::{CommandVariant, DeviceType, ServiceReferenceVariant, UserRole};
use gbcs::MessageCode;

/// One service reference variant the DSP knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceDefinition {
    pub service_reference_variant: &'static str,
    pub name: &'static str,
    pub body_element: &'static str,
    /// Critical services go CV4 (pre-command) then CV5 (signed pre-command).
    pub critical: bool,
    /// Answered by the DSP itself (command variant 8).
    pub non_device: bool,
    pub eligible_roles: &'static [UserRole],
    pub command_variants: &'static [u8],
    /// The GBCS use case per target device type.
    pub use_cases: &'static [(DeviceType, UseCase)],
}

/// A GBCS use case the DSP can build a command for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseCase {
    pub name: &'static str,
    pub message_code: MessageCode,
}

const ECS17B: UseCase = UseCase {
    name: "ECS17b",
    message_code: MessageCode(0x0027),
};
const GCS13A: UseCase = UseCase {
    name: "GCS13a",
    message_code: MessageCode(0x0074),
};
const ECS42: UseCase = UseCase {
    name: "ECS42",
    message_code: MessageCode(0x004F),
};
const ECS52: UseCase = UseCase {
    name: "ECS52",
    message_code: MessageCode(0x0059),
};
/// CS02b Update Security Credentials in its supplierBySupplier mode.
const CS02B: UseCase = UseCase {
    name: "CS02b",
    message_code: MessageCode(0x0102),
};

use DeviceType::{
    CommunicationsHubFunction as Chf, ElectricitySmartMeter as Esme, GasProxyFunction as Gpf,
    GasSmartMeter as Gsme,
};
use UserRole::{
    ElectricityDistributor as Ed, ExportSupplier as Es, GasSupplier as Gs, GasTransporter as Gt,
    ImportSupplier as Is, OtherUser as Ou, RegisteredSupplierAgent as Rsa,
};

/// Every service this DSP serves.
pub const SERVICES: &[ServiceDefinition] = &[
    ServiceDefinition {
        service_reference_variant: "4.1.1",
        name: "Read Instantaneous Import Registers",
        body_element: "ReadInstantaneousImportRegisters",
        critical: false,
        non_device: false,
        eligible_roles: &[Is, Gs, Ed, Gt],
        command_variants: &[1, 2, 3],
        use_cases: &[(Esme, ECS17B), (Gsme, GCS13A), (Gpf, GCS13A)],
    },
    ServiceDefinition {
        service_reference_variant: "6.15.1",
        name: "Update Security Credentials (KRP)",
        body_element: "UpdateSecurityCredentialsKRP",
        critical: true,
        non_device: false,
        eligible_roles: &[Is, Gs, Ed, Gt],
        command_variants: &[4, 5, 6, 7],
        use_cases: &[(Esme, CS02B), (Gsme, CS02B)],
    },
    ServiceDefinition {
        service_reference_variant: "7.1",
        name: "Enable Supply",
        body_element: "EnableSupply",
        critical: true,
        non_device: false,
        eligible_roles: &[Is],
        command_variants: &[4, 5, 6, 7],
        use_cases: &[(Esme, ECS42)],
    },
    ServiceDefinition {
        service_reference_variant: "8.2",
        name: "Read Inventory",
        body_element: "ReadInventory",
        critical: false,
        non_device: true,
        eligible_roles: &[Is, Es, Gs, Ed, Gt, Rsa, Ou],
        command_variants: &[8],
        use_cases: &[],
    },
    ServiceDefinition {
        service_reference_variant: "11.2",
        name: "Read Firmware Version",
        body_element: "ReadFirmwareVersion",
        critical: false,
        non_device: false,
        eligible_roles: &[Is, Es, Gs, Ed, Gt, Rsa, Ou],
        command_variants: &[1, 2, 3],
        use_cases: &[(Esme, ECS52), (Chf, ECS52)],
    },
];

/// The definition of a service reference variant, if this DSP serves it.
pub fn lookup(variant: &ServiceReferenceVariant) -> Option<&'static ServiceDefinition> {
    SERVICES
        .iter()
        .find(|service| service.service_reference_variant == variant.as_str())
}

impl ServiceDefinition {
    pub fn allows(&self, command_variant: CommandVariant) -> bool {
        self.command_variants.contains(&command_variant.number())
    }

    pub fn use_case_for(&self, device_type: DeviceType) -> Option<UseCase> {
        self.use_cases
            .iter()
            .find(|(kind, _)| *kind == device_type)
            .map(|(_, use_case)| *use_case)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_is_found_by_its_variant() {
        for service in SERVICES {
            let variant: ServiceReferenceVariant =
                service.service_reference_variant.parse().unwrap();
            assert_eq!(lookup(&variant), Some(service));
            assert_eq!(
                service.critical,
                service.allows(CommandVariant::TransformToPreCommand)
            );
            assert_eq!(service.non_device, service.use_cases.is_empty());
        }
    }
}
