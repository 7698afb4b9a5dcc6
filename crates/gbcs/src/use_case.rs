//! GBCS use cases: a catalogue entry per message code, and payload builders that reproduce
//! the reference (RTDS) messages byte for byte.

use dcc_model::{Eui64, ServiceReferenceVariant};

use crate::ber::write_length;
use crate::envelope::{
    Cra, GeneralSigning, GroupingHeader, MessageCode, OtherInformation, SignatureField,
    TransactionId,
};

/// What the simulator needs to know about one GBCS use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UseCase {
    pub message_code: MessageCode,
    /// The GBCS use-case name, starting with its id (e.g. `ECS17b Read ESME Energy Registers (Import Energy)`).
    pub name: &'static str,
    /// The DUIS service reference variant that triggers it (e.g. `4.1.1`).
    pub service_reference_variant: &'static str,
    /// Critical: the command is signed by its originator and the response by the device.
    pub critical: bool,
    /// Whether the device's response carries a date-time in its grouping header.
    pub response_date_time: bool,
    /// Whether the device's response carries an encrypted block of sensitive data.
    pub encrypted_response_block: bool,
}

impl UseCase {
    /// The use-case id: the first word of its name (e.g. `ECS17b`).
    pub fn id(&self) -> &'static str {
        self.name.split(' ').next().unwrap_or(self.name)
    }

    /// The service reference variant as a domain value.
    pub fn service_reference_variant(&self) -> Option<ServiceReferenceVariant> {
        self.service_reference_variant.parse().ok()
    }
}

/// The use cases the end-to-end slice implements.
pub const USE_CASES: &[UseCase] = &[
    UseCase {
        message_code: ecs17b::MESSAGE_CODE,
        name: "ECS17b Read ESME Energy Registers (Import Energy)",
        service_reference_variant: "4.1.1",
        critical: false,
        response_date_time: true,
        encrypted_response_block: true,
    },
    UseCase {
        message_code: ecs42::MESSAGE_CODE,
        name: "ECS42 Remotely Close the Load Switch on the ESME",
        service_reference_variant: "7.1",
        critical: true,
        response_date_time: false,
        encrypted_response_block: false,
    },
    UseCase {
        message_code: ecs52::MESSAGE_CODE,
        name: "ECS52 Read ESME/Comms Hub Firmware Version",
        service_reference_variant: "11.2",
        critical: false,
        response_date_time: false,
        encrypted_response_block: false,
    },
    UseCase {
        message_code: gcs13a::MESSAGE_CODE,
        name: "GCS13a Read GSME Consumption Register",
        service_reference_variant: "4.1.1",
        critical: false,
        response_date_time: true,
        encrypted_response_block: true,
    },
    UseCase {
        message_code: gcs13b::MESSAGE_CODE,
        name: "GCS13b Read GSME Block Counters",
        service_reference_variant: "4.1.4",
        critical: false,
        response_date_time: true,
        encrypted_response_block: true,
    },
];

/// Implemented use cases whose GBCS id names several message codes (CS02b has one per
/// credentials replacement mode); kept apart from [`USE_CASES`], where each id names one code.
pub const MULTI_CODE_USE_CASES: &[UseCase] = &[UseCase {
    message_code: cs02b::MESSAGE_CODE,
    name: "CS02b Update Security Credentials (supplierBySupplier)",
    service_reference_variant: "6.15.1",
    critical: true,
    response_date_time: true,
    encrypted_response_block: false,
}];

/// The use case of a message code, if the slice implements it.
pub fn lookup(message_code: MessageCode) -> Option<&'static UseCase> {
    USE_CASES
        .iter()
        .chain(MULTI_CODE_USE_CASES)
        .find(|use_case| use_case.message_code == message_code)
}

/// A command APDU with a null signature field (sign it afterwards if critical).
pub fn command_apdu(
    message_code: MessageCode,
    counter: u64,
    originator: Eui64,
    recipient: Eui64,
    payload: Vec<u8>,
) -> GeneralSigning {
    GeneralSigning {
        header: GroupingHeader {
            transaction: TransactionId {
                cra: Cra::Command,
                counter,
            },
            originator,
            recipient,
            date_time: None,
            other_information: OtherInformation::message_code(message_code),
        },
        payload,
        signature: SignatureField::Null,
    }
}

/// An alert APDU from a device, with a null signature field (MAC it, or sign it if critical).
pub fn alert_apdu(
    message_code: MessageCode,
    counter: u64,
    device: Eui64,
    recipient: Eui64,
    date_time: Option<[u8; 12]>,
    payload: Vec<u8>,
) -> GeneralSigning {
    GeneralSigning {
        header: GroupingHeader {
            transaction: TransactionId {
                cra: Cra::Alert,
                counter,
            },
            originator: device,
            recipient,
            date_time,
            other_information: OtherInformation::message_code(message_code),
        },
        payload,
        signature: SignatureField::Null,
    }
}

/// The response APDU to a command: same counter and message code, originator and recipient
/// swapped, the supplementary remote party kept; null signature field.
pub fn response_apdu(
    command: &GroupingHeader,
    date_time: Option<[u8; 12]>,
    payload: Vec<u8>,
) -> GeneralSigning {
    let info = &command.other_information;
    GeneralSigning {
        header: GroupingHeader {
            transaction: TransactionId {
                cra: Cra::Response,
                counter: command.transaction.counter,
            },
            originator: command.recipient,
            recipient: command.originator,
            date_time,
            other_information: OtherInformation {
                message_code: info.message_code,
                supplementary_remote_party_id: info.supplementary_remote_party_id,
                supplementary_remote_party_counter: info.supplementary_remote_party_counter,
                supplementary_originator_counter: None,
                remote_party_certificate: None,
            },
        },
        payload,
        signature: SignatureField::Null,
    }
}

/// DLMS building blocks (ESME and CHF payloads).
pub mod dlms {
    use super::*;

    /// Tag of a DLMS access-request.
    pub const ACCESS_REQUEST: u8 = 0xD9;
    /// Tag of a DLMS access-response.
    pub const ACCESS_RESPONSE: u8 = 0xDA;

    /// The long-invoke-id: `0x20 << 24 | (counter & 0xFFFFFF)`.
    pub fn long_invoke_id(counter: u64) -> [u8; 4] {
        (0x2000_0000u32 | (counter & 0x00FF_FFFF) as u32).to_be_bytes()
    }

    /// `D9 <invoke id> 00` (no date-time) followed by the request body.
    pub fn access_request(counter: u64, body: &[u8]) -> Vec<u8> {
        let mut out = vec![ACCESS_REQUEST];
        out.extend_from_slice(&long_invoke_id(counter));
        out.push(0);
        out.extend_from_slice(body);
        out
    }

    /// The request body that executes one script of a script table (class 9, method 1
    /// `execute`, a long-unsigned script id): one action request specification, one parameter.
    pub fn script_table_execute(obis: [u8; 6], script: u16) -> Vec<u8> {
        let mut out = vec![0x01, RequestKind::Action as u8, 0x00, 0x09];
        out.extend_from_slice(&obis);
        out.extend_from_slice(&[0x01, 0x01, 0x12]);
        out.extend_from_slice(&script.to_be_bytes());
        out
    }

    /// `DA <invoke id> 00 00` (no date-time, no request specification) then the response body.
    pub fn access_response(counter: u64, body: &[u8]) -> Vec<u8> {
        let mut out = vec![ACCESS_RESPONSE];
        out.extend_from_slice(&long_invoke_id(counter));
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(body);
        out
    }

    /// The kind of a DLMS request, as numbered in access-request specifications and results.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u8)]
    pub enum RequestKind {
        Get = 1,
        Set = 2,
        Action = 3,
    }

    /// DLMS data-access-result / action-result: success.
    pub const RESULT_SUCCESS: u8 = 0;
    /// DLMS data-access-result / action-result: hardware fault.
    pub const RESULT_HARDWARE_FAULT: u8 = 1;

    /// An access-response to a single request carrying no data: one null datum and one
    /// result (`01 00 01 <kind> <result>`). A failed get or action, or a successful action
    /// without return data.
    pub fn single_result_response(counter: u64, kind: RequestKind, result: u8) -> Vec<u8> {
        access_response(counter, &[0x01, 0x00, 0x01, kind as u8, result])
    }

    /// An A-XDR octet string: `09 <length> <bytes>`.
    pub fn octet_string(bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![0x09];
        write_length(&mut out, bytes.len());
        out.extend_from_slice(bytes);
        out
    }

    /// The DLMS Data Protection parameters list of a get_protected_attributes exchange:
    /// one entry naming transaction `04 ‖ counter`, the originator and recipient system titles.
    pub fn protection_parameters(counter: u64, originator: Eui64, recipient: Eui64) -> Vec<u8> {
        let mut transaction = vec![0x04];
        transaction.extend_from_slice(&counter.to_be_bytes());
        let mut out = vec![0x01, 0x01, 0x02, 0x02, 0x16, 0x02, 0x02, 0x05];
        out.extend(octet_string(&transaction));
        out.extend(octet_string(originator.as_bytes()));
        out.extend(octet_string(recipient.as_bytes()));
        out.extend(octet_string(&[]));
        out.extend_from_slice(&[0x02, 0x02, 0x16, 0x02, 0x02, 0x02]);
        out.extend(octet_string(&[0x02]));
        out.extend(octet_string(&[]));
        out
    }
}

/// ECS17b Read ESME Energy Registers (Import Energy): DLMS Data Protection
/// get_protected_attributes on the import registers; the register values are encrypted.
pub mod ecs17b {
    use super::dlms::{access_request, access_response, octet_string, protection_parameters};
    use super::*;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0027);

    /// Data Protection object (class 30, 0-0:43.2.8.255), method 1, and the protected
    /// object list (class 1, 0-0:94.44.34.10, attribute 2).
    const COMMAND_BODY: [u8; 39] = [
        0x01, 0x03, 0x00, 0x1E, 0x00, 0x00, 0x2B, 0x02, 0x08, 0xFF, 0x01, 0x01, 0x02, 0x02, 0x01,
        0x01, 0x02, 0x05, 0x12, 0x00, 0x01, 0x09, 0x06, 0x00, 0x00, 0x5E, 0x2C, 0x22, 0x0A, 0x0F,
        0x02, 0x12, 0x00, 0x00, 0x02, 0x02, 0x16, 0x00, 0x00,
    ];

    /// The command payload from `originator` (the user) to the ESME.
    pub fn command_payload(counter: u64, originator: Eui64, esme: Eui64) -> Vec<u8> {
        let mut body = COMMAND_BODY.to_vec();
        body.extend(protection_parameters(counter, originator, esme));
        access_request(counter, &body)
    }

    /// The plaintext of the protected attributes: active and reactive import registers
    /// (double-long-unsigned, scaler 0, units Wh and varh).
    pub fn register_plaintext(active_import_wh: u32, reactive_import_varh: u32) -> Vec<u8> {
        let mut out = vec![0x02, 0x01, 0x02, 0x04, 0x06];
        out.extend_from_slice(&active_import_wh.to_be_bytes());
        out.extend_from_slice(&[0x02, 0x02, 0x0F, 0x00, 0x16, 0x1E, 0x06]);
        out.extend_from_slice(&reactive_import_varh.to_be_bytes());
        out.extend_from_slice(&[0x02, 0x02, 0x0F, 0x00, 0x16, 0x20]);
        out
    }

    /// The response payload from the ESME, given the plaintext and a function that turns it
    /// into the GBCS encrypted block (`31 00000000 ‖ ct ‖ tag`, see
    /// [`crate::protection::encrypt_sensitive_block`]).
    pub fn response_payload(
        counter: u64,
        esme: Eui64,
        recipient: Eui64,
        plaintext: &[u8],
        encrypt: impl FnOnce(&[u8]) -> Vec<u8>,
    ) -> Vec<u8> {
        let mut body = vec![0x01, 0x02, 0x02];
        body.extend(protection_parameters(counter, esme, recipient));
        body.extend(octet_string(&encrypt(plaintext)));
        body.extend_from_slice(&[0x01, 0x03, 0x00]);
        access_response(counter, &body)
    }
}

/// ECS42 Remotely Close the Load Switch on the ESME (critical): execute the disconnect
/// control script that reconnects supply.
pub mod ecs42 {
    use super::dlms::{
        access_request, script_table_execute, single_result_response, RequestKind, RESULT_SUCCESS,
    };
    use super::*;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x004F);

    /// The script table that closes the load switch: 0-0:10.0.106.255.
    pub const SCRIPT_TABLE: [u8; 6] = [0x00, 0x00, 0x0A, 0x00, 0x6A, 0xFF];
    /// The script of [`SCRIPT_TABLE`] that ECS42 executes.
    pub const SCRIPT: u16 = 0x0033;

    /// The command payload (the pre-command's payload; the user signs the pre-command).
    pub fn command_payload(counter: u64) -> Vec<u8> {
        access_request(counter, &script_table_execute(SCRIPT_TABLE, SCRIPT))
    }

    /// The successful response payload (the device signs the response).
    pub fn response_payload(counter: u64) -> Vec<u8> {
        single_result_response(counter, RequestKind::Action, RESULT_SUCCESS)
    }
}

/// CS02b Update Security Credentials: the codec lives in [`crate::credentials`].
pub use crate::credentials::cs02b;

/// ECS52 Read ESME/Comms Hub Firmware Version: get the active firmware identifier.
pub mod ecs52 {
    use super::dlms::{access_request, access_response, octet_string};
    use super::*;

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0059);

    /// Get (class 1, 0-0:0.2.1.255, attribute 2) and one null datum.
    const COMMAND_BODY: [u8; 13] = [
        0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0xFF, 0x02, 0x01, 0x00,
    ];

    /// The command payload.
    pub fn command_payload(counter: u64) -> Vec<u8> {
        access_request(counter, &COMMAND_BODY)
    }

    /// The successful response payload carrying the firmware version octets.
    pub fn response_payload(counter: u64, firmware_version: &[u8]) -> Vec<u8> {
        let mut body = vec![0x01];
        body.extend(octet_string(firmware_version));
        body.extend_from_slice(&[0x01, 0x01, 0x00]);
        access_response(counter, &body)
    }
}

/// ZCL read-attributes response records, the plaintext of the GSME read use cases.
pub mod zcl {
    /// One attribute record of a ZCL Read Attributes Response.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub enum AttributeRecord {
        /// Status success, the ZCL data type and the little-endian value.
        Success {
            attribute: u16,
            data_type: u8,
            value: Vec<u8>,
        },
        /// A failure status (e.g. `0x86` unsupported attribute).
        Failure { attribute: u16, status: u8 },
    }

    /// ZCL data type: unsigned 24-bit integer.
    pub const UINT24: u8 = 0x22;
    /// ZCL data type: unsigned 48-bit integer.
    pub const UINT48: u8 = 0x25;
    /// ZCL data type: 8-bit enumeration.
    pub const ENUM8: u8 = 0x30;

    impl AttributeRecord {
        /// A successful record with an unsigned value of `width` bytes (little-endian).
        pub fn unsigned(attribute: u16, data_type: u8, width: usize, value: u64) -> Self {
            let bytes = value.to_le_bytes();
            let value = bytes.get(..width.min(8)).unwrap_or(&bytes).to_vec();
            Self::Success {
                attribute,
                data_type,
                value,
            }
        }
    }

    /// Encodes records as the ZCL Read Attributes Response payload.
    pub fn read_attributes_response(records: &[AttributeRecord]) -> Vec<u8> {
        let mut out = Vec::new();
        for record in records {
            match record {
                AttributeRecord::Success {
                    attribute,
                    data_type,
                    value,
                } => {
                    out.extend_from_slice(&attribute.to_le_bytes());
                    out.push(0x00);
                    out.push(*data_type);
                    out.extend_from_slice(value);
                }
                AttributeRecord::Failure { attribute, status } => {
                    out.extend_from_slice(&attribute.to_le_bytes());
                    out.push(*status);
                }
            }
        }
        out
    }
}

/// ZCL metering cluster id.
pub const METERING_CLUSTER: u16 = 0x0702;

/// GCS13a Read GSME Consumption Register: read the metering cluster's current summation
/// delivered, unit, multiplier and divisor; the values come back encrypted.
pub mod gcs13a {
    use super::zcl::{read_attributes_response, AttributeRecord, ENUM8, UINT24, UINT48};
    use super::*;
    use crate::gbz::{encrypted_read_attributes_response, read_attributes, GbzPayload};

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x0074);

    /// Divisor, multiplier, unit of measure, current summation delivered — the order of the request.
    pub const ATTRIBUTES: [u16; 4] = [0x0302, 0x0301, 0x0300, 0x0000];

    /// The command payload (GBZ Read Attributes on the metering cluster).
    pub fn command_payload() -> Vec<u8> {
        GbzPayload {
            components: vec![read_attributes(METERING_CLUSTER, &ATTRIBUTES)],
        }
        .encode()
    }

    /// The plaintext: the four attributes (unit of measure 0x01 is m³).
    pub fn register_plaintext(
        current_summation_delivered: u64,
        unit_of_measure: u8,
        multiplier: u32,
        divisor: u32,
    ) -> Vec<u8> {
        read_attributes_response(&[
            AttributeRecord::unsigned(0x0302, UINT24, 3, u64::from(divisor)),
            AttributeRecord::unsigned(0x0301, UINT24, 3, u64::from(multiplier)),
            AttributeRecord::unsigned(0x0300, ENUM8, 1, u64::from(unit_of_measure)),
            AttributeRecord::unsigned(0x0000, UINT48, 6, current_summation_delivered),
        ])
    }

    /// The response payload: one encrypted Read Attributes Response component.
    pub fn response_payload(plaintext: &[u8], encrypt: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
        GbzPayload {
            components: vec![encrypted_read_attributes_response(
                METERING_CLUSTER,
                encrypt(plaintext),
            )],
        }
        .encode()
    }
}

/// GCS13b Read GSME Block Counters: read the block tariff counters, divisor, multiplier and
/// unit; the values come back encrypted.
pub mod gcs13b {
    use super::zcl::{read_attributes_response, AttributeRecord, ENUM8, UINT24, UINT48};
    use super::*;
    use crate::gbz::{encrypted_read_attributes_response, read_attributes, GbzPayload};

    pub const MESSAGE_CODE: MessageCode = MessageCode(0x00B8);

    /// Block 1–4 summation delivered, divisor, multiplier, unit of measure — the order of the request.
    pub const ATTRIBUTES: [u16; 7] = [0x0700, 0x0701, 0x0702, 0x0703, 0x0302, 0x0301, 0x0300];

    /// The command payload (GBZ Read Attributes on the metering cluster).
    pub fn command_payload() -> Vec<u8> {
        GbzPayload {
            components: vec![read_attributes(METERING_CLUSTER, &ATTRIBUTES)],
        }
        .encode()
    }

    /// The plaintext: four block counters, divisor, multiplier and unit of measure.
    pub fn block_counters_plaintext(
        blocks: [u64; 4],
        divisor: u32,
        multiplier: u32,
        unit_of_measure: u8,
    ) -> Vec<u8> {
        let mut records: Vec<AttributeRecord> = ATTRIBUTES
            .iter()
            .zip(blocks)
            .map(|(attribute, value)| AttributeRecord::unsigned(*attribute, UINT48, 6, value))
            .collect();
        records.push(AttributeRecord::unsigned(
            0x0302,
            UINT24,
            3,
            u64::from(divisor),
        ));
        records.push(AttributeRecord::unsigned(
            0x0301,
            UINT24,
            3,
            u64::from(multiplier),
        ));
        records.push(AttributeRecord::unsigned(
            0x0300,
            ENUM8,
            1,
            u64::from(unit_of_measure),
        ));
        read_attributes_response(&records)
    }

    /// The response payload: one encrypted Read Attributes Response component.
    pub fn response_payload(plaintext: &[u8], encrypt: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
        GbzPayload {
            components: vec![encrypted_read_attributes_response(
                METERING_CLUSTER,
                encrypt(plaintext),
            )],
        }
        .encode()
    }
}
