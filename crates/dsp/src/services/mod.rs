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

mod configuration;
pub mod credentials;
mod firmware;
mod han;
mod prepayment;
mod reads;
mod supply;
mod tariff;

use dcc_model::{CommandVariant, DeviceType, Eui64, RequestId};
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

/// A GBCS command before protection: the message code's catalogue entry and the unsigned APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCommand {
    pub use_case: &'static MessageCodeEntry,
    pub apdu: GeneralSigning,
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
        }
    }

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
        Self { use_case, apdu }
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

/// The command a device service request becomes. For command variants 5–7 (a signed
/// pre-command) there is nothing to transform: the DSP checks the signed form instead.
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
