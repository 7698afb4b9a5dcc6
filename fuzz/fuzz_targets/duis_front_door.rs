//! Fuzz target: the DSP's DUIS front door. Whatever is posted to `/api/v1/serviceS|T|D`, the
//! answer is HTTP 200 with an `sr:Response` the DSP signed; and unless the input is a request
//! its originator signed as it stands, the code is an error (E…), never a 5xx.
//!
//! The input drives mutations of real signed requests (a 4.1.1 read, a 7.1 pre-command
//! request, an 8.2 inventory read) so the fuzzer explores near valid ones; an input that
//! starts with `<` is posted as it is.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use dcc_model::{CommandVariant, Eui64, RequestId, ResponseCode};
use dcc_proto::transport::GrpcTransport;
use duis::{BodyElement, Request, RequestBody, RequestHeader};
use ecosystem::config::{TEMPLATE_ESME, TEST_SUPPLIER};
use ecosystem::parties::PeerDirectory;
use ecosystem::{EcosystemConfig, Identities};
use libfuzzer_sys::fuzz_target;
use smki::{KeyUsage, RemotePartyRole};
use tower::ServiceExt;

struct Harness {
    runtime: tokio::runtime::Runtime,
    front_door: axum::Router,
    dsp_key: [u8; 65],
    supplier_key: [u8; 65],
    seeds: Vec<(&'static str, String)>,
}

struct Peers {
    tsp: GrpcTransport,
}

impl PeerDirectory for Peers {
    fn transport(&self, party: &str) -> GrpcTransport {
        if party == "tsp" {
            return self.tsp.clone();
        }
        // Nothing listens there: commands that pass every check fail to reach a CSP (E20).
        let endpoint = tonic::transport::Endpoint::from_static("http://127.0.0.1:9");
        dcc_proto::transport::remote(endpoint.connect_lazy())
    }
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let config = EcosystemConfig::default();
        let identities = Identities::build(&config).expect("identities");
        let tsp = tsp::new(tsp::TspConfig {
            pki: identities.pki.clone(),
            extra_identities: Vec::new(),
            api_key: None,
            at_time: time::OffsetDateTime::now_utc().unix_timestamp(),
            fleet: config.fleet,
        });
        let peers = Peers {
            tsp: tsp.local_transport(),
        };
        let clock = clock::Clock::system();
        let built = runtime.block_on(async {
            ecosystem::parties::build("dsp", &config, &identities, &peers, &clock).expect("dsp")
        });
        let front_door = built.http.expect("the DSP's front door");
        let key = |id, role| {
            identities
                .organisation(id, KeyUsage::DigitalSignature, Some(role))
                .expect("identity")
        };
        let supplier = key(TEST_SUPPLIER, RemotePartyRole::XML_SIGNING);
        let signer = duis::XmlSigner::from_pkcs8(
            supplier.private_key_pkcs8_der.as_deref().expect("private key"),
            supplier.certificate.issuer_name_rfc2253(),
            supplier.certificate.serial_decimal(),
        )
        .expect("signer");
        let request = |target: Eui64, cv: u8, variant: &str, body: BodyElement| {
            let variant: dcc_model::ServiceReferenceVariant = variant.parse().expect("variant");
            let request = Request {
                schema_version: "5.4".into(),
                header: RequestHeader {
                    request_id: RequestId::new(TEST_SUPPLIER, target, 1),
                    command_variant: CommandVariant::from_number(cv).expect("cv"),
                    service_reference: variant.service_reference().to_owned(),
                    service_reference_variant: variant,
                    first_in_sequence: None,
                    preceding_service_request_id: None,
                },
                body: RequestBody::ServiceRequest(body),
            };
            duis::sign_document(&duis::render_request(&request), &signer).expect("signed")
        };
        let seeds = vec![
            (
                "serviceS",
                request(
                    TEMPLATE_ESME,
                    1,
                    "4.1.1",
                    BodyElement::with_children("ReadInstantaneousImportRegisters", Vec::new()),
                ),
            ),
            (
                "serviceT",
                request(
                    TEMPLATE_ESME,
                    4,
                    "7.1",
                    BodyElement::with_children("EnableSupply", Vec::new()),
                ),
            ),
            (
                "serviceD",
                request(
                    dcc_model::DCC_ACCESS_CONTROL_BROKER,
                    8,
                    "8.2",
                    BodyElement::with_children(
                        "ReadInventory",
                        vec![BodyElement::leaf("DeviceID", TEMPLATE_ESME.to_string())],
                    ),
                ),
            ),
        ];
        let dsp = key(
            dcc_model::DCC_ACCESS_CONTROL_BROKER,
            RemotePartyRole::DSP_XML_SIGNING,
        );
        Harness {
            dsp_key: dsp.certificate.public_key_sec1(),
            supplier_key: supplier.certificate.public_key_sec1(),
            runtime,
            front_door,
            seeds,
        }
    })
}

/// The body to post: the input itself, or a seed changed as the input says (each three
/// bytes: where, what, how).
fn body_of(harness: &Harness, data: &[u8]) -> (&'static str, Vec<u8>) {
    let urls = ["serviceS", "serviceT", "serviceD"];
    if data.first() == Some(&b'<') {
        return (urls[data.len() % 3], data.to_vec());
    }
    let Some((&selector, edits)) = data.split_first() else {
        return ("serviceS", Vec::new());
    };
    let (url, seed) = &harness.seeds[usize::from(selector) % harness.seeds.len()];
    let url = if selector & 0x80 != 0 {
        urls[usize::from(selector) % 3]
    } else {
        url
    };
    let mut body = seed.as_bytes().to_vec();
    for edit in edits.chunks(3) {
        let [at, value, how] = [edit[0], *edit.get(1).unwrap_or(&0), *edit.get(2).unwrap_or(&0)];
        if body.is_empty() {
            break;
        }
        let position = (usize::from(at) * 31 + usize::from(how) * 7919) % body.len();
        match how % 4 {
            0 => body[position] = value,
            1 => body.insert(position, value),
            2 => {
                body.remove(position);
            }
            _ => body.truncate(position),
        }
    }
    (url, body)
}

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let (url, body) = body_of(harness, data);
    let signed_as_is = duis::verify_document(&body, &harness.supplier_key).is_ok();
    let (status, answer) = harness.runtime.block_on(async {
        let request = axum::http::Request::post(format!("/api/v1/{url}"))
            .header("content-type", "application/xml")
            .body(Body::from(body.clone()))
            .expect("request");
        let response = harness
            .front_door
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, bytes.to_vec())
    });
    assert!(
        status.is_success(),
        "HTTP {status}: {}",
        String::from_utf8_lossy(&answer)
    );
    duis::verify_document(&answer, &harness.dsp_key).expect("the answer is signed by the DSP");
    let response = duis::parse_response(&answer).expect("the answer is an sr:Response");
    if !signed_as_is {
        assert!(
            matches!(response.response_code, ResponseCode::Error(_)),
            "a request not signed as it stands got {}",
            response.response_code
        );
    }
});
