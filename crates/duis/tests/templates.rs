//! Every RTDS DUIS request template of @smartdcc/duis-templates parses, and its header and
//! body agree with the template's file name and the service request matrix.

mod common;

use std::collections::BTreeMap;

use common::dcc_tooling;
use duis::{parse_request, RequestBody};

#[test]
fn parses_every_template() {
    let Some(tooling) = dcc_tooling(false) else {
        return;
    };
    let directory = tooling.join("duis-templates/templates");
    let mut names: Vec<String> = std::fs::read_dir(&directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.to_ascii_uppercase().ends_with(".XML"))
        .collect();
    names.sort();

    let mut failures = Vec::new();
    let mut per_command_variant: BTreeMap<u8, usize> = BTreeMap::new();
    let mut signed_pre_commands = 0;
    for name in &names {
        let xml = std::fs::read(directory.join(name)).unwrap();
        match parse_request(&xml) {
            Ok(request) => {
                *per_command_variant
                    .entry(request.header.command_variant.number())
                    .or_default() += 1;
                if matches!(request.body, RequestBody::SignedPreCommand { .. }) {
                    signed_pre_commands += 1;
                }
                assert_eq!(
                    request.header.service_reference,
                    request.header.service_reference_variant.service_reference(),
                    "{name}"
                );
                assert!(!request.body.element_name().is_empty(), "{name}");
            }
            Err(error) => failures.push(format!("{name}: {error}")),
        }
    }
    println!(
        "parsed {} of {} templates; by command variant {per_command_variant:?}; {signed_pre_commands} with a SignedPreCommand body",
        names.len() - failures.len(),
        names.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(names.len(), 297);
}

#[test]
fn body_elements_match_the_service_request_matrix() {
    let Some(tooling) = dcc_tooling(false) else {
        return;
    };
    let Some(matrix_path) = test_support::shared_vectors(
        "duis/service-request-matrix.json",
        "DUIS service request matrix",
    ) else {
        return;
    };
    let matrix_text = std::fs::read_to_string(&matrix_path).unwrap();
    let matrix: serde_json::Value = serde_json::from_str(&matrix_text).unwrap();
    let body_elements = body_element_by_variant(&matrix);
    assert!(
        !body_elements.is_empty(),
        "could not read the matrix's body elements"
    );

    // Every template with a service-request body is checked; none may name a variant the
    // matrix lacks.
    let directory = tooling.join("duis-templates/templates");
    let mut checked = 0;
    let mut signed_pre_commands = 0;
    let mut not_in_matrix = Vec::new();
    for entry in std::fs::read_dir(&directory).unwrap() {
        let path = entry.unwrap().path();
        let request = parse_request(&std::fs::read(&path).unwrap()).unwrap();
        let RequestBody::ServiceRequest(body) = &request.body else {
            signed_pre_commands += 1;
            continue;
        };
        let variant = request.header.service_reference_variant.as_str();
        let Some(expected) = body_elements.get(variant) else {
            not_in_matrix.push(format!("{}: {variant}", path.display()));
            continue;
        };
        assert_eq!(&body.name, expected, "{}", path.display());
        checked += 1;
    }
    println!(
        "{checked} template bodies match the matrix's body element; {signed_pre_commands} are signed pre-commands"
    );
    assert!(
        not_in_matrix.is_empty(),
        "variants missing from the matrix:\n{}",
        not_in_matrix.join("\n")
    );
    assert_eq!(checked + signed_pre_commands, 297, "every template read");
}

/// Service reference variant → body element, from the matrix's `rows`.
fn body_element_by_variant(matrix: &serde_json::Value) -> BTreeMap<String, String> {
    let rows = matrix["rows"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    rows.iter()
        .filter_map(|row| {
            Some((
                row["srv"].as_str()?.to_owned(),
                row["body_element"].as_str()?.to_owned(),
            ))
        })
        .collect()
}
