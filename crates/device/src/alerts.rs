//! The alerts a device raises: any alert of the GBCS alert catalogue
//! ([`gbcs::alert::catalogue`]) a device of its type raises, carrying what that alert carries
//! (from the device's state), addressed to the party holding the trust anchor of the alert's
//! recipient role (the ACB when the device holds none), under the device's own counter, its
//! sensitive content encrypted for that party, MACed (device KA × recipient KA) or, when
//! critical, signed with the device's DS key. Raised alerts wait in the device's outbox for
//! its host ([`Device::take_alerts`]).

use dcc_model::device_control::ActionRefusal;
use dcc_model::{DeviceType, Eui64, DCC_ACCESS_CONTROL_BROKER};
use gbcs::alert::catalogue::{self, AlertCodeEntry, AlertContent, AlertRecipient};
use gbcs::alert::{Alert, AlertCode, AlertDetails, AlertEncoding};
use gbcs::cosem::ProtectionParameters;
use gbcs::dlms::Data;
use gbcs::gbz::{ComponentBody, GbzComponent};
use gbcs::han::{DeviceLogEntry, HanDeviceType};
use gbcs::protection::{self, EncryptionParameters};
use gbcs::use_case::cs02b::{CellKeyUsage, RemotePartyRole};
use gbcs::{Cra, GeneralSigning, MessageCode};
use sha2::{Digest, Sha256};

use crate::anchors::management_cell;
use crate::date_time::DeviceDateTime;
use crate::engine::Device;
use crate::future_dated::ExecutedInstruction;
use crate::state::SupplyState;
use crate::store::CosemAttribute;

/// How long a supply outage lasts at least for ECS80 to report it (GBCS: 3 minutes).
pub const LONG_OUTAGE_SECONDS: u32 = 180;

/// The meter integrity error a raised warning names when nothing says which: GBCS's
/// "unspecified smart meter operational integrity error".
const UNSPECIFIED_INTEGRITY_ERROR: u16 = 9;

/// The ECS200 message code, whose alert names the device's load controller as supplementary
/// remote party.
const OPERATIONAL_UPDATE: MessageCode = MessageCode(0x0123);

impl Device {
    /// Raises `code` at `now` with what a device of this type carries for it, made from its
    /// state; the protected alert waits in the outbox.
    pub fn raise(&mut self, code: AlertCode, now: DeviceDateTime) -> Result<(), ActionRefusal> {
        let entry = self.alert_entry(code)?;
        let details = self.details_for(entry, now);
        self.raise_entry(entry, None, details, now)
    }

    /// Raises `code` at `now` carrying `details`. Sensitive content is given in plain and
    /// encrypted here: an ECS68 data log's `block` (its `protection` is set here), a GBZ
    /// component's [`ComponentBody::Encrypted`] block.
    pub fn raise_with(
        &mut self,
        code: AlertCode,
        details: AlertDetails,
        now: DeviceDateTime,
    ) -> Result<(), ActionRefusal> {
        let entry = self.alert_entry(code)?;
        self.raise_entry(entry, None, details, now)
    }

    /// Raises `code` at `now` under `message_code` instead of the catalogue's (a future-dated
    /// firmware activation's or credentials update's outcome, 0x00CA and 0x00CB, carries
    /// 8F66/8F67 as the DLMS and GBZ outcomes do), to `recipient`, the party whose command it
    /// reports on.
    pub(crate) fn raise_as(
        &mut self,
        code: AlertCode,
        message_code: MessageCode,
        recipient: Eui64,
        details: AlertDetails,
        now: DeviceDateTime,
    ) -> Result<(), ActionRefusal> {
        let entry = AlertCodeEntry {
            message_code,
            ..*self.alert_entry(code)?
        };
        self.raise_entry(&entry, Some(recipient), details, now)
    }

    /// The catalogue row of `code` for this device's type.
    fn alert_entry(&self, code: AlertCode) -> Result<&'static AlertCodeEntry, ActionRefusal> {
        if let Some(entry) = catalogue::entry(code, self.device_type()) {
            return Ok(entry);
        }
        let Some(name) = catalogue::name(code) else {
            return Err(ActionRefusal::Invalid(format!(
                "{code} is not a GBCS alert code"
            )));
        };
        let raised_by: Vec<&str> = catalogue::device_types(code)
            .iter()
            .map(DeviceType::as_str)
            .collect();
        Err(ActionRefusal::NotSupported(format!(
            "{} does not raise alert {code} ({name}): it is raised by {}",
            self.device_type(),
            raised_by.join(", ")
        )))
    }

    fn raise_entry(
        &mut self,
        entry: &AlertCodeEntry,
        recipient: Option<Eui64>,
        details: AlertDetails,
        now: DeviceDateTime,
    ) -> Result<(), ActionRefusal> {
        let counter = self.state.originator_counter.saturating_add(1);
        let recipient = recipient.unwrap_or_else(|| self.alert_recipient(entry.recipient));
        let mut apdu = gbcs::use_case::alert_apdu(
            entry.message_code,
            counter,
            self.device_id(),
            recipient,
            None,
            Vec::new(),
        );
        if entry.message_code == OPERATIONAL_UPDATE {
            apdu.header.other_information.supplementary_remote_party_id =
                self.anchor_party(RemotePartyRole(8));
        }
        let details = self.encrypted(details, &apdu)?;
        let alert = Alert {
            code: entry.code,
            time: now.seconds_since_2000(),
            details,
        };
        let encoding = AlertEncoding::of(entry.message_code, self.device_type());
        apdu.payload = alert
            .encode(encoding, counter)
            .map_err(|error| ActionRefusal::Invalid(error.to_string()))?;
        let bytes = self.protect_alert(entry, &apdu)?;
        self.state.originator_counter = counter;
        self.raise_alert(bytes);
        Ok(())
    }

    /// Signed with the device's DS key (critical), else MACed for the recipient.
    fn protect_alert(
        &self,
        entry: &AlertCodeEntry,
        apdu: &GeneralSigning,
    ) -> Result<Vec<u8>, ActionRefusal> {
        let cannot = |reason: String| {
            ActionRefusal::NotSupported(format!(
                "alert {} cannot be protected: {reason}",
                entry.code
            ))
        };
        if entry.is_critical() {
            return protection::sign_response(apdu, &self.keys.digital_signature)
                .map_err(|error| cannot(error.to_string()));
        }
        let secret = self
            .secret_with(apdu.header.recipient)
            .map_err(|error| cannot(error.to_string()))?;
        Ok(protection::protect_response_with_mac(apdu, &secret))
    }

    /// The party holding the management KA cell of `role` (the ACB when none does). A CHF's
    /// alerts all go to the DCC: GBCS gives it no supplier or network operator anchor.
    fn alert_recipient(&self, role: AlertRecipient) -> Eui64 {
        if self.device_type() == DeviceType::CommunicationsHubFunction {
            return DCC_ACCESS_CONTROL_BROKER;
        }
        let role = match role {
            AlertRecipient::Supplier => RemotePartyRole::SUPPLIER,
            AlertRecipient::NetworkOperator => RemotePartyRole(3),
            AlertRecipient::AccessControlBroker => return DCC_ACCESS_CONTROL_BROKER,
        };
        self.anchor_party(role).unwrap_or(DCC_ACCESS_CONTROL_BROKER)
    }

    fn anchor_party(&self, role: RemotePartyRole) -> Option<Eui64> {
        self.anchors
            .cell(management_cell(role, CellKeyUsage::KeyAgreement))
            .map(|anchor| anchor.party)
    }

    /// `details` with its sensitive content encrypted for the alert's party (T = 04, keyed by
    /// the alert's grouping header).
    fn encrypted(
        &self,
        details: AlertDetails,
        apdu: &GeneralSigning,
    ) -> Result<AlertDetails, ActionRefusal> {
        let parameters = EncryptionParameters::from_header(&apdu.header);
        let peer = self.anchors.key_agreement(parameters.party);
        let encrypt = |plaintext: &[u8]| {
            self.encrypt_under(parameters, peer, plaintext)
                .map_err(|error| {
                    ActionRefusal::NotSupported(format!(
                        "the alert's sensitive content cannot be encrypted: {error}"
                    ))
                })
        };
        Ok(match details {
            AlertDetails::EncryptedDataLog { block, .. } => AlertDetails::EncryptedDataLog {
                protection: ProtectionParameters {
                    counter: parameters.counter,
                    originator: parameters.device,
                    recipient: parameters.party,
                },
                block: encrypt(&block)?,
            },
            AlertDetails::Components(components) => AlertDetails::Components(
                components
                    .into_iter()
                    .map(|component| match component.body {
                        ComponentBody::Encrypted {
                            additional_header,
                            block,
                        } => Ok(GbzComponent {
                            body: ComponentBody::Encrypted {
                                additional_header,
                                block: encrypt(&block)?,
                            },
                            ..component
                        }),
                        ComponentBody::Plain(_) => Ok(component),
                    })
                    .collect::<Result<_, ActionRefusal>>()?,
            ),
            other => other,
        })
    }

    /// What the device carries for `entry` at `now`, from its state.
    fn details_for(&self, entry: &AlertCodeEntry, now: DeviceDateTime) -> AlertDetails {
        let time = now.seconds_since_2000();
        let state = &self.state;
        let first_on_han = state
            .han_device_log
            .first()
            .map(|entry| entry.device_id)
            .unwrap_or(self.device_id());
        match entry.content {
            AlertContent::Nothing => AlertDetails::Nothing,
            AlertContent::SupplyOutage => AlertDetails::SupplyOutage {
                interrupted: self
                    .power_outage
                    .map(DeviceDateTime::seconds_since_2000)
                    .unwrap_or(time.saturating_sub(LONG_OUTAGE_SECONDS)),
                restored: time,
            },
            AlertContent::BillingDataLog => self.billing_data_log(time),
            AlertContent::MeterIntegrityIssue => AlertDetails::MeterIntegrityIssue {
                error: UNSPECIFIED_INTEGRITY_ERROR,
            },
            // The hash the device calculated over the image it holds (a raise with no image
            // held reports a hash of the version it runs).
            AlertContent::FirmwareHash => AlertDetails::FirmwareHash(match &state.firmware_image {
                Some(image) => image.manufacturer_image_hash.clone(),
                None => Sha256::digest(&state.firmware_version).to_vec(),
            }),
            AlertContent::UnsupportedCommand => AlertDetails::UnsupportedCommand {
                message_code: MessageCode(0),
                counter: 0,
            },
            AlertContent::ApcLimitApplied => AlertDetails::ApcLimitApplied {
                controller: 1,
                start: time,
                end: time.saturating_add(1800),
                level: 50,
            },
            AlertContent::ApcLimitEnded => AlertDetails::ApcLimitEnded {
                controller: 1,
                level: 100,
            },
            AlertContent::OperationalUpdate => {
                let output = match state.supply {
                    SupplyState::Enabled => 100,
                    SupplyState::Disabled | SupplyState::Armed => 0,
                };
                AlertDetails::OperationalUpdate(format!(
                    "{{\"outputState\":\"{output}\",\"inputState\":\"0\",\"other-data\":\"\"}}"
                ))
            }
            AlertContent::ChfDeviceLog => AlertDetails::ChfDeviceLog {
                changed: time,
                device: state
                    .han_device_log
                    .last()
                    .map(|entry| entry.device_id)
                    .unwrap_or(self.device_id()),
                entries: state
                    .han_device_log
                    .iter()
                    .map(|entry| (entry.device_id, entry.install_code.clone()))
                    .collect(),
            },
            AlertContent::SubGhzDevice => AlertDetails::SubGhzDevice(first_on_han),
            AlertContent::SubGhzChannel => AlertDetails::SubGhz(Data::Structure(vec![
                Data::BitString {
                    bits: 32,
                    bytes: vec![0xE0, 0x00, 0x00, 0x01],
                },
                Data::OctetString(vec![0x00]),
            ])),
            AlertContent::SubGhzScanOutcome => AlertDetails::SubGhz(Data::Structure(vec![
                Data::OctetString(vec![0x00]),
                Data::OctetString(vec![0x00]),
            ])),
            AlertContent::SubGhzConfiguration => AlertDetails::SubGhz(sub_ghz_configuration()),
            AlertContent::DiscardedMessage => AlertDetails::DiscardedMessage {
                originator: self.alert_recipient(AlertRecipient::Supplier),
                target: first_on_han,
                cra: Cra::Command,
                counter: 0,
            },
            AlertContent::FirmwareVersion => AlertDetails::FirmwareVersion {
                version: state.firmware_version.clone(),
                activated: true,
            },
            AlertContent::FirmwareTransfer => AlertDetails::FirmwareTransfer {
                entity: first_on_han,
                version: state.firmware_version.clone(),
                // 0 success; 3 the transfer failed.
                outcome: if entry.code == AlertCode(0x8F8A) {
                    0
                } else {
                    3
                },
            },
            AlertContent::GpfDeviceLog => AlertDetails::GpfDeviceLog(
                state
                    .han_device_log
                    .iter()
                    .map(|entry| DeviceLogEntry {
                        device: entry.device_id,
                        device_type: HanDeviceType::GSME,
                    })
                    .collect(),
            ),
            AlertContent::FutureDatedExecution => self.future_dated_execution(),
        }
    }

    /// ECS68 (ESME): the billing data log entry captured now; GCS53 (GSME): a Publish
    /// Snapshot of the registers. Both in plain, encrypted when raised.
    fn billing_data_log(&self, time: u32) -> AlertDetails {
        if self.device_type() == DeviceType::GasSmartMeter {
            let snapshot = crate::clusters::billing_snapshot(self, time);
            return AlertDetails::Components(
                snapshot
                    .map(|answer| GbzComponent {
                        control: 0,
                        cluster: gbcs::zcl_commands::METERING,
                        from_date_time: None,
                        frame_control: answer.frame_control,
                        sequence_number: 0,
                        command_id: answer.command_id,
                        body: ComponentBody::Encrypted {
                            additional_header: [0, 0],
                            block: answer.payload,
                        },
                    })
                    .into_iter()
                    .collect(),
            );
        }
        let entry = crate::profiles::billing_data_log_entry(&self.state, time)
            .unwrap_or(Data::Structure(Vec::new()));
        AlertDetails::EncryptedDataLog {
            protection: ProtectionParameters {
                counter: 0,
                originator: self.device_id(),
                recipient: DCC_ACCESS_CONTROL_BROKER,
            },
            block: entry.encode(),
        }
    }

    /// An 8F66 or 8F67 raised at the premises names the last command accepted from the
    /// supplier, as the future-dated command executed: ECS08's non-disablement calendar
    /// (ESME) or GCS02's change of payment mode (GSME). The instructions the device executes
    /// at their time name their own ([`crate::future_dated`]).
    fn future_dated_execution(&self) -> AlertDetails {
        let supplier = self.alert_recipient(AlertRecipient::Supplier);
        let counter = self.last_accepted_counter(supplier).unwrap_or(0);
        let (message_code, instruction) = match self.device_type() {
            DeviceType::GasSmartMeter => (
                MessageCode(0x006C),
                ExecutedInstruction::Zcl {
                    cluster: gbcs::zcl_commands::PREPAYMENT,
                    frame_control: 0x01,
                    command_id: 0x06,
                },
            ),
            _ => (
                MessageCode(0x001F),
                ExecutedInstruction::Cosem(CosemAttribute::new(9000, [0, 0, 94, 44, 128, 28], 6)),
            ),
        };
        crate::future_dated::alert_details(message_code, counter, instruction)
    }
}

/// A CHF's Sub GHz configuration: the four channel masks, then the duty cycle thresholds and
/// periods of the RTDS DBCH09 alert.
fn sub_ghz_configuration() -> Data {
    let mask = |first: u8| Data::BitString {
        bits: 32,
        bytes: vec![first, 0x00, 0x00, 0x06],
    };
    Data::Structure(vec![
        mask(0xE0),
        mask(0xE8),
        mask(0xF0),
        mask(0xF8),
        Data::LongUnsigned(130),
        Data::LongUnsigned(220),
        Data::Unsigned(5),
        Data::LongUnsigned(7),
        Data::Unsigned(7),
        Data::Unsigned(12),
        Data::LongUnsigned(6000),
        Data::Unsigned(130),
        Data::LongUnsigned(100),
        Data::LongUnsigned(4000),
        Data::LongUnsigned(3000),
    ])
}
