//! Every RTDS DUIS template of `@smartdcc/duis-templates`, signed by DCC's own `Sign` (DCC
//! Boxed's keys, chosen by each request's originator) and sent to one ecosystem running with
//! `--dccboxed-keystore`, gets the synchronous answer its command variant calls for, and
//! every answer passes DCC's `Validate` with its signature checked:
//!
//! - command variant 1 (and 5): `I99`, the device's response follows asynchronously;
//! - 2: `I0` with the GBCS command as a `LocalCommand`;
//! - 4: `I0` with a `PreCommand`; signed with the originator's DS key and sent back as
//!   command variant 5 with the same RequestID, it gets `I99`;
//! - 8: the DCC's own answer: `I0` with the body the service returns (`DSPInventory`,
//!   `DSPScheduleID`, …), or `I99` where the DCC answers later.
//!
//! Requests the DCC itself originates (RequestID originator 90-B3-D5-1F-30-00-00-02) are
//! signed by DCC's tool with the DSP's XML-signing key; DCC Boxed serves them, and so does the
//! DSP: they get the answer of their command variant like any other.
//!
//! The templates go in name order, except those that change the inventory or the credentials
//! other templates rely on, which go last. A user signs its pre-commands with the DS key the
//! device trusts for it: after a 6.15.1 that replaces its own anchor on the device at once,
//! the replacement certificate's (`PreCommandSigners`). One JVM signs them all, one validates
//! every answer (`test_support::dcc_batch`). `all_templates_not_yet.txt` lists the templates that do
//! not get the right answer yet, one a line with the reason: the test fails on any other
//! difference, and on a listed template that now gets it (take it off), so the list only
//! shrinks. Needs Java and `.dcc-tooling/`: SKIPPED without them, failing under `CI=true`.
//!
//! Every device command answered `I99` gets its asynchronous response, and DCC's own parsers
//! (the oracle of `.dcc-tooling/oracle`: `@smartdcc/duis-parser`, `@smartdcc/gbcs-parser`)
//! read every answer the user gets, synchronous or delivered to its inbox (device responses,
//! device and DCC alerts): the DUIS document and each GBCSPayload in it must parse, and each
//! MAC and signature must verify. The oracle finds the users' keys in DCC Boxed's
//! `keystore.json` (the Z1 generation, as DCC Boxed's own nodes do) and the devices'
//! certificates, which dccsim issues, through the ecosystem's SMKI repository, as it would ask
//! DCC Boxed's. `all_templates_oracle_not_yet.txt` lists, the same way, the templates whose
//! answers the oracle does not pass yet. Without the oracle (node, `.dcc-tooling/oracle`)
//! that part is SKIPPED, failing under `CI=true`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use dcc_model::{CommandVariant, Eui64, RequestId};
use duis::catalogue::{self, ServiceDefinition};
use duis::{Request, RequestBody, ResponseBody};
use ecosystem::identities::Identities;
use ecosystem::user::{replaced_own_signing_certificate, Answer, ResponseInbox};
use ecosystem::EcosystemConfig;
use gbcs::crypto::SigningKey;
use gbcs::SignatureField;
use smki::KeyUsage;
use test_support::dcc_batch::DccBatchTool;

/// The templates DCC's own `Sign` refuses, with its reason: left out, as issue 7 says.
const UNSIGNABLE_BY_DCC: &[&str] = &[
    // 7.16 from the load controller, 90-B3-D5-1F-30-01-00-08: `Sign` has no certificate for it
    // ("could not locate certificate for: 90-B3-D5-1F-30-01-00-08").
    "ECS47e_7.16_APC_INPUT_SUCCESS",
    "ECS47e_7.16_APC_OUTPUT_SUCCESS",
];

/// The templates go in four stages, each in name order: first all those that leave what
/// others rely on alone; then those that change the originator's credentials; then the change
/// of supplier (6.23: from then the ESME trusts the second supplier, not the template's); then
/// those that change the inventory and device statuses. Within a stage the command variant 4
/// templates go last, signed in a batch of their own, and their pre-commands go back as command
/// variant 5 in the same order before the next stage starts: a device takes a command only when
/// its counter (the command variant 4's RequestID counter) is above every one it took before.
fn stage(template: &Template) -> (usize, bool) {
    let order = match template.service.service_reference_variant {
        "6.15.1" | "6.15.2" | "6.21" | "8.5" => 1,
        "6.23" => 2,
        "8.3" | "8.4" | "8.14.3" | "8.14.4" | "12.2" => 3,
        _ => 0,
    };
    (order, template.request.header.command_variant.number() == 4)
}

fn tooling() -> Option<PathBuf> {
    let what = "all RTDS templates against the DSP";
    test_support::fetch_dcc_tooling_if_missing();
    test_support::duis_templates(what)?;
    test_support::dcc_tooling("dccboxed-keystore/keystore.json", what)?;
    test_support::dcc_tooling("duis-sign-wrap/dist/tool.jar", what)?;
    if !test_support::tool_available("java", "-version", what)
        || !test_support::tool_available("javac", "-version", what)
    {
        return None;
    }
    Some(test_support::dcc_tooling_root())
}

fn not_yet() -> BTreeMap<String, String> {
    listed(include_str!("all_templates_not_yet.txt"))
}

/// The templates whose answers DCC's oracle does not pass yet, with why.
fn oracle_not_yet() -> BTreeMap<String, String> {
    listed(include_str!("all_templates_oracle_not_yet.txt"))
}

/// A not-yet list: a template's name then the reason, a line each; `#` starts a comment.
fn listed(list: &str) -> BTreeMap<String, String> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once(' ') {
            Some((name, reason)) => (name.to_owned(), reason.trim().to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect()
}

/// One template on its way through the DSP.
struct Template {
    /// The file name without `_REQUEST_DUIS.XML`.
    name: String,
    request: Request,
    service: &'static ServiceDefinition,
    unsigned: Vec<u8>,
    /// The synchronous answers, in order (two for a command variant 4: the pre-command's, then
    /// the command variant 5's).
    answers: Vec<Vec<u8>>,
}

/// The DUIS URL of a command variant.
fn url_of(command_variant: CommandVariant) -> &'static str {
    match command_variant.number() {
        4 => "serviceT",
        2 | 6 | 8 => "serviceD",
        _ => "serviceS",
    }
}

/// An answer in a few words: its response code and, for `I0`, its body element.
fn summary(answer: &[u8]) -> String {
    let Ok(response) = duis::parse_response(answer) else {
        return format!(
            "not a DUIS response: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(200)])
        );
    };
    let body = match &response.body {
        ResponseBody::Empty { .. } => None,
        ResponseBody::GbcsPayload { .. } => Some("GBCSPayload"),
        ResponseBody::PreCommand { .. } => Some("PreCommand"),
        ResponseBody::LocalCommand { .. } => Some("LocalCommand"),
        ResponseBody::DspInventory { .. } => Some("DSPInventory"),
        ResponseBody::OtherResponseMessage { content, .. } => Some(content.name.as_str()),
        ResponseBody::DeviceAlert { .. } => Some("DeviceAlertMessage"),
        ResponseBody::DccAlert { .. } => Some("DCCAlertMessage"),
    };
    match body {
        Some(body) => format!("{} {body}", response.response_code),
        None => response.response_code.to_string(),
    }
}

/// The answers a template's command variant calls for, in order.
fn expected(template: &Template) -> Vec<String> {
    let command_variant = template.request.header.command_variant;
    match command_variant.number() {
        2 | 6 => vec!["I0 LocalCommand".into()],
        4 => vec!["I0 PreCommand".into(), "I99".into()],
        8 => vec![non_device_answer(template.service)],
        _ => vec!["I99".into()],
    }
}

/// What the DCC answers at once to a non-device service: the service's own body where DUIS
/// gives it one at once, else `I99` (the outcome follows asynchronously).
fn non_device_answer(service: &ServiceDefinition) -> String {
    match service.service_reference_variant {
        "8.2" => "I0 DSPInventory",
        "5.1" => "I0 DSPScheduleID",
        "5.2" => "I0 DSPSchedulesRead",
        "8.6" => "I0 DSPOptIn",
        "12.1" => "I0 DSPWANMatrix",
        _ => "I99",
    }
    .into()
}

/// The pre-command in `answer` signed with `key`, as a command variant 5 request with the
/// template's RequestID.
fn signed_pre_command(request: &Request, answer: &[u8], key: &SigningKey) -> Option<Vec<u8>> {
    let ResponseBody::PreCommand { payload, .. } = duis::parse_response(answer).ok()?.body else {
        return None;
    };
    let signature = gbcs::protection::sign_pre_command(&payload, key).ok()?;
    let signed = gbcs::GeneralSigning::parse(&payload)
        .ok()?
        .with_signature(SignatureField::Present(signature))
        .encode();
    let cv5 = Request {
        header: duis::RequestHeader {
            command_variant: CommandVariant::SignedPreCommandOverWan,
            ..request.header.clone()
        },
        body: RequestBody::SignedPreCommand {
            execution_date_time: None,
            gbcs_payload: signed,
        },
        ..request.clone()
    };
    Some(duis::render_request(&cv5).into_bytes())
}

/// The DS key each originator signs its pre-commands for a device with: its DCC Boxed key (the
/// Z1 generation, [`Identities::organisation`]) until it replaces its own DS anchor on that
/// device at once (6.15.1 without an `ExecutionDateTime`). From that command on the device
/// verifies the originator's commands against the replacement certificate, so the originator
/// signs with that certificate's key, which DCC Boxed's key store holds: the 6.15.1 templates'
/// replacement DS certificate (serial 4E046AD0…, 2025–2035) is a newer issue for the key of
/// the supplier's Z1b certificate (4A07BC01…), the one RTDS's 6.15.1 command carries.
struct PreCommandSigners {
    identities: Identities,
    /// The key of the replacement DS certificate, by (originator, device).
    replaced: BTreeMap<(Eui64, Eui64), Vec<u8>>,
}

impl PreCommandSigners {
    fn key(&self, originator: Eui64, device: Eui64) -> Option<SigningKey> {
        let pkcs8 = match self.replaced.get(&(originator, device)) {
            Some(pkcs8) => pkcs8.as_slice(),
            None => self
                .identities
                .organisation(originator, KeyUsage::DigitalSignature, None)
                .ok()?
                .private_key_pkcs8_der
                .as_deref()?,
        };
        SigningKey::from_pkcs8(pkcs8).ok()
    }

    /// Notes that `request`'s command goes to its device next: a credentials update that
    /// replaces the originator's own DS anchor there at once changes its key for that device.
    fn sent(&mut self, request: &Request) {
        let RequestBody::ServiceRequest(body) = &request.body else {
            return;
        };
        let request_id = request.header.request_id;
        let Some(replacement) = replaced_own_signing_certificate(
            request.header.service_reference_variant.as_str(),
            request_id.originator,
            body,
        ) else {
            return;
        };
        if let Some(pkcs8) = self.identities.private_key_of(&replacement) {
            self.replaced
                .insert((request_id.originator, request_id.target), pkcs8);
        }
    }
}

/// The DSP's DUIS front door.
struct Dsp {
    duis_url: String,
    client: reqwest::Client,
}

impl Dsp {
    /// The synchronous answer to `xml` posted to `/api/v1/{url}` (an HTTP error as text).
    async fn post(&self, url: &str, xml: Vec<u8>) -> Vec<u8> {
        let response = self
            .client
            .post(format!("{}/api/v1/{url}", self.duis_url))
            .header("content-type", "application/xml")
            .body(xml)
            .send()
            .await
            .expect("post");
        let status = response.status();
        let body = response.bytes().await.expect("body").to_vec();
        if status.is_success() {
            return body;
        }
        format!("HTTP {status}: {}", String::from_utf8_lossy(&body)).into_bytes()
    }

    /// What the DSP's audit log says of a request (`GET /admin/audit/{request_id}`), on one
    /// line.
    async fn audit(&self, request: &Request) -> String {
        let url = format!(
            "{}/admin/audit/{}",
            self.duis_url, request.header.request_id
        );
        let Ok(response) = self.client.get(url).send().await else {
            return "unavailable".into();
        };
        let text = response.text().await.unwrap_or_default();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Signs the stage's templates in one batch (counters rising in order), sends each, then signs
/// the pre-commands returned with the originators' DS keys and sends them as command variant 5
/// (one batch of `Sign` keeping the counter). Returns the templates `Sign` refused, with its log.
async fn send_stage(
    tool: &DccBatchTool,
    dsp: &Dsp,
    signers: &mut PreCommandSigners,
    templates: &mut [Template],
    posts: &mut Posts<'_>,
) -> Vec<String> {
    let unsigned: Vec<Vec<u8>> = templates
        .iter()
        .map(|template| template.unsigned.clone())
        .collect();
    let signed = tool.sign(&unsigned, false).expect("DCC's Sign runs");
    let mut unsignable = Vec::new();
    for (template, signed) in templates.iter_mut().zip(signed) {
        let xml = match signed {
            Ok(xml) => xml,
            Err(log) => {
                unsignable.push(format!("{}: {log}", template.name));
                continue;
            }
        };
        // The RequestID with the counter Sign gave it (the command variant 5 reuses it).
        template.request = duis::parse_request(&xml).expect("a signed template parses");
        let url = url_of(template.request.header.command_variant);
        posts.sent(&template.name);
        template.answers.push(dsp.post(url, xml).await);
    }
    let mut cv5_unsigned = Vec::new();
    let mut cv5_of = Vec::new();
    for (index, template) in templates.iter().enumerate() {
        if template.request.header.command_variant.number() != 4 {
            continue;
        }
        let Some(answer) = template.answers.first() else {
            continue;
        };
        let request_id = template.request.header.request_id;
        let Some(key) = signers.key(request_id.originator, request_id.target) else {
            continue;
        };
        if let Some(cv5) = signed_pre_command(&template.request, answer, &key) {
            cv5_unsigned.push(cv5);
            cv5_of.push(index);
            signers.sent(&template.request);
        }
    }
    let cv5_signed = tool.sign(&cv5_unsigned, true).expect("DCC's Sign runs");
    for (index, signed) in cv5_of.into_iter().zip(cv5_signed) {
        let answer = match signed {
            Ok(xml) => {
                posts.sent(&templates[index].name);
                dsp.post("serviceS", xml).await
            }
            Err(log) => format!("the CV5 request did not sign: {log}").into_bytes(),
        };
        templates[index].answers.push(answer);
    }
    unsignable
}

/// Which template was sent when, by how many documents the inbox held then: a document the
/// DSP delivers that answers no template's request (a device or DCC alert) is named by the
/// template last sent before it arrived.
struct Posts<'a> {
    inbox: &'a ResponseInbox,
    /// (documents delivered when it was sent, the template's name), in order.
    sent: Vec<(usize, String)>,
}

impl Posts<'_> {
    fn sent(&mut self, name: &str) {
        self.sent
            .push((self.inbox.delivered().len(), name.to_owned()));
    }

    /// The template last sent before the `index`-th delivered document arrived.
    fn before(&self, index: usize) -> Option<&str> {
        self.sent
            .iter()
            .take_while(|(delivered, _)| *delivered <= index)
            .last()
            .map(|(_, name)| name.as_str())
    }
}

/// How long the device commands answered `I99` may take, all told, to get their asynchronous
/// responses once the last template is sent (they take about a second).
const ASYNCHRONOUS_LIMIT: Duration = Duration::from_secs(60);

/// The RequestIDs of the templates that await an asynchronous response: a device command (any
/// command variant but 8) whose last synchronous answer is `I99`.
fn awaiting_response(templates: &[Template]) -> Vec<(RequestId, &str)> {
    templates
        .iter()
        .filter(|template| template.request.header.command_variant.number() != 8)
        .filter(|template| {
            template
                .answers
                .last()
                .is_some_and(|answer| summary(answer) == "I99")
        })
        .map(|template| (template.request.header.request_id, template.name.as_str()))
        .collect()
}

/// Waits until each template in `awaiting` has its response delivered (at most
/// [`ASYNCHRONOUS_LIMIT`]), then until no document has arrived for half a second (the alerts
/// some commands raise); returns every document delivered, in order of arrival.
async fn settle(inbox: &ResponseInbox, awaiting: &[(RequestId, &str)]) -> Vec<Answer> {
    let deadline = Instant::now() + ASYNCHRONOUS_LIMIT;
    loop {
        let delivered = inbox.delivered();
        let all_there = awaiting.iter().all(|(request_id, _)| {
            delivered
                .iter()
                .any(|answer| answer.response.request_id == Some(*request_id))
        });
        if all_there || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut count = inbox.delivered().len();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = inbox.delivered().len();
        if now == count {
            return inbox.delivered();
        }
        count = now;
    }
}

/// An answer the user got, for the oracle: the template it is charged to and how to name it.
struct Judged<'a> {
    template: &'a str,
    what: String,
    xml: &'a [u8],
    /// A device's response to a template named SUCCESS: its GBCS must report every
    /// instruction done.
    success_expected: bool,
}

/// The answers the user got, each charged to a template: the synchronous answers; each
/// delivered document that answers a template's request; any other (alerts) to the template
/// sent last before it arrived.
fn judged<'a>(
    templates: &'a [Template],
    delivered: &'a [Answer],
    posts: &'a Posts<'_>,
) -> Vec<Judged<'a>> {
    let mut judged = Vec::new();
    for template in templates {
        for (index, answer) in template.answers.iter().enumerate() {
            judged.push(Judged {
                template: &template.name,
                what: format!("synchronous answer {} ({})", index + 1, summary(answer)),
                xml: answer,
                success_expected: false,
            });
        }
    }
    for (index, answer) in delivered.iter().enumerate() {
        let answers = templates.iter().find(|template| {
            answer.response.request_id == Some(template.request.header.request_id)
        });
        let (template, what) = match answers {
            Some(template) => (
                template.name.as_str(),
                format!("asynchronous response ({})", summary(&answer.xml)),
            ),
            None => (
                posts.before(index).unwrap_or("(before any template)"),
                format!(
                    "delivered {} {} (delivered after this template was sent)",
                    summary(&answer.xml),
                    answer.response.response_id.as_deref().unwrap_or_default()
                ),
            ),
        };
        judged.push(Judged {
            template,
            what,
            xml: &answer.xml,
            success_expected: answers.is_some_and(|template| template.name.contains("SUCCESS")),
        });
    }
    judged
}

/// How many documents one run of the oracle reads: one node process for many files (each
/// takes a few milliseconds), the command line kept well short of the system's limit.
const ORACLE_BATCH: usize = 400;

/// DCC's oracle's problems with each document, in order (see
/// [`test_support::dcc_oracle_problems`]), the documents written to `folder`; for a document
/// whose `success_expected`, also each instruction its GBCS reports not done
/// ([`test_support::dcc_oracle_failures`]).
fn oracle_problems(
    folder: &std::path::Path,
    documents: &[(Vec<u8>, bool)],
    arguments: &[String],
) -> Vec<Vec<String>> {
    std::fs::create_dir_all(folder).expect("oracle folder");
    let files: Vec<PathBuf> = documents
        .iter()
        .enumerate()
        .map(|(index, document)| {
            let file = folder.join(format!("{index:04}.xml"));
            std::fs::write(&file, &document.0).expect("write a document for the oracle");
            file
        })
        .collect();
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    files
        .chunks(ORACLE_BATCH)
        .flat_map(|batch| {
            test_support::dcc_oracle(&arguments, batch).unwrap_or_else(|error| panic!("{error}"))
        })
        .zip(documents)
        .map(|(verdict, (_, success_expected))| {
            let mut problems = test_support::dcc_oracle_problems(&verdict);
            if *success_expected {
                problems.extend(
                    test_support::dcc_oracle_failures(&verdict)
                        .into_iter()
                        .map(|failure| format!("a success template's response reports {failure}")),
                );
            }
            problems
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rtds_template_signed_by_dcc_gets_its_answer() {
    let Some(root) = tooling() else { return };
    let oracle =
        test_support::dcc_oracle_available("DCC's parsers on every answer to the templates");
    let started = Instant::now();
    let work = tempfile::tempdir().expect("work dir");
    let tool = DccBatchTool::compile(work.path()).expect("the batch driver compiles");

    // Every template, in name order, those that change what others rely on last.
    let folder = root.join("duis-templates/templates");
    let mut templates: Vec<Template> = test_support::read_folder(&folder)
        .expect("templates")
        .into_iter()
        .filter(|(name, _)| name.ends_with("_REQUEST_DUIS.XML"))
        .map(|(name, bytes)| {
            let request = duis::parse_request(&bytes)
                .unwrap_or_else(|error| panic!("{name} does not parse: {error}"));
            let service = catalogue::lookup(request.header.service_reference_variant.as_str())
                .unwrap_or_else(|| panic!("{name}: service not in the catalogue"));
            Template {
                name: name.trim_end_matches("_REQUEST_DUIS.XML").to_owned(),
                request,
                service,
                unsigned: bytes,
                answers: Vec::new(),
            }
        })
        .collect();
    assert_eq!(templates.len(), 297, "the RTDS template set");
    templates.sort_by_key(stage);

    let inbox = ResponseInbox::start().await.expect("inbox");
    let mut config = EcosystemConfig::default().with_ephemeral_ports();
    config.response_url = Some(inbox.url.clone());
    config.dccboxed_keystore = Some(root.join("dccboxed-keystore/keystore.json"));
    let running = ecosystem::start_in_process(config)
        .await
        .expect("ecosystem starts");
    let peer = Dsp {
        duis_url: running.duis_url.clone().expect("duis"),
        client: reqwest::Client::new(),
    };
    ecosystem::wait_until_ready(&peer.duis_url, Duration::from_secs(60))
        .await
        .expect("ready");
    let mut signers = PreCommandSigners {
        identities: running.identities.clone(),
        replaced: BTreeMap::new(),
    };

    let mut unsignable = Vec::new();
    let mut posts = Posts {
        inbox: &inbox,
        sent: Vec::new(),
    };
    let mut rest = templates.as_mut_slice();
    while !rest.is_empty() {
        let current = stage(&rest[0]);
        let length = rest
            .iter()
            .take_while(|template| stage(template) == current)
            .count();
        let (now, later) = rest.split_at_mut(length);
        unsignable.extend(send_stage(&tool, &peer, &mut signers, now, &mut posts).await);
        rest = later;
    }
    println!("sent and answered in {:?}", started.elapsed());
    let awaiting = awaiting_response(&templates);
    let delivered = settle(&inbox, &awaiting).await;
    let unanswered: Vec<&str> = awaiting
        .iter()
        .filter(|(request_id, _)| {
            !delivered
                .iter()
                .any(|answer| answer.response.request_id == Some(*request_id))
        })
        .map(|(_, name)| *name)
        .collect();
    println!(
        "{} documents delivered, {} responses awaited, in {:?}",
        delivered.len(),
        awaiting.len(),
        started.elapsed()
    );

    // DCC's oracle over every answer the user got (in its own thread, beside Validate; the
    // ecosystem's SMKI repository answers its look-ups), then one batch of DCC's Validate
    // over the synchronous answers and the documents delivered.
    let judged = judged(&templates, &delivered, &posts);
    let oracle_run = oracle.then(|| {
        let documents: Vec<(Vec<u8>, bool)> = judged
            .iter()
            .map(|judged| (judged.xml.to_vec(), judged.success_expected))
            .collect();
        let arguments = vec![
            "--keystore".to_owned(),
            root.join("dccboxed-keystore/keystore.json")
                .to_string_lossy()
                .into_owned(),
            "--smki".to_owned(),
            running
                .smki_url
                .clone()
                .expect("the SMKI repository runs here"),
        ];
        let folder = work.path().join("oracle");
        tokio::task::spawn_blocking(move || oracle_problems(&folder, &documents, &arguments))
    });
    let answers: Vec<Vec<u8>> = templates
        .iter()
        .flat_map(|template| template.answers.iter().cloned())
        .chain(delivered.iter().map(|answer| answer.xml.clone()))
        .collect();
    let mut verdicts = tool
        .validate(&answers)
        .expect("DCC's Validate runs")
        .into_iter();
    println!(
        "validated {} answers in {:?}",
        answers.len(),
        started.elapsed()
    );
    let oracle_verdicts = match oracle_run {
        Some(run) => Some(run.await.expect("the oracle's thread")),
        None => None,
    };
    println!("the oracle read them by {:?}", started.elapsed());

    let not_yet = not_yet();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let (mut right, mut valid) = (0, 0);
    let mut unexpected = Vec::new();
    let mut now_right = Vec::new();
    let mut still_not_right = Vec::new();
    for template in &templates {
        let got: Vec<String> = template.answers.iter().map(|a| summary(a)).collect();
        let invalid: Vec<String> = template
            .answers
            .iter()
            .filter_map(|_| verdicts.next()?.err())
            .collect();
        if template.answers.is_empty() {
            continue;
        }
        if invalid.is_empty() {
            valid += 1;
        }
        *counts.entry(got.join(" then ")).or_default() += 1;
        let wanted = expected(template);
        let holds = got == wanted && invalid.is_empty();
        match (holds, not_yet.contains_key(&template.name)) {
            (true, false) => right += 1,
            (true, true) => now_right.push(template.name.clone()),
            (false, true) => still_not_right.push(format!(
                "{}: got {}\n    audit: {}",
                template.name,
                got.join(" then "),
                peer.audit(&template.request).await
            )),
            (false, false) => unexpected.push(format!(
                "{} ({} CV{}): got {}, wanted {}{}\n    audit: {}",
                template.name,
                template.service.service_reference_variant,
                template.request.header.command_variant.number(),
                got.join(" then "),
                wanted.join(" then "),
                if invalid.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; Validate: {}\n    answers: {}",
                        invalid.join(" | "),
                        template
                            .answers
                            .iter()
                            .map(|answer| String::from_utf8_lossy(answer).into_owned())
                            .collect::<Vec<_>>()
                            .join("\n")
                    )
                },
                peer.audit(&template.request).await
            )),
        }
    }
    // The documents delivered pass Validate, and every device command answered I99 gets its
    // response.
    let synchronous = answers.len() - delivered.len();
    for (judged, verdict) in judged[synchronous..].iter().zip(verdicts) {
        if let Err(log) = verdict {
            unexpected.push(format!(
                "{}: {} fails DCC's Validate: {log}\n    {}",
                judged.template,
                judged.what,
                String::from_utf8_lossy(judged.xml)
            ));
        }
    }
    for name in &unanswered {
        unexpected.push(format!(
            "{name}: no asynchronous response within {ASYNCHRONOUS_LIMIT:?} of the last template"
        ));
    }
    running.shutdown().await;
    let oracle_outcome = oracle_verdicts
        .as_ref()
        .map(|verdicts| judge_oracle(&judged, verdicts, &templates));
    println!("answers by outcome:");
    for (outcome, count) in &counts {
        println!("  {count:4}  {outcome}");
    }
    println!(
        "{right} of {} templates get the answer their command variant calls for; {valid} \
         pass DCC's Validate; {} left out (DCC's Sign refuses them); {} not yet; {:?} in all",
        templates.len(),
        unsignable.len(),
        not_yet.len(),
        started.elapsed()
    );
    for line in &still_not_right {
        println!("NOT YET {line}");
    }
    for line in &unexpected {
        println!("NOT RIGHT {line}");
    }
    if let Some(outcome) = &oracle_outcome {
        outcome.print();
    }
    for name in not_yet.keys() {
        assert!(
            templates.iter().any(|template| &template.name == name),
            "{name} in all_templates_not_yet.txt is not a template"
        );
    }
    let mut unsignable_names: Vec<&str> = unsignable
        .iter()
        .map(|line| line.split_once(':').map_or(line.as_str(), |(name, _)| name))
        .collect();
    unsignable_names.sort_unstable();
    assert_eq!(
        unsignable_names,
        UNSIGNABLE_BY_DCC,
        "templates DCC's Sign refuses:\n{}",
        unsignable.join("\n")
    );
    assert!(
        unexpected.is_empty(),
        "{} templates do not get their answer:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        now_right.is_empty(),
        "these now get their answer: take them off all_templates_not_yet.txt:\n{}",
        now_right.join("\n")
    );
    if let Some(outcome) = oracle_outcome {
        outcome.assert();
    }
}

/// What DCC's oracle made of the answers, by template.
struct OracleOutcome {
    answers: usize,
    passed: usize,
    /// Templates with an answer the oracle does not pass, not on the list: what fails.
    unexpected: Vec<String>,
    /// Listed templates still failing.
    still_failing: Vec<String>,
    /// Listed templates whose answers all pass now.
    now_passing: Vec<String>,
}

/// Charges the oracle's problems with each answer to its template and compares them with
/// `all_templates_oracle_not_yet.txt`.
fn judge_oracle(
    judged: &[Judged<'_>],
    problems: &[Vec<String>],
    templates: &[Template],
) -> OracleOutcome {
    let listed = oracle_not_yet();
    for name in listed.keys() {
        assert!(
            templates.iter().any(|template| &template.name == name),
            "{name} in all_templates_oracle_not_yet.txt is not a template"
        );
    }
    let mut failing: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (judged, problems) in judged.iter().zip(problems) {
        if !problems.is_empty() {
            failing.entry(judged.template).or_default().push(format!(
                "{}: {}",
                judged.what,
                problems.join("; ")
            ));
        }
    }
    let mut outcome = OracleOutcome {
        answers: judged.len(),
        passed: problems
            .iter()
            .filter(|problems| problems.is_empty())
            .count(),
        unexpected: Vec::new(),
        still_failing: Vec::new(),
        now_passing: Vec::new(),
    };
    for (name, failures) in &failing {
        let line = format!("{name}: {}", failures.join("\n    "));
        match listed.contains_key(*name) {
            true => outcome.still_failing.push(line),
            false => outcome.unexpected.push(line),
        }
    }
    outcome.now_passing = listed
        .keys()
        .filter(|name| !failing.contains_key(name.as_str()))
        .cloned()
        .collect();
    outcome
}

impl OracleOutcome {
    fn print(&self) {
        println!(
            "{} of {} answers pass DCC's oracle (duis-parser, gbcs-parser: parsed, MACs and \
             signatures valid, every instruction of a SUCCESS template's response done)",
            self.passed, self.answers
        );
        for line in &self.still_failing {
            println!("ORACLE NOT YET {line}");
        }
        for line in &self.unexpected {
            println!("ORACLE FAILS {line}");
        }
    }

    fn assert(self) {
        assert!(
            self.unexpected.is_empty(),
            "DCC's oracle does not pass the answers to {} templates:\n{}",
            self.unexpected.len(),
            self.unexpected.join("\n")
        );
        assert!(
            self.now_passing.is_empty(),
            "DCC's oracle passes these now: take them off all_templates_oracle_not_yet.txt:\n{}",
            self.now_passing.join("\n")
        );
    }
}
