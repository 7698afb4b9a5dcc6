//! The service catalogue against `../shared/vectors/duis/service-request-matrix.json`: every row
//! of the matrix is in the catalogue with the same facts, except where the catalogue's module
//! documentation says why it follows the DCC's templates instead.

use duis::catalogue::{self, DccScheduling, ExecutionDateTime, FutureDated, ServiceKind};
use serde_json::Value;

fn matrix() -> Option<Vec<Value>> {
    let path = test_support::shared_vectors(
        "duis/service-request-matrix.json",
        "the DUIS service request matrix",
    )?;
    let text = std::fs::read_to_string(path).expect("readable matrix");
    let matrix: Value = serde_json::from_str(&text).expect("matrix is JSON");
    Some(matrix["rows"].as_array().expect("rows").clone())
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|item| item.as_str().expect("string").to_owned())
        .collect()
}

#[test]
fn every_matrix_row_is_in_the_catalogue_with_the_same_facts() {
    let Some(rows) = matrix() else { return };
    assert_eq!(rows.len(), 129);
    assert_eq!(catalogue::SERVICES.len(), rows.len());
    for row in &rows {
        let srv = row["srv"].as_str().expect("srv");
        let service = catalogue::lookup(srv).unwrap_or_else(|| panic!("{srv} missing"));
        assert_eq!(service.name, row["name"].as_str().unwrap(), "{srv} name");
        assert_eq!(
            service.body_element,
            row["body_element"].as_str().unwrap(),
            "{srv} body"
        );
        // The matrix writes 6.20's service reference as "6.2" (a number lost its trailing
        // zero); the RTDS templates send `<sr:ServiceReference>6.20</sr:ServiceReference>`.
        let reference = match row["service_reference"].as_str().unwrap() {
            "6.2" if srv.starts_with("6.20.") => "6.20",
            other => other,
        };
        assert_eq!(
            service.service_reference(),
            reference,
            "{srv} service reference"
        );
        assert_eq!(
            service.is_non_device(),
            row["non_device"] == true,
            "{srv} non-device"
        );
        let critical_in_matrix = row["critical"] == true;
        assert_eq!(service.is_critical(), critical_in_matrix, "{srv} critical");
        let roles: Vec<&str> = service.eligible_roles.iter().map(|r| r.as_str()).collect();
        assert_eq!(roles, strings(&row["eligible_user_roles"]), "{srv} roles");

        let matrix_variants: Vec<u8> = row["allowed_command_variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u8)
            .collect();
        let expected_variants: Vec<u8> = match srv {
            // The XSD comment disagrees with the matrix's critical flag and the RTDS templates.
            "7.12" | "7.13" => vec![4, 5, 6, 7],
            "7.14" | "7.15" => vec![1, 2, 3],
            _ => matrix_variants,
        };
        assert_eq!(
            service.command_variants,
            expected_variants.as_slice(),
            "{srv} CVs"
        );
        for used in row["command_variants_in_templates"].as_array().unwrap() {
            assert!(
                service
                    .command_variants
                    .contains(&(used.as_u64().unwrap() as u8)),
                "{srv}: a template uses CV {used}"
            );
        }

        let future_dated = match row["future_dated_response_pattern"].as_str().unwrap() {
            "No" => FutureDated::NotFutureDated,
            "DSP" => FutureDated::HeldByDsp,
            "Device" => FutureDated::SentToDevice,
            "DSP & Device" => FutureDated::HeldByDspOrSentToDevice,
            other => panic!("{srv}: unknown pattern {other}"),
        };
        assert_eq!(service.future_dated, future_dated, "{srv} future dated");
        let execution = match row["body_execution_datetime_in_xsd"].as_str().unwrap() {
            "none" => ExecutionDateTime::NoExecutionDateTime,
            "optional" => ExecutionDateTime::OptionalExecutionDateTime,
            "mandatory" => ExecutionDateTime::MandatoryExecutionDateTime,
            other => panic!("{srv}: unknown ExecutionDateTime {other}"),
        };
        assert_eq!(
            service.execution_date_time, execution,
            "{srv} ExecutionDateTime"
        );
        let schedulable = row["dcc_scheduled"] == true
            || row["in_xsd_DSPScheduledServiceReferenceVariant"] == true;
        assert_eq!(
            service.dcc_scheduling == DccScheduling::DccSchedulable,
            schedulable,
            "{srv} DCC scheduling"
        );

        let mut use_cases = Vec::new();
        for template in row["gbcs_use_cases_rtds_templates"].as_array().unwrap() {
            let id = template["gbcs_use_case"]
                .as_str()
                .or(template["rtds_tag"].as_str())
                .unwrap()
                .to_owned();
            if !use_cases.contains(&id) {
                use_cases.push(id);
            }
        }
        assert_eq!(service.use_cases, use_cases.as_slice(), "{srv} use cases");
        if service.kind == ServiceKind::NonDevice {
            assert!(
                service.use_cases.is_empty(),
                "{srv}: non-device with use cases"
            );
        }
    }
}
