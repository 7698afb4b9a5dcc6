//! DUIS to GBCS: the command (or pre-command) a service request becomes for its target device.
//!
//! One generic path for every service: the service table (`duis::catalogue`) names the GBCS use
//! cases a service becomes; [`transform`] finds the per-service code registered for the service
//! reference variant, which parses the body into a typed request ([`ServiceRequest::parse`]) and
//! builds the command payload for the target's device type ([`ServiceRequest::command`]).
//! Modules follow DUIS's grouping of services. The transformation is pure: no I/O, no state,
//! the time comes in the [`CommandContext`], so `dccsim duis transform` and the DSP produce the
//! same bytes. What only the DSP knows beyond the request (the other device of a join, a device
//! log backup, the counters of the DCC parties that originate some commands: see
//! [`CommandOrigin`]) comes through [`DspKnowledge`]; [`transform`] takes its defaults.

pub mod body;
pub mod body_reader;
mod configuration;
pub mod credentials;
pub mod date_times;
pub mod dlms_command;
mod firmware;
mod han;
mod prepayment;
mod reads;
mod supply;
mod tariff;

use dcc_model::{
    CommandVariant, DeviceType, Eui64, RequestId, UserRole, DCC_ACCESS_CONTROL_BROKER,
};
use duis::catalogue::ServiceDefinition;
use duis::{BodyElement, Request, RequestBody};
use gbcs::catalogue::{self as use_cases, MessageCodeEntry};
use gbcs::cin::CustomerIdentificationNumber;
use gbcs::han::chf_device_log::PanBackup;
use gbcs::han::DeviceLogEntry;
use gbcs::GeneralSigning;

use crate::rejection::Rejection;

/// What a transformation needs beyond the body: who sends it to which device, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandContext {
    pub request_id: RequestId,
    pub command_variant: CommandVariant,
    /// The target device's type, from the DSP's inventory (or the caller of `duis transform`).
    pub device_type: DeviceType,
    /// The time of the transformation, for commands that carry the DCC's own time stamps.
    pub now: time::OffsetDateTime,
    /// What the inventory records of the device beyond its type that chooses between use
    /// cases of one body.
    pub device_profile: DeviceProfile,
    /// The role the requester sends the request in, when known (access control found it):
    /// it chooses between use cases of one body that GBCS keeps per role (6.2.10: ECS25r1 for
    /// a supplier, ECS25r2 for a network operator).
    pub requester_role: Option<UserRole>,
}

/// What the DSP's inventory records of a device beyond its type that chooses between the use
/// cases of one service and request body: its GBCS version (DUIS `DeviceGBCSVersion`), which
/// decides between a use case and the one that superseded it (ECS26d or ECS26l…), and an
/// ESME's variant (`ESMEVariant`): a twin element ESME's account charges both elements, a
/// polyphase ESME has its own reads (ECS23b, ECS26k, ECS29f). The default is a single element
/// device of the current GBCS version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceProfile {
    /// A device of a GBCS version before [`gbcs::catalogue::FIRST_VERSION_OF_CURRENT_USE_CASES`].
    pub takes_superseded_use_cases: bool,
    pub esme_variant: EsmeVariant,
}

/// The kind of ESME, from the first letter of its DUIS `ESMEVariant` (A single element, B twin
/// element, C polyphase; the letters after it are options that change no command).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EsmeVariant {
    #[default]
    SingleElement,
    TwinElement,
    Polyphase,
}

impl EsmeVariant {
    /// The kind an `ESMEVariant` names (`A`, `BDE`, `C`…); single element for other text.
    pub fn from_inventory(variant: &str) -> Self {
        match variant.chars().next() {
            Some('B') => Self::TwinElement,
            Some('C') => Self::Polyphase,
            _ => Self::SingleElement,
        }
    }
}

impl DeviceProfile {
    /// The profile of an inventory record's GBCS version and ESME variant (either may be
    /// unrecorded: current, single element). `Err` names a GBCS version that is no version.
    pub fn from_inventory(
        gbcs_version: Option<&str>,
        esme_variant: Option<&str>,
    ) -> Result<Self, String> {
        let takes_superseded_use_cases = match gbcs_version {
            None => false,
            Some(version) => gbcs::catalogue::takes_superseded_use_cases(version)
                .ok_or_else(|| format!("GBCS version {version:?} names no version"))?,
        };
        Ok(Self {
            takes_superseded_use_cases,
            esme_variant: esme_variant
                .map(EsmeVariant::from_inventory)
                .unwrap_or_default(),
        })
    }

    /// The use case this device takes for `id`, a use case of the same body: the one of its
    /// GBCS version (see [`gbcs::catalogue::use_case_for_device`]), and for an ESME, the
    /// polyphase or single-phase one of its variant ([`POLYPHASE_USE_CASES`]).
    pub fn use_case(&self, id: &'static str, device_type: DeviceType) -> &'static str {
        let id =
            gbcs::catalogue::use_case_for_device(id, device_type, self.takes_superseded_use_cases);
        if device_type != DeviceType::ElectricitySmartMeter {
            return id;
        }
        let polyphase = self.esme_variant == EsmeVariant::Polyphase;
        for (single_phase, three_phase) in POLYPHASE_USE_CASES {
            if polyphase && id == *single_phase {
                return three_phase;
            }
            if !polyphase && id == *three_phase {
                return single_phase;
            }
        }
        id
    }
}

/// The use cases GBCS has for a polyphase ESME in place of a single-phase ESME's, for the same
/// request body: voltage reads (4.10), the voltage configuration read (6.2.1), the reset of
/// the RMS voltage counters (6.27).
pub const POLYPHASE_USE_CASES: &[(&str, &str)] = &[
    ("ECS23", "ECS23b"),
    ("ECS26b", "ECS26k"),
    ("ECS29e", "ECS29f"),
];

/// The use case `id` as the context's device takes it ([`DeviceProfile::use_case`]), which must
/// be one of the service's for the device type.
pub fn use_case_for_device(
    service: &ServiceDefinition,
    id: &'static str,
    context: &CommandContext,
) -> Result<&'static MessageCodeEntry, Rejection> {
    let device_type = context.device_type;
    use_case_named(
        service,
        context.device_profile.use_case(id, device_type),
        device_type,
    )
}

impl CommandContext {
    pub fn counter(&self) -> u64 {
        self.request_id.counter
    }

    pub fn originator(&self) -> Eui64 {
        self.request_id.originator
    }

    pub fn device(&self) -> Eui64 {
        self.request_id.target
    }
}

/// What the DSP knows beyond a request and its target that some commands carry. The
/// transformation asks for what it needs; [`NoKnowledge`] knows nothing and takes the defaults.
pub trait DspKnowledge {
    /// The type of a device in the DSP's inventory (a join names the other device's type).
    fn device_type(&self, _device: Eui64) -> Option<DeviceType> {
        None
    }

    /// A device's key agreement certificate (DER) from the SMKI repository (Method C joins).
    fn key_agreement_certificate(&self, _device: Eui64) -> Option<Vec<u8>> {
        None
    }

    /// The device log a CHF last backed up (its CCS07 response), for 8.12.1.
    fn chf_device_log_backup(&self, _chf: Eui64) -> Option<PanBackup> {
        None
    }

    /// The device log a GPF last backed up (its GCS62 alerts), for 8.12.2.
    fn gpf_device_log_backup(&self, _gpf: Eui64) -> Option<Vec<DeviceLogEntry>> {
        None
    }

    /// The counter of the next command the DCC party `originator` (the ACB, the transitional
    /// CoS party) originates to the context's device for a user's request. A device takes a
    /// command only when its counter is above every one it took from that originator, so a
    /// DCC party has one counter sequence per device, shared by the commands it sends for
    /// users and the requests it sends itself (RequestID counters): the DSP keeps it in its
    /// store. Without a DSP (`dccsim duis transform`, tests) the default is RTDS's rule: the
    /// RequestID counter + [`RTDS_DCC_COUNTER_OFFSET`]. An error is the DSP's (its store).
    fn dcc_counter(&self, _originator: Eui64, context: &CommandContext) -> Result<u64, Rejection> {
        Ok(context.counter().saturating_add(RTDS_DCC_COUNTER_OFFSET))
    }

    /// The Customer Identification Number the DCC issues for a 9.1 request (RTDS uses `1234`).
    /// The default is [`issued_customer_identification_number`] of the user, the device and
    /// the command's counter, which the DSP works out again for the `CINMessage` it answers with.
    fn customer_identification_number(
        &self,
        context: &CommandContext,
    ) -> CustomerIdentificationNumber {
        issued_customer_identification_number(
            context.originator(),
            context.device(),
            context.counter(),
        )
    }
}

/// The CIN the DCC issues when `user` asks for one for `device` (9.1), the command carrying it
/// having counter `command_counter`: spread from the three, so each request gets its own and
/// the answer can name it again.
pub fn issued_customer_identification_number(
    user: Eui64,
    device: Eui64,
    command_counter: u64,
) -> CustomerIdentificationNumber {
    let seed = user.as_u64() ^ device.as_u64().rotate_left(17) ^ command_counter.rotate_left(31);
    CustomerIdentificationNumber::from_number(split_mix(seed))
}

/// One SplitMix64 step: spreads a seed's bits over the whole word.
fn split_mix(seed: u64) -> u64 {
    let mut value = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

/// Knows nothing: joins that need the other device's type, and restores, are refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoKnowledge;

impl DspKnowledge for NoKnowledge {}

/// How much RTDS's DCC counter is above the RequestID counter of the request it carries out:
/// every RTDS command the ACB originates for a user's request has ACB counter = RequestID
/// counter + 300 (1000 → 1300, 1002 → 1302; CHF commands, ECS21c, ECS61d, CCS01–07, CS03,
/// CS04, ECS50, GCS36, the 6.21 handovers). The default of [`DspKnowledge::dcc_counter`], for
/// transformations without a DSP; the DSP counts in its store instead.
pub const RTDS_DCC_COUNTER_OFFSET: u64 = 300;

/// Who originates a command to its device, and so whose counter it carries: the requester with
/// its RequestID counter, or a DCC party with the counter it keeps for the device
/// ([`DspKnowledge::dcc_counter`]: one sequence per (originator, device)). GBCS has a DCC party
/// originate what a device takes from no user: every CHF command, PPMID and HCALCS firmware
/// reads, the export MPAN and export log, GCS31, reads for a requester the device does not
/// know (an unknown remote party), credentials commands of the DCC (6.21, 6.23, 6.24.1, 8.5),
/// the critical joins and unjoins a non-critical request asks for, device logs and CINs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandOrigin {
    /// The requester, a remote party the device holds a trust anchor for.
    Requester,
    /// A DCC party with a counter of its own for the device.
    DccParty {
        party: Eui64,
        /// Whether the command names the requester and its RequestID counter as supplementary
        /// remote party (the party sends it on the requester's behalf).
        on_behalf: bool,
        /// The requester's KA certificate, carried when the device is to encrypt its response
        /// for a requester it does not know (an unknown remote party).
        requester_certificate: Option<Vec<u8>>,
    },
}

impl CommandOrigin {
    /// The DCC party `party` originates the command in its own name.
    pub fn dcc_party(party: Eui64) -> Self {
        Self::DccParty {
            party,
            on_behalf: false,
            requester_certificate: None,
        }
    }

    /// The ACB originates the command on the requester's behalf, naming it.
    pub fn access_control_broker_on_behalf() -> Self {
        Self::DccParty {
            party: DCC_ACCESS_CONTROL_BROKER,
            on_behalf: true,
            requester_certificate: None,
        }
    }

    /// The ACB originates the command for a requester the device does not know, naming it and
    /// carrying its KA certificate for the device to encrypt the response with.
    pub fn access_control_broker_for_unknown_remote_party(requester_certificate: Vec<u8>) -> Self {
        Self::DccParty {
            party: DCC_ACCESS_CONTROL_BROKER,
            on_behalf: true,
            requester_certificate: Some(requester_certificate),
        }
    }
}

/// A GBCS command before protection: the message code's catalogue entry, the unsigned APDU and
/// who originates it. Services build it addressed from the requester with the counter of their
/// context; [`transform_with`] addresses a DCC party's command from that party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCommand {
    pub use_case: &'static MessageCodeEntry,
    pub apdu: GeneralSigning,
    pub origin: CommandOrigin,
}

impl DeviceCommand {
    /// The command addressed from the requester to the device, with the context's counter as
    /// the GBCS counter and a null signature field (a critical one is signed later by its
    /// originator).
    pub fn new(
        use_case: &'static MessageCodeEntry,
        context: &CommandContext,
        payload: Vec<u8>,
    ) -> Self {
        Self {
            use_case,
            apdu: gbcs::use_case::command_apdu(
                use_case.message_code,
                context.counter(),
                context.originator(),
                context.device(),
                payload,
            ),
            origin: CommandOrigin::Requester,
        }
    }

    /// A DLMS command (ESME, CHF): the access-request with the context's counter.
    pub fn dlms(
        use_case: &'static MessageCodeEntry,
        context: &CommandContext,
        request: gbcs::cosem::AccessRequest,
    ) -> Self {
        Self::new(use_case, context, request.encode(context.counter()))
    }

    /// A GBZ command (GSME, GPF).
    pub fn gbz(
        use_case: &'static MessageCodeEntry,
        context: &CommandContext,
        payload: &gbcs::zse::requests::CommandPayload,
    ) -> Self {
        Self::new(use_case, context, payload.encode())
    }

    /// The same command, originated by `origin`.
    pub fn originated_by(mut self, origin: CommandOrigin) -> Self {
        self.origin = origin;
        self
    }

    /// The command as its DCC party sends it: from the party, naming the requester and its
    /// RequestID counter as supplementary remote party when on its behalf (with the
    /// requester's KA certificate when the command carries one). The counter is already the
    /// party's (the command was built with it); as the RTDS commands of the ACB show, the
    /// payload keeps the requester wherever it names the party the data is for.
    fn addressed_from_dcc_party(mut self, requester: Eui64, requester_counter: u64) -> Self {
        let CommandOrigin::DccParty {
            party,
            on_behalf,
            requester_certificate,
        } = &self.origin
        else {
            return self;
        };
        let header = &mut self.apdu.header;
        header.originator = *party;
        if *on_behalf {
            let information = &mut header.other_information;
            information.supplementary_remote_party_id = Some(requester);
            information.supplementary_remote_party_counter = Some(requester_counter);
            information.remote_party_certificate = requester_certificate.clone();
        }
        self
    }
}

/// The code of one service reference variant: typed parsing of its body, then its command.
pub trait ServiceRequest: Sized {
    /// Reads and validates the body (`sr:Body`'s child), refusing what DUIS does not allow.
    fn parse(body: &BodyElement) -> Result<Self, Rejection>;

    /// The command for the target device type.
    fn command(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
    ) -> Result<DeviceCommand, Rejection>;

    /// The command, for services that need what the DSP knows (the default ignores it).
    fn command_with(
        &self,
        service: &ServiceDefinition,
        context: &CommandContext,
        _knowledge: &dyn DspKnowledge,
    ) -> Result<DeviceCommand, Rejection> {
        self.command(service, context)
    }
}

/// A service's transformation as a plain function, for the registry.
pub type Transform = fn(
    &ServiceDefinition,
    &BodyElement,
    &CommandContext,
    &dyn DspKnowledge,
) -> Result<DeviceCommand, Rejection>;

/// Parses with `S` and builds its command.
pub fn run<S: ServiceRequest>(
    service: &ServiceDefinition,
    body: &BodyElement,
    context: &CommandContext,
    knowledge: &dyn DspKnowledge,
) -> Result<DeviceCommand, Rejection> {
    S::parse(body)?.command_with(service, context, knowledge)
}

/// Every registered transformation, by service reference variant.
fn registry() -> impl Iterator<Item = &'static (&'static str, Transform)> {
    [
        tariff::SERVICES,
        prepayment::SERVICES,
        reads::SERVICES,
        configuration::SERVICES,
        supply::SERVICES,
        firmware::SERVICES,
        han::SERVICES,
        credentials::SERVICES,
    ]
    .into_iter()
    .flatten()
}

/// The transformation of a service reference variant, if dccsim has one.
pub fn transformation(service_reference_variant: &str) -> Option<Transform> {
    registry()
        .find(|(variant, _)| *variant == service_reference_variant)
        .map(|(_, transform)| *transform)
}

/// The service reference variants that have a transformation.
pub fn transformed_services() -> impl Iterator<Item = &'static str> {
    registry().map(|(variant, _)| *variant)
}

/// The command a device service request becomes, with what a transformation without a DSP
/// assumes ([`NoKnowledge`]: a DCC party's counter by RTDS's rule). For command variants 5–7
/// (a signed pre-command) there is nothing to transform: the DSP checks the signed form
/// instead.
pub fn transform(
    service: &ServiceDefinition,
    request: &Request,
    context: &CommandContext,
) -> Result<DeviceCommand, Rejection> {
    transform_with(service, request, context, &NoKnowledge)
}

/// [`transform`] with what the DSP knows. A command a DCC party originates for another's
/// request carries that party's counter for the device ([`DspKnowledge::dcc_counter`]): it is
/// built again with that counter in place of the RequestID's, so that the payload counts with
/// its command (DLMS invoke ids, protection parameters), then addressed from the party. A DCC
/// party's own request keeps its RequestID counter, which is then also the party's counter.
pub fn transform_with(
    service: &ServiceDefinition,
    request: &Request,
    context: &CommandContext,
    knowledge: &dyn DspKnowledge,
) -> Result<DeviceCommand, Rejection> {
    let command = build(service, request, context, knowledge)?;
    let CommandOrigin::DccParty { party, .. } = command.origin else {
        return Ok(command);
    };
    if party == context.originator() {
        return Ok(command);
    }
    let counted = CommandContext {
        request_id: RequestId::new(
            context.originator(),
            context.device(),
            knowledge.dcc_counter(party, context)?,
        ),
        ..*context
    };
    Ok(build(service, request, &counted, knowledge)?
        .addressed_from_dcc_party(context.originator(), context.counter()))
}

/// A command variant 1 request for `service`: what the DSP transforms when it sends a request
/// on a user's behalf (an occurrence of a DCC schedule, a held request again at its time).
pub fn request_over_wan(
    service: &ServiceDefinition,
    request_id: RequestId,
    body: BodyElement,
) -> Request {
    Request {
        schema_version: duis::SCHEMA_VERSION.to_owned(),
        header: duis::RequestHeader {
            request_id,
            command_variant: CommandVariant::SendOverWan,
            service_reference: service.service_reference().to_owned(),
            service_reference_variant: service.variant(),
            first_in_sequence: None,
            preceding_service_request_id: None,
        },
        body: RequestBody::ServiceRequest(body),
    }
}

/// The command as its service's code builds it.
fn build(
    service: &ServiceDefinition,
    request: &Request,
    context: &CommandContext,
    knowledge: &dyn DspKnowledge,
) -> Result<DeviceCommand, Rejection> {
    let RequestBody::ServiceRequest(body) = &request.body else {
        return Err(Rejection::Malformed(format!(
            "{} needs a {} body to transform",
            service.service_reference_variant, service.body_element
        )));
    };
    if body.name != service.body_element {
        return Err(Rejection::Malformed(format!(
            "body {} does not match service {} (expected {})",
            body.name, service.service_reference_variant, service.body_element
        )));
    }
    let transform = transformation(service.service_reference_variant).ok_or_else(|| {
        Rejection::UnsupportedService(format!(
            "{} ({}) has no DUIS to GBCS transformation yet",
            service.service_reference_variant, service.name
        ))
    })?;
    transform(service, body, context, knowledge)
}

/// The one use case of `service` that applies to the device type (most services have one per
/// device type; services with several choose by their body and call [`use_case_named`]).
pub fn use_case_for(
    service: &ServiceDefinition,
    device_type: DeviceType,
) -> Result<&'static MessageCodeEntry, Rejection> {
    let mut candidates = service
        .use_cases
        .iter()
        .flat_map(|id| use_cases::all_by_use_case_id(id))
        .filter(|entry| entry.applies_to(device_type));
    let first = candidates
        .next()
        .ok_or_else(|| not_for_device_type(service, device_type))?;
    if candidates.next().is_some() {
        return Err(Rejection::Malformed(format!(
            "{} has several use cases for a {device_type}; the body must choose",
            service.service_reference_variant
        )));
    }
    Ok(first)
}

/// The use case with id `id` (e.g. `ECS04b`), which must apply to the device type.
pub fn use_case_named(
    service: &ServiceDefinition,
    id: &str,
    device_type: DeviceType,
) -> Result<&'static MessageCodeEntry, Rejection> {
    use_cases::all_by_use_case_id(id)
        .find(|entry| entry.applies_to(device_type))
        .ok_or_else(|| not_for_device_type(service, device_type))
}

/// The catalogue entry of a message code the service builds directly (e.g. CS02b's per-mode codes).
pub fn use_case_with_code(
    service: &ServiceDefinition,
    message_code: gbcs::MessageCode,
    device_type: DeviceType,
) -> Result<&'static MessageCodeEntry, Rejection> {
    use_cases::entry(message_code)
        .filter(|entry| entry.applies_to(device_type))
        .ok_or_else(|| not_for_device_type(service, device_type))
}

pub fn not_for_device_type(service: &ServiceDefinition, device_type: DeviceType) -> Rejection {
    Rejection::ServiceNotValidForDeviceType(format!(
        "{} ({}) cannot be sent to a {device_type}",
        service.service_reference_variant, service.name
    ))
}

/// A service whose body carries no data: the use case for the device type, with a payload
/// that depends only on the use case and the context.
#[derive(Debug)]
pub struct NoData;

impl NoData {
    pub fn parse(body: &BodyElement) -> Result<Self, Rejection> {
        match body
            .children
            .iter()
            .find(|child| child.name != "ExecutionDateTime")
        {
            Some(child) => Err(Rejection::Malformed(format!(
                "{} takes no {}",
                body.name, child.name
            ))),
            None => Ok(NoData),
        }
    }
}

/// Helpers for reading body fields with DUIS rejections.
pub mod fields {
    use duis::BodyElement;

    use crate::rejection::Rejection;

    /// The text of a required child element.
    pub fn required<'a>(body: &'a BodyElement, name: &str) -> Result<&'a str, Rejection> {
        body.child(name)
            .map(|child| child.text.as_str())
            .ok_or_else(|| Rejection::Malformed(format!("{} without {name}", body.name)))
    }

    /// A required child element.
    pub fn element<'a>(body: &'a BodyElement, name: &str) -> Result<&'a BodyElement, Rejection> {
        body.child(name)
            .ok_or_else(|| Rejection::Malformed(format!("{} without {name}", body.name)))
    }

    /// A required child parsed with `FromStr`.
    pub fn number<T: std::str::FromStr>(body: &BodyElement, name: &str) -> Result<T, Rejection>
    where
        T::Err: std::fmt::Display,
    {
        let text = required(body, name)?;
        text.parse()
            .map_err(|error| Rejection::Malformed(format!("{name} {text:?}: {error}")))
    }

    /// An optional child parsed with `FromStr`.
    pub fn optional_number<T: std::str::FromStr>(
        body: &BodyElement,
        name: &str,
    ) -> Result<Option<T>, Rejection>
    where
        T::Err: std::fmt::Display,
    {
        body.child(name)
            .map(|child| {
                child.text.parse().map_err(|error| {
                    Rejection::Malformed(format!("{name} {:?}: {error}", child.text))
                })
            })
            .transpose()
    }

    /// A required `xs:boolean` child.
    pub fn boolean(body: &BodyElement, name: &str) -> Result<bool, Rejection> {
        match required(body, name)? {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(Rejection::Malformed(format!(
                "{name} must be true or false, not {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const SUPPLIER: Eui64 = Eui64::from_u64(0x90B3_D51F_3001_0000);
    const CHF: Eui64 = Eui64::from_u64(0x00DB_1234_5678_90A2);

    /// GBCS puts a date-time in the response to every command that may be future dated at the
    /// device: the use cases of every service the table sends to the device with an execution
    /// date-time, in every variant the catalogue holds (CS02b's roles, CS02g's).
    #[test]
    fn the_responses_of_device_future_dated_use_cases_carry_a_date_time() {
        use duis::catalogue::FutureDated::{HeldByDspOrSentToDevice, SentToDevice};
        let mut checked = 0;
        for service in duis::catalogue::SERVICES {
            if !matches!(service.future_dated, SentToDevice | HeldByDspOrSentToDevice) {
                continue;
            }
            for use_case in service.use_cases {
                for entry in gbcs::catalogue::all_by_use_case_id(use_case) {
                    // CS02g's future-dated outcome alert shares its id.
                    if matches!(
                        entry.protection,
                        gbcs::catalogue::Protection::SignedAlert
                            | gbcs::catalogue::Protection::MacAlert
                    ) {
                        continue;
                    }
                    assert!(
                        entry.response_carries_date_time(),
                        "{} ({}) of {}",
                        entry.name,
                        entry.message_code,
                        service.service_reference()
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 30, "{checked} use cases checked");
    }

    #[test]
    fn the_device_profile_chooses_between_the_use_cases_of_one_body() {
        use DeviceType::{ElectricitySmartMeter as Esme, GasProxyFunction as Gpf};
        let legacy_polyphase = DeviceProfile::from_inventory(Some("3.2"), Some("C")).unwrap();
        assert_eq!(legacy_polyphase.use_case("ECS26l", Esme), "ECS26d");
        assert_eq!(legacy_polyphase.use_case("ECS08a", Esme), "ECS08");
        assert_eq!(legacy_polyphase.use_case("ECS23", Esme), "ECS23b");
        let current = DeviceProfile::default();
        assert_eq!(current.use_case("ECS26d", Esme), "ECS26l");
        assert_eq!(current.use_case("ECS23b", Esme), "ECS23");
        assert_eq!(current.use_case("GCS21e", Gpf), "GCS21e");
        assert_eq!(current.use_case("ECS17b", Esme), "ECS17b");
        assert!(DeviceProfile::from_inventory(Some("latest"), None).is_err());
        assert_eq!(
            DeviceProfile::from_inventory(Some("GBCS v4.2"), Some("BDE")).unwrap(),
            DeviceProfile {
                takes_superseded_use_cases: false,
                esme_variant: EsmeVariant::TwinElement,
            }
        );
    }

    /// A DSP whose DCC parties count `self.0` next.
    pub(crate) struct DccCounter(pub u64);

    impl DspKnowledge for DccCounter {
        fn dcc_counter(
            &self,
            _originator: Eui64,
            _context: &CommandContext,
        ) -> Result<u64, Rejection> {
            Ok(self.0)
        }
    }

    /// A command variant 1 request for `service` with a body of `children`.
    pub(crate) fn request(
        service: &ServiceDefinition,
        request_id: RequestId,
        children: Vec<BodyElement>,
    ) -> Request {
        let body = BodyElement::with_children(service.body_element, children);
        request_over_wan(service, request_id, body)
    }

    fn context(request_id: RequestId, device_type: DeviceType) -> CommandContext {
        CommandContext {
            request_id,
            command_variant: CommandVariant::SendOverWan,
            device_type,
            now: time::macros::datetime!(2015-01-01 00:00 UTC),
            device_profile: Default::default(),
            requester_role: None,
        }
    }

    /// 6.31 Read CHF Sub GHz Channel (DBCH01), which the ACB originates.
    fn chf_read(originator: Eui64, counter: u64, knowledge: &dyn DspKnowledge) -> DeviceCommand {
        let service = duis::catalogue::lookup("6.31").expect("catalogued");
        let request_id = RequestId::new(originator, CHF, counter);
        transform_with(
            service,
            &request(service, request_id, Vec::new()),
            &context(request_id, DeviceType::CommunicationsHubFunction),
            knowledge,
        )
        .expect("a command")
    }

    /// Checks that `command` is the ACB's with `counter`, in its header and as its DLMS
    /// long-invoke-id (the payload's first octets after the access-request tag).
    fn assert_the_broker_s(command: &DeviceCommand, counter: u64) {
        assert_eq!(command.apdu.header.originator, DCC_ACCESS_CONTROL_BROKER);
        assert_eq!(command.apdu.header.transaction.counter, counter);
        assert_eq!(
            command.apdu.payload[1..5],
            gbcs::use_case::dlms::long_invoke_id(counter)
        );
    }

    #[test]
    fn a_dcc_party_s_command_for_a_user_counts_with_the_party_s_counter_and_names_the_user() {
        let command = chf_read(SUPPLIER, 1000, &DccCounter(77));
        assert_the_broker_s(&command, 77);
        let information = &command.apdu.header.other_information;
        assert_eq!(information.supplementary_remote_party_id, Some(SUPPLIER));
        assert_eq!(information.supplementary_remote_party_counter, Some(1000));
        assert_eq!(information.remote_party_certificate, None);
    }

    #[test]
    fn a_dcc_party_s_own_request_keeps_its_request_id_counter() {
        let command = chf_read(DCC_ACCESS_CONTROL_BROKER, 5000, &DccCounter(77));
        assert_the_broker_s(&command, 5000);
        let information = &command.apdu.header.other_information;
        assert_eq!(information.supplementary_remote_party_id, None);
    }

    #[test]
    fn without_a_dsp_a_dcc_party_counts_as_rtds_does() {
        let command = chf_read(SUPPLIER, 1000, &NoKnowledge);
        assert_eq!(
            command.apdu.header.transaction.counter,
            1000 + RTDS_DCC_COUNTER_OFFSET
        );
    }

    #[test]
    fn a_dcc_party_in_its_own_name_names_no_one() {
        let service = duis::catalogue::lookup("6.24.1").expect("catalogued");
        let request_id = RequestId::new(SUPPLIER, CHF, 1000);
        let roles = vec![BodyElement::leaf("RemotePartyRole", "Supplier")];
        let command = transform_with(
            service,
            &request(service, request_id, roles),
            &context(request_id, DeviceType::CommunicationsHubFunction),
            &DccCounter(42),
        )
        .expect("a command");
        let header = &command.apdu.header;
        assert_eq!(header.originator, DCC_ACCESS_CONTROL_BROKER);
        assert_eq!(header.transaction.counter, 42);
        assert_eq!(header.other_information.supplementary_remote_party_id, None);
        assert_eq!(
            command.origin,
            CommandOrigin::dcc_party(DCC_ACCESS_CONTROL_BROKER)
        );
    }
}
