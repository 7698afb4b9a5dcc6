//! Access control's decisions, each refusal with its DUIS code: who signed (authenticate),
//! what a user may send where (authorise), to which device (eligibility), and replay.

use std::time::Duration;

use dcc_model::{CommandVariant, DeviceStatus, Eui64, RequestId, UserRole};
use duis::catalogue::{self, ServiceDefinition};
use duis::{BodyElement, RequestBody};
use smki::{KeyUsage, RemotePartyRole};

use super::*;
use crate::access::{self, Caller, Endpoint};
use crate::rejection::Rejection;
use crate::UserStatus;

fn service(variant: &str) -> &'static ServiceDefinition {
    catalogue::lookup(variant).expect("a service of the table")
}

/// The code of a refusal, or `Ok` of an acceptance, for assertions.
fn verdict<T>(outcome: Result<T, Rejection>) -> String {
    match outcome {
        Ok(_) => "accepted".to_owned(),
        Err(rejection) => rejection.response_code().to_string(),
    }
}

fn cv(number: u8) -> CommandVariant {
    CommandVariant::from_number(number).expect("a command variant")
}

fn caller(id: Eui64, roles: &[UserRole]) -> Caller {
    Caller {
        id,
        roles: roles.to_vec(),
        is_dcc: false,
    }
}

// ---- caller_for: the user's status and roles -------------------------------------------

#[tokio::test]
async fn the_dcc_is_a_caller_with_no_roles_of_its_own() {
    let dsp = TestDsp::start().await;
    let caller = access::caller_for(&dsp.shared, ACB, service("4.1.1")).expect("the DCC");
    assert!(caller.is_dcc);
    assert!(caller.roles.is_empty());
}

#[tokio::test]
async fn an_originator_that_is_not_a_dcc_user_is_refused_e1() {
    let dsp = TestDsp::start().await;
    let stranger = Eui64::from_u64(0x90B3_D51F_30FF_0000);
    let refused = access::caller_for(&dsp.shared, stranger, service("4.1.1")).unwrap_err();
    assert!(matches!(refused, Rejection::UnknownUser(_)), "{refused:?}");
    assert_eq!(refused.response_code().to_string(), "E1");
}

#[tokio::test]
async fn a_suspended_user_is_refused_e3_and_one_suspended_from_a_service_only_for_it() {
    let mut suspended = UserConfig::new(SUPPLIER, vec![UserRole::ImportSupplier]);
    suspended.status = UserStatus {
        suspended: true,
        suspended_service_reference_variants: Vec::new(),
    };
    let mut partly = UserConfig::new(NETWORK_OPERATOR, vec![UserRole::ElectricityDistributor]);
    partly.status.suspended_service_reference_variants = vec!["4.16".to_owned()];
    let dsp = TestDsp::with(Options {
        users: vec![suspended, partly],
        ..Options::default()
    })
    .await;
    let refused = access::caller_for(&dsp.shared, SUPPLIER, service("4.1.1")).unwrap_err();
    assert!(matches!(refused, Rejection::UserStatus(ref why) if why.contains("is suspended")));
    assert_eq!(refused.response_code().to_string(), "E3");
    let refused = access::caller_for(&dsp.shared, NETWORK_OPERATOR, service("4.16")).unwrap_err();
    assert!(matches!(refused, Rejection::UserStatus(ref why) if why.contains("from 4.16")));
    assert_eq!(refused.response_code().to_string(), "E3");
    // The same user may send what it is not suspended from.
    let caller = access::caller_for(&dsp.shared, NETWORK_OPERATOR, service("4.1.1")).unwrap();
    assert_eq!(caller.roles, [UserRole::ElectricityDistributor]);
}

#[tokio::test]
async fn a_user_holding_no_role_the_service_allows_is_refused_e2() {
    let dsp = TestDsp::start().await;
    // 7.1 Enable Supply: import suppliers only.
    let refused = access::caller_for(&dsp.shared, NETWORK_OPERATOR, service("7.1")).unwrap_err();
    assert!(matches!(refused, Rejection::RoleNotPermitted(ref why) if why.starts_with("7.1 ")));
    assert_eq!(refused.response_code().to_string(), "E2");
}

#[tokio::test]
async fn the_caller_keeps_only_the_roles_the_service_allows() {
    let dsp = TestDsp::start().await;
    // The test supplier is import and gas supplier; 7.1 allows import suppliers, 4.16 import
    // suppliers and electricity distributors, 7.2 both supplier roles.
    let roles = |variant| {
        access::caller_for(&dsp.shared, SUPPLIER, service(variant))
            .unwrap()
            .roles
    };
    assert_eq!(roles("7.1"), [UserRole::ImportSupplier]);
    assert_eq!(roles("4.16"), [UserRole::ImportSupplier]);
    assert_eq!(
        roles("7.2"),
        [UserRole::ImportSupplier, UserRole::GasSupplier]
    );
}

#[tokio::test]
async fn a_service_the_table_names_no_role_for_is_open_to_supplier_roles_only() {
    let dsp = TestDsp::start().await;
    // 7.16 Limit APC Level: the table's source names no role.
    assert!(service("7.16").eligible_roles.is_empty());
    let supplier = access::caller_for(&dsp.shared, SUPPLIER, service("7.16")).unwrap();
    assert_eq!(
        supplier.roles,
        [UserRole::ImportSupplier, UserRole::GasSupplier]
    );
    let refused = access::caller_for(&dsp.shared, NETWORK_OPERATOR, service("7.16")).unwrap_err();
    assert_eq!(refused.response_code().to_string(), "E2");
}

// ---- eligibility: the device, its status and type, the caller's registration -----------

#[tokio::test]
async fn a_device_the_inventory_does_not_hold_is_refused_e19() {
    let dsp = TestDsp::start().await;
    let supplier = caller(SUPPLIER, &[UserRole::ImportSupplier]);
    let refused = access::eligibility(
        &dsp.shared,
        UNKNOWN_DEVICE,
        service("4.1.1"),
        &supplier,
        cv(1),
    )
    .unwrap_err();
    assert!(
        matches!(refused, Rejection::UnknownDevice(_)),
        "{refused:?}"
    );
    assert_eq!(refused.response_code().to_string(), "E19");
}

#[tokio::test]
async fn only_commissioned_and_installed_not_commissioned_devices_take_commands_others_e5() {
    let dsp = TestDsp::start().await;
    let supplier = caller(SUPPLIER, &[UserRole::ImportSupplier]);
    let mut verdicts = Vec::new();
    for status in DeviceStatus::ALL {
        let mut esme = dsp.shared.inventory().device(ESME).cloned().expect("ESME");
        esme.status = *status;
        dsp.shared.inventory().put(esme);
        let outcome = access::eligibility(&dsp.shared, ESME, service("4.1.1"), &supplier, cv(1));
        verdicts.push((status.to_string(), verdict(outcome)));
    }
    let expected: Vec<(String, String)> = DeviceStatus::ALL
        .iter()
        .map(|status| {
            let allowed = matches!(
                status,
                DeviceStatus::Commissioned | DeviceStatus::InstalledNotCommissioned
            );
            let verdict = if allowed { "accepted" } else { "E5" };
            (status.to_string(), verdict.to_owned())
        })
        .collect();
    assert_eq!(verdicts, expected);
}

#[tokio::test]
async fn a_service_none_of_whose_use_cases_applies_to_the_device_type_is_refused_e11() {
    let dsp = TestDsp::start().await;
    let supplier = caller(SUPPLIER, &[UserRole::ImportSupplier, UserRole::GasSupplier]);
    // 4.16 Read Active Power Import is ECS17c, an ESME use case only.
    let refused =
        access::eligibility(&dsp.shared, GSME, service("4.16"), &supplier, cv(1)).unwrap_err();
    assert!(matches!(
        refused,
        Rejection::ServiceNotValidForDeviceType(_)
    ));
    assert_eq!(refused.response_code().to_string(), "E11");
    assert_eq!(
        verdict(access::eligibility(
            &dsp.shared,
            ESME,
            service("4.16"),
            &supplier,
            cv(1)
        )),
        "accepted"
    );
}

#[tokio::test]
async fn a_user_is_eligible_in_the_role_it_is_registered_in_and_refused_e4_otherwise() {
    let dsp = TestDsp::start().await;
    let eligible = |who: Caller| {
        verdict(access::eligibility(
            &dsp.shared,
            ESME,
            service("6.2.1"),
            &who,
            cv(1),
        ))
    };
    // The ESME's registered supplier and network operator.
    assert_eq!(
        eligible(caller(SUPPLIER, &[UserRole::ImportSupplier])),
        "accepted"
    );
    assert_eq!(
        eligible(caller(
            NETWORK_OPERATOR,
            &[UserRole::ElectricityDistributor]
        )),
        "accepted"
    );
    // A supplier of another meter point, and the registered supplier's id acting as a network
    // operator (it holds that role for none of the ESME's registrations).
    assert_eq!(
        eligible(caller(SECOND_SUPPLIER, &[UserRole::ImportSupplier])),
        "E4"
    );
    assert_eq!(
        eligible(caller(SUPPLIER, &[UserRole::ElectricityDistributor])),
        "E4"
    );
    // A supplier agent only when the registration names it.
    let agent = Eui64::from_u64(0x90B3_D51F_3005_0000);
    assert_eq!(
        eligible(caller(agent, &[UserRole::RegisteredSupplierAgent])),
        "E4"
    );
    dsp.shared.inventory().add_registration(
        "rdp-test",
        ESME,
        registration(SUPPLIER, Some(agent), 1),
    );
    assert_eq!(
        eligible(caller(agent, &[UserRole::RegisteredSupplierAgent])),
        "accepted"
    );
    // Other users need no registration.
    assert_eq!(
        eligible(caller(SECOND_SUPPLIER, &[UserRole::OtherUser])),
        "accepted"
    );
}

#[tokio::test]
async fn a_hub_is_governed_by_the_registrations_of_the_meters_behind_it() {
    let dsp = TestDsp::start().await;
    // A service for CHFs that suppliers may send.
    let chf_service = catalogue::SERVICES
        .iter()
        .find(|service| {
            service.eligible_roles.contains(&UserRole::ImportSupplier)
                && service.use_cases.iter().any(|id| {
                    gbcs::catalogue::all_by_use_case_id(id).any(|entry| {
                        entry.applies_to(dcc_model::DeviceType::CommunicationsHubFunction)
                    })
                })
        })
        .expect("a service for CHFs that suppliers may send");
    let on_chf = |who: Eui64| {
        verdict(access::eligibility(
            &dsp.shared,
            CHF,
            chf_service,
            &caller(who, &[UserRole::ImportSupplier]),
            cv(1),
        ))
    };
    assert_eq!(
        on_chf(SUPPLIER),
        "accepted",
        "{}",
        chf_service.service_reference_variant
    );
    assert_eq!(on_chf(SECOND_SUPPLIER), "E4");
}

#[tokio::test]
async fn a_registration_governs_from_its_effective_time() {
    let dsp = TestDsp::start().await;
    let from = crate::unix_ms(START + time::Duration::days(1));
    dsp.shared.inventory().add_registration(
        "rdp-test",
        ESME,
        registration(SECOND_SUPPLIER, None, from),
    );
    let eligible = |who: Eui64| {
        verdict(access::eligibility(
            &dsp.shared,
            ESME,
            service("4.1.1"),
            &caller(who, &[UserRole::ImportSupplier]),
            cv(1),
        ))
    };
    assert_eq!(eligible(SUPPLIER), "accepted");
    assert_eq!(eligible(SECOND_SUPPLIER), "E4");
    dsp.shared
        .clock
        .advance(Duration::from_secs(86_400))
        .expect("virtual clock");
    assert_eq!(eligible(SUPPLIER), "E4");
    assert_eq!(eligible(SECOND_SUPPLIER), "accepted");
}

#[tokio::test]
async fn the_dcc_needs_no_registration_but_the_device_checks_still_apply() {
    let dsp = TestDsp::start().await;
    let dcc = Caller {
        id: ACB,
        roles: Vec::new(),
        is_dcc: true,
    };
    assert_eq!(
        verdict(access::eligibility(
            &dsp.shared,
            SOUTH_ESME,
            service("4.1.1"),
            &dcc,
            cv(1)
        )),
        "accepted"
    );
    assert_eq!(
        verdict(access::eligibility(
            &dsp.shared,
            UNKNOWN_DEVICE,
            service("4.1.1"),
            &dcc,
            cv(1)
        )),
        "E19"
    );
    assert_eq!(
        verdict(access::eligibility(
            &dsp.shared,
            GSME,
            service("4.16"),
            &dcc,
            cv(1)
        )),
        "E11"
    );
}

#[tokio::test]
async fn only_the_registered_supplier_may_have_a_command_delivered_locally_others_e17() {
    let dsp = TestDsp::start().await;
    let network_operator = caller(NETWORK_OPERATOR, &[UserRole::ElectricityDistributor]);
    let supplier = caller(SUPPLIER, &[UserRole::ImportSupplier]);
    for number in 1..=8 {
        let local = matches!(number, 2 | 3 | 6 | 7);
        let outcome = |who: &Caller| {
            verdict(access::eligibility(
                &dsp.shared,
                ESME,
                service("4.1.1"),
                who,
                cv(number),
            ))
        };
        let expected = if local { "E17" } else { "accepted" };
        assert_eq!(
            outcome(&network_operator),
            expected,
            "command variant {number}"
        );
        assert_eq!(outcome(&supplier), "accepted", "command variant {number}");
    }
}

// ---- authorise: schema version, URL, service, command variant, body ---------------------

#[tokio::test]
async fn authorise_refuses_each_malformed_header_with_its_code() {
    let dsp = TestDsp::start().await;
    let good = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    let authorised = access::authorise(&dsp.shared, Endpoint::SendCommand, &good).unwrap();
    assert_eq!(authorised.0.service_reference_variant, "4.1.1");
    assert_eq!(
        authorised.1.roles,
        [UserRole::ImportSupplier, UserRole::GasSupplier]
    );

    let refused = |request: &duis::Request, endpoint| {
        verdict(access::authorise(&dsp.shared, endpoint, request))
    };
    let mut old_schema = good.clone();
    old_schema.schema_version = "4.0".into();
    assert_eq!(refused(&old_schema, Endpoint::SendCommand), "E1006");
    // Command variant 1 belongs on /serviceS, not /serviceT or /serviceD.
    assert_eq!(refused(&good, Endpoint::Transform), "E13");
    assert_eq!(refused(&good, Endpoint::NonDevice), "E13");
    let mut unknown = good.clone();
    unknown.header.service_reference_variant = "4.99".parse().expect("variant");
    unknown.header.service_reference = "4.99".into();
    assert_eq!(refused(&unknown, Endpoint::SendCommand), "E1011");
    let mut wrong_reference = good.clone();
    wrong_reference.header.service_reference = "4.2".into();
    assert_eq!(refused(&wrong_reference, Endpoint::SendCommand), "E1000");
    // 4.1.1 takes command variants 1 to 3: 5 is refused (on the URL that takes 5).
    let mut not_for_service = good.clone();
    not_for_service.header.command_variant = cv(5);
    assert_eq!(refused(&not_for_service, Endpoint::SendCommand), "E12");
    let mut wrong_body = good.clone();
    wrong_body.body = RequestBody::ServiceRequest(BodyElement::with_children(
        "ReadActivePowerImport",
        Vec::new(),
    ));
    assert_eq!(refused(&wrong_body, Endpoint::SendCommand), "E1000");
    // A signed pre-command carries no service body: its body is not compared.
    let mut signed = dsp.request(SUPPLIER, ESME, 5, "7.1", Vec::new());
    signed.body = RequestBody::SignedPreCommand {
        execution_date_time: None,
        gbcs_payload: vec![0xDE, 0xAD],
    };
    assert_eq!(refused(&signed, Endpoint::SendCommand), "accepted");
    // The caller's checks come last: a network operator may not send 7.1.
    let by_network_operator = dsp.request(NETWORK_OPERATOR, ESME, 4, "7.1", Vec::new());
    assert_eq!(refused(&by_network_operator, Endpoint::Transform), "E2");
}

#[test]
fn each_url_takes_its_command_variants_only() {
    let accepted =
        |endpoint: Endpoint| -> Vec<u8> { (1..=8).filter(|n| endpoint.accepts(cv(*n))).collect() };
    assert_eq!(accepted(Endpoint::SendCommand), [1, 3, 5, 7]);
    assert_eq!(accepted(Endpoint::Transform), [4]);
    assert_eq!(accepted(Endpoint::NonDevice), [2, 6, 8]);
}

// ---- authenticate: who signed ------------------------------------------------------------

/// Authenticates a document given as bytes, as the front door does once it has parsed it.
fn authenticate_bytes(
    shared: &crate::Shared,
    xml: &[u8],
    originator: dcc_model::Eui64,
) -> Result<String, crate::rejection::Rejection> {
    let document = duis::ParsedDocument::parse(xml).expect("well-formed XML");
    access::authenticate(shared, &document, originator)
}

fn signed_by(request: &duis::Request, identity: &smki::Identity) -> Vec<u8> {
    duis::sign_document(&duis::render_request(request), &xml_signer(identity))
        .expect("signed")
        .into_bytes()
}

#[tokio::test]
async fn a_request_signed_by_its_originators_xml_signing_certificate_is_authenticated() {
    let dsp = TestDsp::start().await;
    let request = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    let identity = user_xml_identity(SUPPLIER);
    let serial = authenticate_bytes(&dsp.shared, &signed_by(&request, identity), SUPPLIER)
        .expect("authenticated");
    assert_eq!(serial, identity.certificate.serial_decimal());
}

#[tokio::test]
async fn authenticate_refuses_each_wrong_signer_with_its_code() {
    let mut users = default_users();
    users.retain(|user| user.id != SECOND_SUPPLIER);
    let dsp = TestDsp::with(Options {
        users,
        ..Options::default()
    })
    .await;
    let request = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    let authenticate =
        |bytes: &[u8], originator| verdict(authenticate_bytes(&dsp.shared, bytes, originator));
    // Another user's certificate, for this originator.
    let network_operator = user_xml_identity(NETWORK_OPERATOR);
    assert_eq!(
        authenticate(&signed_by(&request, network_operator), SUPPLIER),
        "E1"
    );
    // A certificate the DSP does not know (another PKI's supplier).
    let other_pki = smki::TestPki::default_with_devices(12, &[]).expect("pki");
    let stranger = other_pki
        .identity(
            SUPPLIER,
            KeyUsage::DigitalSignature,
            Some(RemotePartyRole::XML_SIGNING),
        )
        .expect("identity");
    assert_eq!(authenticate(&signed_by(&request, stranger), SUPPLIER), "E1");
    // The supplier's DS certificate is not an XML signing one.
    let supplier_ds = identity(
        SUPPLIER,
        KeyUsage::DigitalSignature,
        Some(RemotePartyRole::SUPPLIER),
    );
    assert_eq!(
        authenticate(&signed_by(&request, supplier_ds), SUPPLIER),
        "E1"
    );
    // The DSP's own certificate signs only what the DCC originates.
    let dsp_xml = dsp_xml_identity();
    assert_eq!(authenticate(&signed_by(&request, dsp_xml), SUPPLIER), "E1");
    assert_eq!(authenticate(&signed_by(&request, dsp_xml), ACB), "accepted");
    // A party with an XML signing certificate that is not a DCC user.
    let second = user_xml_identity(SECOND_SUPPLIER);
    let refused =
        authenticate_bytes(&dsp.shared, &signed_by(&request, second), SECOND_SUPPLIER).unwrap_err();
    assert!(matches!(refused, Rejection::UnknownUser(ref why) if why.contains("not a DCC user")));
    // A document changed after signing, and one not signed at all.
    let signed = String::from_utf8(signed_by(&request, user_xml_identity(SUPPLIER))).unwrap();
    let changed = signed.replace("4.1.1", "4.1.2");
    assert_ne!(changed, signed);
    assert_eq!(authenticate(changed.as_bytes(), SUPPLIER), "E1001");
    let unsigned = duis::render_request(&request);
    assert_eq!(authenticate(unsigned.as_bytes(), SUPPLIER), "E1001");
}

#[tokio::test]
async fn a_revoked_or_expired_certificate_is_refused_e3() {
    let dsp = TestDsp::start().await;
    let request = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    let supplier = user_xml_identity(SUPPLIER);
    let signed = signed_by(&request, supplier);
    let network_operator = user_xml_identity(NETWORK_OPERATOR);
    let by_network_operator = signed_by(
        &dsp.request(NETWORK_OPERATOR, ESME, 1, "4.1.1", Vec::new()),
        network_operator,
    );
    assert!(dsp
        .shared
        .certificates()
        .revoke(supplier.certificate.serial_decimal()));
    let refused = authenticate_bytes(&dsp.shared, &signed, SUPPLIER).unwrap_err();
    assert!(matches!(refused, Rejection::UserStatus(ref why) if why.contains("revoked")));
    assert_eq!(refused.response_code().to_string(), "E3");
    // After the organisation certificates' notAfter.
    assert_eq!(
        verdict(authenticate_bytes(
            &dsp.shared,
            &by_network_operator,
            NETWORK_OPERATOR
        )),
        "accepted"
    );
    let after = time::OffsetDateTime::from_unix_timestamp(smki::ORGANISATION_NOT_AFTER_UNIX + 1)
        .expect("a time");
    dsp.shared.clock.set(after).expect("virtual clock");
    let refused =
        authenticate_bytes(&dsp.shared, &by_network_operator, NETWORK_OPERATOR).unwrap_err();
    assert!(matches!(refused, Rejection::UserStatus(ref why) if why.contains("validity")));
}

#[tokio::test]
async fn a_ds_certificate_signs_requests_only_when_configured_as_an_additional_signer() {
    let supplier_ds = identity(
        SUPPLIER,
        KeyUsage::DigitalSignature,
        Some(RemotePartyRole::SUPPLIER),
    );
    let dsp = TestDsp::with(Options {
        additional_request_signers: vec![supplier_ds.certificate.clone()],
        ..Options::default()
    })
    .await;
    let request = dsp.request(SUPPLIER, ESME, 1, "4.1.1", Vec::new());
    assert_eq!(
        verdict(authenticate_bytes(
            &dsp.shared,
            &signed_by(&request, supplier_ds),
            SUPPLIER
        )),
        "accepted"
    );
    // Not for another originator.
    let network_operator_request = dsp.request(NETWORK_OPERATOR, ESME, 1, "4.1.1", Vec::new());
    assert_eq!(
        verdict(authenticate_bytes(
            &dsp.shared,
            &signed_by(&network_operator_request, supplier_ds),
            NETWORK_OPERATOR
        )),
        "E1"
    );
}

// ---- replay ----------------------------------------------------------------------------------

#[tokio::test]
async fn the_request_id_counter_must_rise_per_originator_and_target() {
    let dsp = TestDsp::start().await;
    let advance = |originator, target, counter| {
        access::advance_counter(&dsp.shared, &RequestId::new(originator, target, counter))
    };
    assert_eq!(advance(SUPPLIER, ESME, 10), Ok(()));
    assert_eq!(
        advance(SUPPLIER, ESME, 10),
        Err(Rejection::Replayed {
            counter: 10,
            last: 10
        })
    );
    assert_eq!(
        advance(SUPPLIER, ESME, 9).map_err(|r| r.response_code().to_string()),
        Err("E1003".to_owned())
    );
    // Other targets and other originators have counters of their own.
    assert_eq!(advance(SUPPLIER, GSME, 1), Ok(()));
    assert_eq!(advance(NETWORK_OPERATOR, ESME, 1), Ok(()));
    assert_eq!(advance(SUPPLIER, ESME, 11), Ok(()));
}

#[tokio::test]
async fn the_smki_repository_decides_revocation_and_a_serial_it_lacks_is_refused_e3() {
    let dsp = TestDsp::start().await;
    let serial = user_xml_identity(SUPPLIER)
        .certificate
        .serial_decimal()
        .to_string();
    assert_eq!(
        verdict(access::check_status_in_repository(&dsp.shared, &serial).await),
        "accepted"
    );
    dsp.shared
        .tsp
        .revoke(&serial)
        .await
        .expect("revoked in the repository");
    let revoked = access::check_status_in_repository(&dsp.shared, &serial)
        .await
        .unwrap_err();
    assert!(
        matches!(revoked, Rejection::UserStatus(ref why) if why.contains("revoked in the SMKI repository")),
        "{revoked:?}"
    );
    assert_eq!(revoked.response_code().to_string(), "E3");
    let unknown = access::check_status_in_repository(&dsp.shared, "123456789")
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, Rejection::UserStatus(ref why) if why.contains("not in the SMKI repository")),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn a_device_nobody_is_registered_for_is_the_responsibility_of_whoever_pre_notified_it() {
    let dsp = TestDsp::start().await;
    // A Comms Hub delivered to the supplier, installed, with no meter on it yet.
    let hub = Eui64::from_u64(0x00DB_1234_5678_9FA2);
    let mut chf = record(
        hub,
        DeviceType::CommunicationsHubFunction,
        hub,
        CspRegion::South,
    );
    chf.details.prenotified_by = Some(SUPPLIER);
    dsp.shared.inventory().put(chf);
    let eligible = |who: Caller| {
        verdict(access::eligibility(
            &dsp.shared,
            hub,
            service("8.11"),
            &who,
            cv(1),
        ))
    };
    assert_eq!(
        eligible(caller(SUPPLIER, &[UserRole::ImportSupplier])),
        "accepted"
    );
    assert_eq!(
        eligible(caller(SECOND_SUPPLIER, &[UserRole::ImportSupplier])),
        "E4"
    );
    // Once a meter registered to another supplier is on the hub, the registration decides.
    let mut esme = record(
        UNKNOWN_DEVICE,
        DeviceType::ElectricitySmartMeter,
        hub,
        CspRegion::South,
    );
    esme.status = DeviceStatus::InstalledNotCommissioned;
    dsp.shared.inventory().put(esme);
    dsp.shared.inventory().replace_registrations(
        "rdp-electricity",
        std::collections::HashMap::from([(
            UNKNOWN_DEVICE,
            registration(SECOND_SUPPLIER, None, i64::MIN),
        )]),
    );
    assert_eq!(
        eligible(caller(SUPPLIER, &[UserRole::ImportSupplier])),
        "E4"
    );
    assert_eq!(
        eligible(caller(SECOND_SUPPLIER, &[UserRole::ImportSupplier])),
        "accepted"
    );
}

#[tokio::test]
async fn commissioning_a_device_never_pre_notified_is_refused_e19_and_a_pending_one_e5() {
    let dsp = TestDsp::start().await;
    let supplier = caller(SUPPLIER, &[UserRole::ImportSupplier]);
    let commission = |device| {
        verdict(access::eligibility(
            &dsp.shared,
            device,
            service("8.1.1"),
            &supplier,
            cv(4),
        ))
    };
    assert_eq!(commission(UNKNOWN_DEVICE), "E19");
    let mut pending = record(
        UNKNOWN_DEVICE,
        DeviceType::ElectricitySmartMeter,
        UNKNOWN_DEVICE,
        CspRegion::North,
    );
    pending.status = DeviceStatus::Pending;
    pending.details.prenotified_by = Some(SUPPLIER);
    dsp.shared.inventory().put(pending.clone());
    assert_eq!(commission(UNKNOWN_DEVICE), "E5");
    pending.status = DeviceStatus::InstalledNotCommissioned;
    dsp.shared.inventory().put(pending);
    assert_eq!(commission(UNKNOWN_DEVICE), "accepted");
}
