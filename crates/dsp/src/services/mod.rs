//! DUIS to GBCS: the command (or pre-command) a service request becomes for its target device.
//!
//! One generic path for every service: the service table (`duis::catalogue`) names the GBCS use
//! cases a service becomes; [`transform`] finds the per-service code registered for the service
//! reference variant, which parses the body into a typed request ([`ServiceRequest::parse`]) and
//! builds the command payload for the target's device type ([`ServiceRequest::command`]).
//! Modules follow DUIS's grouping of services. The transformation is pure: no I/O, no state,
//! the time comes in the [`CommandContext`], so `dccsim duis transform` and the DSP produce the
//! same bytes. What only the DSP knows beyond the request (the other device of a join, a device
//! log backup, its own counters) comes through [`DspKnowledge`]; [`transform`] uses none.

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

use dcc_model::{CommandVariant, DeviceType, Eui64, RequestId, DCC_ACCESS_CONTROL_BROKER};
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

    /// The originator counter of a command the DCC party `originator` (the ACB, the
    /// transitional CoS party) sends for a user's request. The device needs it above every
    /// counter it has accepted from that party; RTDS uses counters the DCC held (1300–1302,
    /// 6001), which no request field gives. The default is the transformation time in
    /// milliseconds since the Unix epoch (as DCC Boxed's signing tool counts): the DSP must
    /// give each such command a distinct time, or count itself.
    fn dcc_counter(&self, _originator: Eui64, context: &CommandContext) -> u64 {
        let milliseconds = context.now.unix_timestamp_nanos() / 1_000_000;
        u64::try_from(milliseconds).unwrap_or(0)
    }

    /// The Customer Identification Number the DCC issues for a 9.1 request (RTDS uses `1234`).
    /// The default derives it from the RequestID and the time; the DSP returns the CIN it
    /// issued in its `CINMessage`, which it can read back from the command.
    fn customer_identification_number(
        &self,
        context: &CommandContext,
    ) -> CustomerIdentificationNumber {
        let seed = context.originator().as_u64()
            ^ context.device().as_u64().rotate_left(17)
            ^ context.counter().rotate_left(31)
            ^ self.dcc_counter(context.originator(), context);
        CustomerIdentificationNumber::from_number(split_mix(seed))
    }
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

/// Who sends a command and with which counter: the requester with its RequestID counter, or
/// a DCC party with its own counter, naming the requester as supplementary remote party when
/// GBCS says the command is sent on the requester's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandOrigin {
    pub originator: Eui64,
    pub counter: u64,
    /// The requester and its RequestID counter (other information's supplementary remote party).
    pub on_behalf_of: Option<(Eui64, u64)>,
}

impl CommandOrigin {
    /// The requester sends the command with its RequestID counter.
    pub fn requester(context: &CommandContext) -> Self {
        Self {
            originator: context.originator(),
            counter: context.counter(),
            on_behalf_of: None,
        }
    }

    /// The DCC party `party` sends the command. A request from that party itself keeps its
    /// counter (RTDS 6.24.1 CS02fMAC: RequestID and command both count 1302); for a user's
    /// request the party counts itself, and names the user when `on_behalf` is set.
    pub fn dcc(
        party: Eui64,
        on_behalf: bool,
        context: &CommandContext,
        knowledge: &dyn DspKnowledge,
    ) -> Self {
        if context.originator() == party {
            return Self::requester(context);
        }
        Self {
            originator: party,
            counter: knowledge.dcc_counter(party, context),
            on_behalf_of: on_behalf.then(|| (context.originator(), context.counter())),
        }
    }
}

/// A GBCS command before protection: the message code's catalogue entry, the unsigned APDU and
/// who must send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCommand {
    pub use_case: &'static MessageCodeEntry,
    pub apdu: GeneralSigning,
    pub sender: Sender,
}

/// Who sends a command to the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// The requester itself: a remote party the device holds a trust anchor for.
    Requester,
    /// The DCC's access control broker (ACB), on the requester's behalf, with a counter of its
    /// own: GBCS has the ACB send the use case to this device type (CHF commands, PPMID and
    /// HCALCS reads, GCS31), or the requester is a party the device does not know (an unknown
    /// remote party). The command then names the requester and its counter as supplementary
    /// remote party, and carries the requester's KA certificate when the device is to encrypt
    /// its response for it.
    AccessControlBroker {
        requester_certificate: Option<Vec<u8>>,
    },
}

impl DeviceCommand {
    /// The command addressed from the requester to the device, with the RequestID counter as
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
            sender: Sender::Requester,
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

    /// The same command, to be sent by the ACB (see [`Sender::AccessControlBroker`]).
    pub fn sent_by_access_control_broker(mut self, requester_certificate: Option<Vec<u8>>) -> Self {
        self.sender = Sender::AccessControlBroker {
            requester_certificate,
        };
        self
    }

    /// Whether only the ACB may send it.
    pub fn needs_access_control_broker(&self) -> bool {
        matches!(self.sender, Sender::AccessControlBroker { .. })
    }

    /// The command as the ACB sends it: built with the ACB's counter, from the ACB, naming the
    /// requester and the request's counter as supplementary remote party (and the requester's
    /// KA certificate when the command carries one). As the RTDS commands the ACB sends show, the
    /// payload keeps the requester wherever it names the party the data is for.
    fn addressed_by_access_control_broker(mut self, requester_counter: u64) -> Self {
        let header = &mut self.apdu.header;
        if header.originator == DCC_ACCESS_CONTROL_BROKER {
            // The DCC's own request: there is no other party to name.
            return self;
        }
        let info = &mut header.other_information;
        info.supplementary_remote_party_id = Some(header.originator);
        info.supplementary_remote_party_counter = Some(requester_counter);
        if let Sender::AccessControlBroker {
            requester_certificate,
        } = &self.sender
        {
            info.remote_party_certificate = requester_certificate.clone();
        }
        header.originator = DCC_ACCESS_CONTROL_BROKER;
        self
    }
}

/// How much the Access Control Broker's counter for a command it originates is above the
/// counter of the request it carries out. The RTDS fixtures of every ACB-originated command of
/// a successful request (CHF commands ECS26i/n, ECS35c, DBCH01–05, CCS01–03, ECS39b, ECS61d,
/// CS03, CS04, CS07, CS08, ECS50, GCS36) have ACB counter = RequestID counter + 300 (1000 →
/// 1300, 1002 → 1302); the RequestID counter itself goes in the supplementary remote party
/// counter. A DSP that keeps the ACB's own counter per device can replace this rule.
pub const ACCESS_CONTROL_BROKER_COUNTER_OFFSET: u64 = 300;

impl DeviceCommand {
    /// The command the Access Control Broker originates on the requester's behalf, as GBCS has
    /// it where the device does not hold the requester as a remote party (every CHF command,
    /// the export MPAN): the ACB is the originator with its own counter (see
    /// [`ACCESS_CONTROL_BROKER_COUNTER_OFFSET`]), the requester and its RequestID counter are
    /// the supplementary remote party and its counter.
    pub fn via_access_control_broker(
        use_case: &'static MessageCodeEntry,
        context: &CommandContext,
        payload: Vec<u8>,
    ) -> Self {
        let mut apdu = gbcs::use_case::command_apdu(
            use_case.message_code,
            access_control_broker_counter(context),
            DCC_ACCESS_CONTROL_BROKER,
            context.device(),
            payload,
        );
        let other_information = &mut apdu.header.other_information;
        other_information.supplementary_remote_party_id = Some(context.originator());
        other_information.supplementary_remote_party_counter = Some(context.counter());
        Self {
            use_case,
            apdu,
            sender: Sender::Requester,
        }
    }
}

/// The counter of the command the ACB originates for the request (see
/// [`ACCESS_CONTROL_BROKER_COUNTER_OFFSET`]).
pub fn access_control_broker_counter(context: &CommandContext) -> u64 {
    context
        .counter()
        .saturating_add(ACCESS_CONTROL_BROKER_COUNTER_OFFSET)
}

impl DeviceCommand {
    /// The command from `origin` to the request's device.
    pub fn from_origin(
        use_case: &'static MessageCodeEntry,
        origin: &CommandOrigin,
        context: &CommandContext,
        payload: Vec<u8>,
    ) -> Self {
        let mut apdu = gbcs::use_case::command_apdu(
            use_case.message_code,
            origin.counter,
            origin.originator,
            context.device(),
            payload,
        );
        if let Some((party, counter)) = origin.on_behalf_of {
            let information = &mut apdu.header.other_information;
            information.supplementary_remote_party_id = Some(party);
            information.supplementary_remote_party_counter = Some(counter);
        }
        Self {
            use_case,
            apdu,
            sender: Sender::Requester,
        }
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

/// The command a device service request becomes, sent by the requester. For command variants
/// 5–7 (a signed pre-command) there is nothing to transform: the DSP checks the signed form
/// instead. A command only the ACB may send is refused here, unless the ACB is the requester:
/// see [`transform_via_access_control_broker`].
pub fn transform(
    service: &ServiceDefinition,
    request: &Request,
    context: &CommandContext,
) -> Result<DeviceCommand, Rejection> {
    transform_with(service, request, context, &NoKnowledge)
}

/// [`transform`] with what the DSP knows.
pub fn transform_with(
    service: &ServiceDefinition,
    request: &Request,
    context: &CommandContext,
    knowledge: &dyn DspKnowledge,
) -> Result<DeviceCommand, Rejection> {
    let command = build(service, request, context, knowledge)?;
    if command.needs_access_control_broker() && context.originator() != DCC_ACCESS_CONTROL_BROKER {
        return Err(Rejection::UnsupportedService(format!(
            "{} ({}) to a {} {SENT_BY_ACCESS_CONTROL_BROKER}, which needs a counter of its own \
             for the device",
            service.service_reference_variant, service.name, context.device_type
        )));
    }
    Ok(command)
}

/// What [`transform`]'s refusal of a command only the ACB may send says.
pub const SENT_BY_ACCESS_CONTROL_BROKER: &str = "is sent by the DCC's access control broker";

/// The command a device service request becomes, sent by the ACB with `broker_counter` (its
/// counter for the device, which the DSP keeps) on behalf of the requester: for the commands
/// GBCS has the ACB send, and for requesters the device does not know.
pub fn transform_via_access_control_broker(
    service: &ServiceDefinition,
    request: &Request,
    context: &CommandContext,
    broker_counter: u64,
) -> Result<DeviceCommand, Rejection> {
    let routed = CommandContext {
        request_id: RequestId::new(context.originator(), context.device(), broker_counter),
        ..*context
    };
    Ok(build(service, request, &routed, &NoKnowledge)?
        .addressed_by_access_control_broker(context.counter()))
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
