//! The user agent: one call sends a service request the way a DCC user must. It picks the
//! endpoint and command variant from the service table (`duis::catalogue`), does CV4 → sign
//! the pre-command with the DS key the device trusts for the user (its default one until a
//! 6.15.1 replacing it there succeeded) → CV5 for critical services, awaits the asynchronous
//! response by its RequestID, and checks the device's MAC or signature with certificates from
//! the SMKI repository, decrypting sensitive blocks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dcc_model::{CommandVariant, Eui64, RequestId, ResponseCode};
use dcc_proto::link::{Fate, Sending};
use duis::catalogue::{self, ServiceDefinition};
use duis::{BodyElement, RequestBody, ResponseBody};
use gbcs::crypto::SigningKey;
use gbcs::decode::{DecodedMessage, KeyRing, Verification};
use gbcs::SignatureField;
use smki::KeyUsage;

use super::{fetch_device_certificate, Answer, DuisUser, ResponseInbox, UserError};
use crate::faults::LinkConditions;
use crate::identities::Identities;
use crate::trace::TracedMessage;

/// How long an agent waits for an asynchronous response unless told otherwise.
pub const DEFAULT_RESPONSE_WAIT: Duration = Duration::from_secs(20);

/// RequestID counters: strictly rising for each (originator, target) pair, and, since the DSP
/// checks them per originator, rising per originator too.
#[derive(Debug)]
pub struct CounterBook {
    first: u64,
    state: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    last_by_originator: HashMap<Eui64, u64>,
    last_by_pair: HashMap<(Eui64, Eui64), u64>,
}

impl CounterBook {
    /// Counters start above `first`.
    pub fn starting_after(first: u64) -> Arc<Self> {
        Arc::new(Self {
            first,
            state: Mutex::new(Counters::default()),
        })
    }

    /// Counters above the current time in microseconds: never used before by an ecosystem
    /// that outlives this process (`dccsim up`, DCC Boxed).
    pub fn from_clock() -> Arc<Self> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000;
        Self::starting_after(u64::try_from(now).unwrap_or(1))
    }

    /// The next counter for `originator` → `target`.
    pub fn next(&self, originator: Eui64, target: Eui64) -> u64 {
        let mut state = self.lock();
        let last = state
            .last_by_originator
            .get(&originator)
            .copied()
            .unwrap_or(self.first);
        let counter = last + 1;
        state.last_by_originator.insert(originator, counter);
        state.last_by_pair.insert((originator, target), counter);
        counter
    }

    /// Notes a counter used outside [`CounterBook::next`], so later ones stay above it.
    pub fn used(&self, originator: Eui64, target: Eui64, counter: u64) {
        let mut state = self.lock();
        let last = state
            .last_by_originator
            .entry(originator)
            .or_insert(counter);
        *last = (*last).max(counter);
        state.last_by_pair.insert((originator, target), counter);
    }

    /// The last counter used per (originator, target).
    pub fn last_by_pair(&self) -> Vec<((Eui64, Eui64), u64)> {
        let mut pairs: Vec<_> = self.lock().last_by_pair.clone().into_iter().collect();
        pairs.sort();
        pairs
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        // Counters are plain numbers: a panicking holder leaves them consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Where the agent reaches the DCC.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// The DUIS front door, e.g. `http://127.0.0.1:8079`.
    pub duis_url: String,
    /// The SMKI repository, e.g. `http://127.0.0.1:8083`.
    pub smki_url: String,
}

/// How one request departs from the defaults.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// The command variant to send first; the service's first one when absent.
    pub command_variant: Option<CommandVariant>,
    /// The RequestID counter; the next from the counter book when absent.
    pub counter: Option<u64>,
    /// The key the pre-command is signed with; the user's DS key when absent.
    pub signing_key: Option<Arc<SigningKey>>,
    /// How long to wait for the asynchronous response; the agent's default when absent.
    pub response_wait: Option<Duration>,
    /// Send, take the synchronous answer, and do not wait for the asynchronous one.
    pub no_wait: bool,
}

/// A verified GBCS message from a device.
#[derive(Debug, Clone)]
pub struct VerifiedGbcs {
    pub payload: Vec<u8>,
    /// The decoder's view: header, use case, MAC/signature checks, decrypted blocks, payload tree.
    pub decoded: DecodedMessage,
}

impl VerifiedGbcs {
    /// The plaintexts of the sensitive blocks.
    pub fn plaintexts(&self) -> Vec<Vec<u8>> {
        self.decoded
            .encrypted_blocks
            .iter()
            .filter_map(|block| block.plaintext.as_ref().ok().cloned())
            .collect()
    }
}

/// A device's asynchronous answer: the DSP's document and, when it carries GBCS, what
/// checking it found.
#[derive(Debug, Clone)]
pub struct DeviceAnswer {
    pub answer: Answer,
    pub gbcs: Option<Result<VerifiedGbcs, String>>,
}

impl DeviceAnswer {
    /// The verified GBCS, or why there is none.
    pub fn verified(&self) -> Result<&VerifiedGbcs, UserError> {
        match &self.gbcs {
            Some(Ok(verified)) => Ok(verified),
            Some(Err(reason)) => Err(UserError::Verification(reason.clone())),
            None => Err(UserError::Verification(format!(
                "{} carries no GBCS: {:?}",
                self.answer.response.response_code, self.answer.response.body
            ))),
        }
    }
}

/// One service request, start to end.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request_id: RequestId,
    pub service: &'static ServiceDefinition,
    /// The command variant sent first.
    pub command_variant: CommandVariant,
    /// The CV4 answer, for critical services.
    pub pre_command: Option<Answer>,
    /// The synchronous answer to the last request sent (CV1/CV5/CV8…).
    pub answer: Answer,
    /// The asynchronous response, when the synchronous answer promised one (I99) and the
    /// agent waited for it.
    pub device_response: Option<DeviceAnswer>,
}

impl Exchange {
    pub fn response_code(&self) -> &ResponseCode {
        &self.answer.response.response_code
    }

    /// The verified GBCS of the asynchronous response.
    pub fn verified_gbcs(&self) -> Result<&VerifiedGbcs, UserError> {
        self.device_response
            .as_ref()
            .ok_or_else(|| {
                UserError::Verification(format!(
                    "no asynchronous response (synchronous answer {})",
                    self.response_code()
                ))
            })?
            .verified()
    }
}

/// The DS key each device trusts for an originator where it is not the originator's default
/// one: set once a 6.15.1 replacing the originator's own DS anchor there is answered with
/// success (CS02b executed now).
type TrustedSigningKeys = HashMap<(Eui64, Eui64), Arc<SigningKey>>;

/// A DCC user with everything it needs to talk to the DCC.
#[derive(Debug, Clone)]
pub struct UserAgent {
    user: Arc<DuisUser>,
    endpoints: Endpoints,
    inbox: Arc<ResponseInbox>,
    counters: Arc<CounterBook>,
    certificates: Arc<Mutex<HashMap<(Eui64, &'static str), smki::Certificate>>>,
    /// Where the agent looks for the private key of a replacement certificate it sent.
    identities: Option<Arc<Identities>>,
    /// By (originator, device).
    signing_keys: Arc<Mutex<TrustedSigningKeys>>,
    conditions: Option<Arc<LinkConditions>>,
    response_wait: Duration,
}

impl UserAgent {
    pub fn new(
        id: Eui64,
        identities: &Identities,
        endpoints: Endpoints,
        inbox: Arc<ResponseInbox>,
        counters: Arc<CounterBook>,
    ) -> Result<Self, UserError> {
        Ok(Self::with_user(
            DuisUser::new(id, identities, &endpoints.duis_url)?,
            endpoints,
            inbox,
            counters,
        )?
        .with_identities(identities))
    }

    /// An agent for a user whose keys were made elsewhere (e.g. [`DuisUser::trusting_dsp_of`]).
    pub fn with_user(
        user: DuisUser,
        endpoints: Endpoints,
        inbox: Arc<ResponseInbox>,
        counters: Arc<CounterBook>,
    ) -> Result<Self, UserError> {
        Ok(Self {
            user: Arc::new(user),
            endpoints,
            inbox,
            counters,
            certificates: Arc::new(Mutex::new(HashMap::new())),
            identities: None,
            signing_keys: Arc::new(Mutex::new(HashMap::new())),
            conditions: None,
            response_wait: DEFAULT_RESPONSE_WAIT,
        })
    }

    /// Where the agent finds the private key of a DS certificate it replaced its anchor on a
    /// device with ([`Identities::private_key_of`]); without them it keeps its default key.
    pub fn with_identities(mut self, identities: &Identities) -> Self {
        self.identities = Some(Arc::new(identities.clone()));
        self
    }

    /// The key this agent signs pre-commands to `device` with: the one of the DS certificate
    /// it last replaced its anchor there with (a 6.15.1 answered with success), else its
    /// default DS key.
    pub fn signing_key_for(&self, device: Eui64) -> Option<Arc<SigningKey>> {
        self.lock_signing_keys()
            .get(&(self.user.id, device))
            .cloned()
    }

    /// Records DUIS hops in the conditions' message log and applies their user → DSP faults.
    pub fn with_conditions(mut self, conditions: Option<Arc<LinkConditions>>) -> Self {
        self.conditions = conditions;
        self
    }

    pub fn with_response_wait(mut self, wait: Duration) -> Self {
        self.response_wait = wait;
        self
    }

    pub fn id(&self) -> Eui64 {
        self.user.id
    }

    /// The user's keys and signing, for requests built by hand.
    pub fn user(&self) -> &DuisUser {
        &self.user
    }

    pub fn inbox(&self) -> &ResponseInbox {
        &self.inbox
    }

    pub fn counters(&self) -> &CounterBook {
        &self.counters
    }

    /// Sends `body` as service `service_reference_variant` to `target` and sees it through.
    pub async fn request(
        &self,
        service_reference_variant: &str,
        target: Eui64,
        body: BodyElement,
    ) -> Result<Exchange, UserError> {
        self.request_with(
            service_reference_variant,
            target,
            body,
            RequestOptions::default(),
        )
        .await
    }

    pub async fn request_with(
        &self,
        service_reference_variant: &str,
        target: Eui64,
        body: BodyElement,
        options: RequestOptions,
    ) -> Result<Exchange, UserError> {
        let service = catalogue::lookup(service_reference_variant)
            .ok_or_else(|| UserError::UnknownService(service_reference_variant.to_owned()))?;
        let command_variant = options
            .command_variant
            .unwrap_or_else(|| service.first_command_variant());
        let counter = match options.counter {
            Some(counter) => {
                self.counters.used(self.user.id, target, counter);
                counter
            }
            None => self.counters.next(self.user.id, target),
        };
        let request_id = RequestId::new(self.user.id, target, counter);
        let replacement =
            replaced_own_signing_certificate(service_reference_variant, self.user.id, &body);
        let xml = self.user.signed_request(
            target,
            counter,
            command_variant,
            service_reference_variant,
            RequestBody::ServiceRequest(body),
        )?;
        let first = self
            .post(
                endpoint_for(command_variant),
                xml,
                service_reference_variant,
            )
            .await?;
        let mut exchange = Exchange {
            request_id,
            service,
            command_variant,
            pre_command: None,
            answer: first,
            device_response: None,
        };
        if command_variant == CommandVariant::TransformToPreCommand {
            let ResponseBody::PreCommand { payload, .. } = &exchange.answer.response.body else {
                return Ok(exchange);
            };
            let trusted = self.signing_key_for(target);
            let key = options
                .signing_key
                .as_deref()
                .or(trusted.as_deref())
                .unwrap_or(&self.user.digital_signature);
            let signed = sign_pre_command(payload, key)?;
            let xml = self.user.signed_request(
                target,
                counter,
                CommandVariant::SignedPreCommandOverWan,
                service_reference_variant,
                RequestBody::SignedPreCommand {
                    execution_date_time: None,
                    gbcs_payload: signed,
                },
            )?;
            let answer = self
                .post("serviceS", xml, service_reference_variant)
                .await?;
            exchange.pre_command = Some(std::mem::replace(&mut exchange.answer, answer));
        }
        // The DCC's own services (command variant 8) have no device response to follow an
        // acknowledgement: what follows, if anything, is a DCC alert, awaited separately.
        if options.no_wait
            || exchange.answer.response.response_code != ResponseCode::Acknowledgement
            || command_variant == CommandVariant::NonDevice
        {
            return Ok(exchange);
        }
        let wait = options.response_wait.unwrap_or(self.response_wait);
        let answer = self.inbox.response_to(request_id, wait).await?;
        let device_answer = self.check_device_answer(answer).await;
        if let Some(replacement) = &replacement {
            self.note_replacement(target, replacement, &device_answer);
        }
        exchange.device_response = Some(device_answer);
        Ok(exchange)
    }

    /// After a 6.15.1 replacing this user's own DS anchor on `device` (executed now): when the
    /// device's answer says the replacement succeeded, later pre-commands to it are signed
    /// with the new certificate's key, if the agent holds it.
    fn note_replacement(
        &self,
        device: Eui64,
        replacement: &smki::Certificate,
        answer: &DeviceAnswer,
    ) {
        let originator = self.user.id;
        if let Err(reason) = replacement_succeeded(replacement, answer) {
            tracing::info!(
                %originator, %device,
                "the DS anchor replacement did not succeed ({reason}): pre-commands stay signed with the key the device trusted before"
            );
            return;
        }
        let key = self
            .identities
            .as_deref()
            .and_then(|identities| identities.private_key_of(replacement))
            .and_then(|pkcs8| SigningKey::from_pkcs8(&pkcs8).ok());
        match key {
            Some(key) => {
                tracing::info!(
                    %originator, %device, serial = replacement.serial_decimal(),
                    "the device trusts the replacement DS certificate: later pre-commands are signed with its key"
                );
                self.lock_signing_keys()
                    .insert((originator, device), Arc::new(key));
            }
            None => tracing::warn!(
                %originator, %device, serial = replacement.serial_decimal(),
                "the device trusts the replacement DS certificate, but the agent does not hold its private key: pre-commands stay signed with the old key"
            ),
        }
    }

    fn lock_signing_keys(&self) -> std::sync::MutexGuard<'_, TrustedSigningKeys> {
        // One insert at a time: a panicking holder leaves the map consistent.
        self.signing_keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The asynchronous response to a request sent earlier, checked.
    pub async fn response_to(
        &self,
        request_id: RequestId,
        wait: Duration,
    ) -> Result<DeviceAnswer, UserError> {
        let answer = self.inbox.response_to(request_id, wait).await?;
        Ok(self.check_device_answer(answer).await)
    }

    /// The next device alert matching `alert_code` and `device`, checked.
    pub async fn alert(
        &self,
        alert_code: Option<&str>,
        device: Option<Eui64>,
        wait: Duration,
    ) -> Result<DeviceAnswer, UserError> {
        let answer = self.inbox.alert(alert_code, device, wait).await?;
        Ok(self.check_device_answer(answer).await)
    }

    /// Posts a signed document to `/api/v1/<endpoint>` and checks the DSP's signature on the
    /// answer, recording the hop.
    pub async fn post(&self, endpoint: &str, xml: String, what: &str) -> Result<Answer, UserError> {
        let conditions = self.conditions.as_ref();
        let hop = match conditions {
            Some(conditions) => Some(conditions.duis_hop("user", "dsp", endpoint, false).await),
            None => None,
        };
        let fate = hop
            .as_ref()
            .map(|(entry, _)| entry.fate.clone())
            .unwrap_or(Fate::DELIVER);
        let outcome = match &fate {
            Fate::Drop { reason, .. } => {
                Err(UserError::Http(format!("the request was lost: {reason}")))
            }
            Fate::Deliver { .. } => self.user.post(endpoint, xml.clone()).await,
        };
        if let (Some(conditions), Some((entry, turn))) = (conditions, hop) {
            drop(turn);
            let Sending { sequence, at } = entry.sending;
            let parsed = duis::parse_request(xml.as_bytes()).ok();
            let (code, failed) = match &outcome {
                Ok(answer) => (
                    answer.response.response_code.to_string(),
                    answer.response.response_code.is_error(),
                ),
                Err(error) => (error.to_string(), true),
            };
            let label = match &parsed {
                Some(request) => format!(
                    "{endpoint} {} CV{}",
                    request.header.service_reference_variant, request.header.command_variant
                ),
                None => format!("{endpoint} {what}"),
            };
            conditions.log().record(TracedMessage {
                sequence,
                at,
                from: "user".to_owned(),
                to: "dsp".to_owned(),
                label,
                request_id: parsed
                    .as_ref()
                    .map(|request| request.header.request_id.to_string())
                    .unwrap_or_default(),
                device_id: parsed
                    .as_ref()
                    .map(|request| request.header.request_id.target.to_string())
                    .unwrap_or_default(),
                outcome: code,
                failed,
                fault: LinkConditions::describe_fate(&fate),
                duis: Some(xml),
                gbcs: None,
            });
        }
        outcome
    }

    /// Checks a device's response or alert: the MAC (device KA × user KA, or × ACB KA for a
    /// command the ACB sent on the user's behalf) or the device's signature, with certificates
    /// from the SMKI repository; decrypts sensitive blocks.
    async fn check_device_answer(&self, answer: Answer) -> DeviceAnswer {
        let payload = match (
            &answer.response.body,
            super::inbox::device_alert(&answer.response.body),
        ) {
            (ResponseBody::GbcsPayload { payload, .. }, _) => payload.clone(),
            (_, Some((_, payload))) => payload,
            // A device's response inside another message (9.1's CINMessage, a
            // DSPScheduledMessage): its GBCSPayload.
            (ResponseBody::OtherResponseMessage { content, .. }, None) => {
                match embedded_gbcs(content) {
                    Some(payload) => payload,
                    None => return DeviceAnswer { answer, gbcs: None },
                }
            }
            _ => return DeviceAnswer { answer, gbcs: None },
        };
        let gbcs = self.verify(&payload).await;
        DeviceAnswer {
            answer,
            gbcs: Some(gbcs),
        }
    }

    async fn verify(&self, payload: &[u8]) -> Result<VerifiedGbcs, String> {
        let envelope = gbcs::Envelope::parse(payload).map_err(|error| error.to_string())?;
        let originator = envelope.header().originator;
        let mut keys = KeyRing::new();
        keys.add_key_agreement_private(self.user.id, self.user.key_agreement.clone());
        if let Some(broker) = &self.user.access_control_broker_key {
            keys.add_key_agreement_private(dcc_model::DCC_ACCESS_CONTROL_BROKER, broker.clone());
        }
        for (usage, suffix) in [
            (KeyUsage::KeyAgreement, "ka"),
            (KeyUsage::DigitalSignature, "ds"),
        ] {
            let certificate = self.device_certificate(originator, usage, suffix).await?;
            keys.add_file(
                &format!("{}-{suffix}.pem", originator.to_hex()),
                certificate.pem().as_bytes(),
            )
            .map_err(|error| error.to_string())?;
        }
        let decoded = gbcs::decode::describe(payload, &keys).map_err(|error| error.to_string())?;
        let protected = match (decoded.mac, decoded.signature) {
            (Verification::Invalid, _) => Err("the response MAC does not verify".to_owned()),
            (_, Verification::Invalid) => Err("the device's signature does not verify".to_owned()),
            (Verification::Valid, _) | (_, Verification::Valid) => Ok(()),
            _ => Err("neither a MAC nor a signature could be checked".to_owned()),
        };
        protected?;
        if let Some(problem) = decoded
            .encrypted_blocks
            .iter()
            .find_map(|block| block.plaintext.as_ref().err())
        {
            return Err(format!("a sensitive block does not decrypt: {problem}"));
        }
        Ok(VerifiedGbcs {
            payload: payload.to_vec(),
            decoded,
        })
    }

    async fn device_certificate(
        &self,
        device: Eui64,
        usage: KeyUsage,
        suffix: &'static str,
    ) -> Result<smki::Certificate, String> {
        if let Some(found) = self.lock_certificates().get(&(device, suffix)) {
            return Ok(found.clone());
        }
        let certificate = fetch_device_certificate(&self.endpoints.smki_url, device, usage)
            .await
            .map_err(|error| error.to_string())?;
        self.lock_certificates()
            .insert((device, suffix), certificate.clone());
        Ok(certificate)
    }

    fn lock_certificates(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(Eui64, &'static str), smki::Certificate>> {
        // A cache: a panicking holder leaves it usable.
        self.certificates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The DUIS endpoint for a command variant: serviceS for 1, 3, 5, 7; serviceT for 4;
/// serviceD for 2, 6, 8.
pub fn endpoint_for(command_variant: CommandVariant) -> &'static str {
    match command_variant.number() {
        4 => "serviceT",
        2 | 6 | 8 => "serviceD",
        _ => "serviceS",
    }
}

/// Signs a pre-command with `key`: the signed general-signing APDU for CV5.
pub fn sign_pre_command(pre_command: &[u8], key: &SigningKey) -> Result<Vec<u8>, UserError> {
    let signature = gbcs::protection::sign_pre_command(pre_command, key)
        .map_err(|error| UserError::Verification(format!("signing the pre-command: {error}")))?;
    let signed = gbcs::GeneralSigning::parse(pre_command)
        .map_err(|error| UserError::Verification(format!("the pre-command: {error}")))?
        .with_signature(SignatureField::Present(signature))
        .encode();
    Ok(signed)
}

/// The DS certificate of `originator` itself that a 6.15.1 request body puts in the
/// originator's own anchor at once (no `ExecutionDateTime`): after it succeeds the device
/// takes only commands signed with that certificate's key.
pub fn replaced_own_signing_certificate(
    service_reference_variant: &str,
    originator: Eui64,
    body: &BodyElement,
) -> Option<smki::Certificate> {
    use base64::Engine as _;
    if service_reference_variant != "6.15.1" || body.find("ExecutionDateTime").is_some() {
        return None;
    }
    let text = body.find_text("DigitalSigningCertificate")?;
    let der = base64::engine::general_purpose::STANDARD
        .decode(text.split_whitespace().collect::<String>())
        .ok()?;
    let certificate = smki::Certificate::from_der(&der).ok()?;
    (certificate.subject_id() == Some(originator)
        && certificate.key_usage() == Some(KeyUsage::DigitalSignature))
    .then_some(certificate)
}

/// Whether a device's answer to a CS02b says `replacement` took its cell: a verified I0
/// response whose execution outcome has that certificate (by subject key identifier)
/// replacing with success.
fn replacement_succeeded(
    replacement: &smki::Certificate,
    answer: &DeviceAnswer,
) -> Result<(), String> {
    let code = &answer.answer.response.response_code;
    if *code != ResponseCode::Success {
        return Err(format!("answered {code}"));
    }
    let verified = answer.verified().map_err(|error| error.to_string())?;
    let outcome = gbcs::credentials::cs02b::decode_response_payload(&verified.decoded.payload)
        .map_err(|error| format!("the CS02b response: {error}"))?
        .ok_or("the device accepted the update for later")?;
    let key_id = replacement
        .subject_key_identifier()
        .ok_or("the replacement has no subject key identifier")?;
    let replaced = outcome
        .replacement_outcomes
        .iter()
        .find(|replaced| replaced.replacing_subject_key_id == key_id);
    match replaced {
        Some(replaced) if replaced.status == gbcs::credentials::StatusCode::SUCCESS => Ok(()),
        Some(replaced) => Err(format!("status {:?}", replaced.status)),
        None => Err("no outcome for the replacement certificate".to_owned()),
    }
}

/// The device response a response message carries in its `GBCSPayload` child, if any.
fn embedded_gbcs(content: &duis::BodyElement) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let text = &content.child("GBCSPayload")?.text;
    base64::engine::general_purpose::STANDARD
        .decode(text.split_whitespace().collect::<String>())
        .ok()
}
