//! The crypto ceiling: how many service requests a second one core could complete if it did
//! nothing but the cryptography one non-critical read (4.1.1 to an ESME) needs, end to end.
//!
//! Measured with the project's own codecs on real messages made once beforehand: the user
//! signs the DUIS request, the DSP verifies it, MACs the GBCS command (cached ACB × device
//! shared secret) and signs its I99 answer, which the user verifies; the device verifies the
//! command's MAC, MACs its response and encrypts its register block; the DSP signs the
//! asynchronous `sr:Response`, and the user verifies that signature, the response's MAC and
//! decrypts the block. DUIS signing and verifying include their canonicalisation and digest
//! (XML-DSig cannot be done without them); parsing, the transformation and I/O are left out.

use std::time::{Duration, Instant};

use dcc_model::{CommandVariant, DeviceType, RequestId, ResponseCode};
use duis::{Response, ResponseBody};
use ecosystem::config::{TEMPLATE_ESME, TEST_SUPPLIER};
use ecosystem::user::DuisUser;
use ecosystem::Identities;
use gbcs::crypto::{KeyAgreementPrivateKey, SharedSecret};
use gbcs::protection;
use smki::{KeyUsage, RemotePartyRole};

/// One step's mean time per request.
#[derive(Debug, Clone)]
pub struct CryptoStep {
    pub name: &'static str,
    pub mean: Duration,
}

#[derive(Debug, Clone)]
pub struct CryptoCeiling {
    pub steps: Vec<CryptoStep>,
    pub iterations: u32,
}

impl CryptoCeiling {
    /// The crypto of one request, all steps.
    pub fn per_request(&self) -> Duration {
        self.steps.iter().map(|step| step.mean).sum()
    }

    /// Requests a second one core could do.
    pub fn requests_per_second_per_core(&self) -> f64 {
        let seconds = self.per_request().as_secs_f64();
        if seconds == 0.0 {
            return 0.0;
        }
        1.0 / seconds
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot prepare the crypto ceiling's messages: {0}")]
pub struct CeilingError(String);

fn failed(error: impl std::fmt::Display) -> CeilingError {
    CeilingError(error.to_string())
}

/// The messages and keys the measured steps work on, made once.
struct Material {
    user: DuisUser,
    user_xml_key: [u8; 65],
    dsp_signer: duis::XmlSigner,
    dsp_xml_key: [u8; 65],
    unsigned_acknowledgement: String,
    unsigned_device_response: String,
    signed_acknowledgement: String,
    signed_device_response: String,
    signed_request: String,
    command_apdu: gbcs::GeneralSigning,
    command_bytes: Vec<u8>,
    acb_device_secret: SharedSecret,
    device_user_secret: SharedSecret,
    response_apdu: gbcs::GeneralSigning,
    response_bytes: Vec<u8>,
    register_block: Vec<u8>,
    register_plaintext: Vec<u8>,
    counter: u64,
}

const COUNTER: u64 = 1_000;

fn prepare(identities: &Identities) -> Result<Material, CeilingError> {
    let acb = dcc_model::DCC_ACCESS_CONTROL_BROKER;
    let device_id = TEMPLATE_ESME;
    let user = DuisUser::new(TEST_SUPPLIER, identities, "http://127.0.0.1:9").map_err(failed)?;
    let user_xml_key = identities
        .organisation(
            TEST_SUPPLIER,
            KeyUsage::DigitalSignature,
            Some(RemotePartyRole::XML_SIGNING),
        )
        .map_err(failed)?
        .certificate
        .public_key_sec1();
    let dsp_xml = identities
        .organisation(
            acb,
            KeyUsage::DigitalSignature,
            Some(RemotePartyRole::DSP_XML_SIGNING),
        )
        .map_err(failed)?;
    let dsp_signer = duis::XmlSigner::from_pkcs8(
        dsp_xml.private_key_pkcs8_der.as_deref().unwrap_or_default(),
        dsp_xml.certificate.issuer_name_rfc2253(),
        dsp_xml.certificate.serial_decimal(),
    )
    .map_err(failed)?;
    let acb_key = identities
        .organisation(
            acb,
            KeyUsage::KeyAgreement,
            Some(RemotePartyRole::ACCESS_CONTROL_BROKER),
        )
        .map_err(failed)?;
    let acb_key = KeyAgreementPrivateKey::from_pkcs8(
        acb_key.private_key_pkcs8_der.as_deref().unwrap_or_default(),
    )
    .map_err(failed)?;
    let device_config = device::DeviceConfig::from_test_pki(
        &identities.pki,
        device_id,
        DeviceType::ElectricitySmartMeter,
        device::DeviceState::default(),
    )
    .map_err(failed)?;
    let mut device = device::Device::new(&device_config).map_err(failed)?;
    let device_key_agreement = device.key_agreement_public_key().clone();
    let acb_device_secret = SharedSecret::compute(&acb_key, &device_key_agreement);
    let device_user_secret = SharedSecret::compute(&user.key_agreement, &device_key_agreement);

    let signed_request = user
        .signed_request(
            device_id,
            COUNTER,
            CommandVariant::SendOverWan,
            "4.1.1",
            DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
        )
        .map_err(failed)?;
    let request = duis::parse_request(signed_request.as_bytes()).map_err(failed)?;
    let service = duis::catalogue::lookup("4.1.1").ok_or_else(|| failed("no service 4.1.1"))?;
    let context = dsp::services::CommandContext {
        request_id: request.header.request_id,
        command_variant: request.header.command_variant,
        device_type: DeviceType::ElectricitySmartMeter,
        now: time::OffsetDateTime::now_utc(),
        device_profile: Default::default(),
        requester_role: None,
    };
    let command = dsp::services::transform(service, &request, &context)
        .map_err(|rejection| failed(format!("{} {rejection}", rejection.response_code())))?;
    let command_bytes = protection::protect_command(&command.apdu, &acb_device_secret);
    let response_bytes = device
        .handle_command(
            &command_bytes,
            device::DeviceDateTime::from_offset_date_time(time::OffsetDateTime::now_utc()),
        )
        .map_err(failed)?;
    let response_apdu =
        protection::verify_response(&response_bytes, Some(&device_user_secret), None)
            .map_err(failed)?;
    let register_block = protection::find_encrypted_blocks(&response_apdu.payload)
        .first()
        .map(|block| block.to_vec())
        .ok_or_else(|| failed("the device's response has no encrypted block"))?;
    let answer = |response_code, body| Response {
        schema_version: String::new(),
        request_id: Some(RequestId::new(TEST_SUPPLIER, device_id, COUNTER)),
        response_id: None,
        response_code,
        response_date_time: "2026-01-01T00:00:00.000Z".to_owned(),
        body,
    };
    let service_reference_variant = request.header.service_reference_variant;
    let unsigned_acknowledgement = duis::render_response(&answer(
        ResponseCode::Acknowledgement,
        ResponseBody::Empty {
            service_reference: "4.1".to_owned(),
            service_reference_variant: service_reference_variant.clone(),
        },
    ));
    let unsigned_device_response = duis::render_response(&Response {
        response_id: Some(format!("{device_id}:{TEST_SUPPLIER}:{COUNTER}")),
        ..answer(
            ResponseCode::Success,
            ResponseBody::GbcsPayload {
                service_reference: "4.1".to_owned(),
                service_reference_variant,
                payload: response_bytes.clone(),
            },
        )
    });
    let register_plaintext = protection::decrypt_sensitive_block(
        &device_user_secret,
        device_id,
        TEST_SUPPLIER,
        response_apdu.header.transaction.counter,
        &register_block,
    )
    .map_err(failed)?;
    let signed_acknowledgement =
        duis::sign_document(&unsigned_acknowledgement, &dsp_signer).map_err(failed)?;
    let signed_device_response =
        duis::sign_document(&unsigned_device_response, &dsp_signer).map_err(failed)?;
    Ok(Material {
        signed_acknowledgement,
        signed_device_response,
        register_plaintext,
        user_xml_key,
        dsp_xml_key: dsp_xml.certificate.public_key_sec1(),
        user,
        dsp_signer,
        unsigned_acknowledgement,
        unsigned_device_response,
        signed_request,
        command_apdu: command.apdu,
        command_bytes,
        acb_device_secret,
        device_user_secret,
        response_apdu,
        response_bytes,
        register_block,
        counter: COUNTER,
    })
}

/// Runs each step repeatedly for about `budget` in all, on this thread, and returns the mean
/// time of each. Every step's result is checked, so a broken step fails loudly instead of
/// measuring nothing.
pub fn measure(identities: &Identities, budget: Duration) -> Result<CryptoCeiling, CeilingError> {
    let material = prepare(identities)?;
    let steps = steps();
    // One untimed round checks every step and warms caches.
    for (name, step) in &steps {
        step(&material).map_err(|error| failed(format!("{name}: {error}")))?;
    }
    let mut totals = vec![Duration::ZERO; steps.len()];
    let started = Instant::now();
    let mut iterations = 0u32;
    while iterations < 10 || (started.elapsed() < budget && iterations < 100_000) {
        for ((name, step), total) in steps.iter().zip(totals.iter_mut()) {
            let begun = Instant::now();
            step(&material).map_err(|error| failed(format!("{name}: {error}")))?;
            *total += begun.elapsed();
        }
        iterations += 1;
    }
    Ok(CryptoCeiling {
        steps: steps
            .iter()
            .zip(totals)
            .map(|((name, _), total)| CryptoStep {
                name,
                mean: total / iterations,
            })
            .collect(),
        iterations,
    })
}

type Step = fn(&Material) -> Result<(), String>;

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}

fn steps() -> Vec<(&'static str, Step)> {
    vec![
        ("user signs the DUIS request", |m| {
            m.user
                .signed_request(
                    TEMPLATE_ESME,
                    m.counter,
                    CommandVariant::SendOverWan,
                    "4.1.1",
                    DuisUser::body("ReadInstantaneousImportRegisters", Vec::new()),
                )
                .map(drop)
                .map_err(text)
        }),
        ("DSP verifies the request's signature", |m| {
            duis::verify_document(m.signed_request.as_bytes(), &m.user_xml_key).map_err(text)
        }),
        ("DSP MACs the GBCS command", |m| {
            let bytes = protection::protect_command(&m.command_apdu, &m.acb_device_secret);
            (bytes == m.command_bytes)
                .then_some(())
                .ok_or_else(|| "a different MAC".to_owned())
        }),
        ("DSP signs the I99 answer", |m| {
            duis::sign_document(&m.unsigned_acknowledgement, &m.dsp_signer)
                .map(drop)
                .map_err(text)
        }),
        ("user verifies the I99 answer", |m| {
            duis::verify_document(m.signed_acknowledgement.as_bytes(), &m.dsp_xml_key).map_err(text)
        }),
        ("device verifies the command's MAC", |m| {
            protection::verify_command(&m.command_bytes, &m.acb_device_secret, None)
                .map(drop)
                .map_err(text)
        }),
        ("device MACs its response and encrypts the registers", |m| {
            let block = protection::encrypt_sensitive_block(
                &m.device_user_secret,
                TEMPLATE_ESME,
                TEST_SUPPLIER,
                m.counter,
                &m.register_plaintext,
            );
            if block != m.register_block {
                return Err("a different encrypted block".to_owned());
            }
            let bytes =
                protection::protect_response_with_mac(&m.response_apdu, &m.device_user_secret);
            (bytes == m.response_bytes)
                .then_some(())
                .ok_or_else(|| "a different MAC".to_owned())
        }),
        ("DSP signs the device's response", |m| {
            duis::sign_document(&m.unsigned_device_response, &m.dsp_signer)
                .map(drop)
                .map_err(text)
        }),
        ("user verifies the response, its MAC, and decrypts", |m| {
            duis::verify_document(m.signed_device_response.as_bytes(), &m.dsp_xml_key)
                .map_err(text)?;
            let apdu =
                protection::verify_response(&m.response_bytes, Some(&m.device_user_secret), None)
                    .map_err(text)?;
            protection::decrypt_sensitive_block(
                &m.device_user_secret,
                apdu.header.originator,
                TEST_SUPPLIER,
                apdu.header.transaction.counter,
                &m.register_block,
            )
            .map(drop)
            .map_err(text)
        }),
    ]
}
