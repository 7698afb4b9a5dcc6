//! Expectations: partial matches on a decoded result (a JSON tree of the DUIS response and the
//! GBCS inside it), with a small fixed set of operators, and the diff a person reads when they
//! fail.

use serde_json::Value;

use crate::format::{Expectations, Matcher, Operators, Scalar};

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub path: String,
    pub expected: String,
    /// What was found, or `None` when the path is absent.
    pub found: Option<String>,
}

/// The value at a dotted path (`response.gbcs.use_case`, `body.devices.0.device_id`).
pub fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(root);
    }
    path.split('.').try_fold(root, |value, part| match value {
        Value::Object(map) => map.get(part),
        Value::Array(items) => part
            .parse::<usize>()
            .ok()
            .and_then(|index| items.get(index)),
        _ => None,
    })
}

/// Every expectation that does not hold for `actual`.
pub fn check(expectations: &Expectations, actual: &Value) -> Vec<Mismatch> {
    expectations
        .0
        .iter()
        .filter_map(|(path, matcher)| {
            let found = lookup(actual, path);
            if holds(matcher, found) {
                return None;
            }
            Some(Mismatch {
                path: path.clone(),
                expected: describe(matcher),
                found: found.map(|value| render_found(matcher, value)),
            })
        })
        .collect()
}

/// How many of the expectations hold: to find the closest of several candidates.
pub fn score(expectations: &Expectations, actual: &Value) -> usize {
    expectations.0.len() - check(expectations, actual).len()
}

/// Whether `matcher` holds for `found`.
pub fn holds(matcher: &Matcher, found: Option<&Value>) -> bool {
    match matcher {
        Matcher::Value(expected) => found.is_some_and(|value| equal(value, expected)),
        Matcher::Operators(operators) => operators_hold(operators, found),
    }
}

fn operators_hold(operators: &Operators, found: Option<&Value>) -> bool {
    let Operators {
        equals,
        not_equals,
        one_of,
        contains,
        not_contains,
        starts_with,
        exists,
        at_least,
        at_most,
        length,
    } = operators;
    if let Some(exists) = exists {
        if found.is_some() != *exists {
            return false;
        }
    }
    let Some(value) = found else {
        // Only `exists: false` (or no operator at all) holds for an absent value.
        return exists == &Some(false) || *operators == Operators::default();
    };
    let checks = [
        equals.as_ref().map(|expected| equal(value, expected)),
        not_equals.as_ref().map(|expected| !equal(value, expected)),
        one_of
            .as_ref()
            .map(|choices| choices.iter().any(|choice| equal(value, choice))),
        contains.as_ref().map(|part| holds_part(value, part)),
        not_contains.as_ref().map(|part| !holds_part(value, part)),
        starts_with
            .as_ref()
            .map(|prefix| text_of(value).starts_with(prefix.as_str())),
        at_least.map(|bound| number_of(value).is_some_and(|number| number >= bound)),
        at_most.map(|bound| number_of(value).is_some_and(|number| number <= bound)),
        length.map(|wanted| length_of(value) == wanted),
    ];
    checks.into_iter().flatten().all(|held| held)
}

/// Whether a list has an element equal to `part`, or a text contains it.
fn holds_part(value: &Value, part: &Scalar) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|item| equal(item, part)),
        other => text_of(other).contains(&part.to_string()),
    }
}

/// Items of a list, entries of a mapping, characters of a scalar.
fn length_of(value: &Value) -> usize {
    match value {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        other => text_of(other).chars().count(),
    }
}

/// What was found, for people; with its length first when the length was what mattered.
fn render_found(matcher: &Matcher, value: &Value) -> String {
    match matcher {
        Matcher::Operators(operators) if operators.length.is_some() => {
            format!("length {}: {}", length_of(value), render_value(value))
        }
        _ => render_value(value),
    }
}

/// Scalars compare by their text: `I0` = "I0", `4` = 4, `true` = true.
fn equal(value: &Value, expected: &Scalar) -> bool {
    match (value, expected) {
        (Value::Number(number), Scalar::Integer(expected)) => number.as_i64() == Some(*expected),
        (Value::Number(number), Scalar::Number(expected)) => number.as_f64() == Some(*expected),
        (Value::Bool(value), Scalar::Bool(expected)) => value == expected,
        (Value::Array(_) | Value::Object(_), _) => false,
        (value, expected) => {
            let (found, wanted) = (text_of(value), expected.to_string());
            found == wanted || (is_hex_like(&wanted) && found.eq_ignore_ascii_case(&wanted))
        }
    }
}

/// Hex digits compare without regard to case (`8f1c` = `8F1C`).
fn is_hex_like(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.parse().ok(),
        Value::Array(items) => Some(items.len() as f64),
        _ => None,
    }
}

/// The text of a scalar value (strings without quotes).
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value for people: scalars as text, lists and mappings as compact JSON (long ones cut).
pub fn render_value(value: &Value) -> String {
    let text = match value {
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    };
    const LIMIT: usize = 160;
    if text.chars().count() <= LIMIT {
        return text;
    }
    let cut: String = text.chars().take(LIMIT).collect();
    format!("{cut}… ({} characters)", text.chars().count())
}

/// What a matcher wants, for people.
pub fn describe(matcher: &Matcher) -> String {
    let quoted = |scalar: &Scalar| match scalar {
        Scalar::Text(text) => format!("{text:?}"),
        other => other.to_string(),
    };
    match matcher {
        Matcher::Value(value) => quoted(value),
        Matcher::Operators(operators) => {
            let mut parts = Vec::new();
            if let Some(value) = &operators.equals {
                parts.push(format!("equals {}", quoted(value)));
            }
            if let Some(value) = &operators.not_equals {
                parts.push(format!("not equal to {}", quoted(value)));
            }
            if let Some(choices) = &operators.one_of {
                let choices: Vec<String> = choices.iter().map(quoted).collect();
                parts.push(format!("one of [{}]", choices.join(", ")));
            }
            if let Some(value) = &operators.contains {
                parts.push(format!("contains {}", quoted(value)));
            }
            if let Some(value) = &operators.not_contains {
                parts.push(format!("does not contain {}", quoted(value)));
            }
            if let Some(prefix) = &operators.starts_with {
                parts.push(format!("starts with {prefix:?}"));
            }
            if let Some(exists) = operators.exists {
                parts.push(if exists { "present" } else { "absent" }.to_owned());
            }
            if let Some(bound) = operators.at_least {
                parts.push(format!("at least {bound}"));
            }
            if let Some(bound) = operators.at_most {
                parts.push(format!("at most {bound}"));
            }
            if let Some(length) = operators.length {
                parts.push(format!("length {length}"));
            }
            if parts.is_empty() {
                return "anything".to_owned();
            }
            parts.join(" and ")
        }
    }
}

/// The diff a person reads: each expectation that failed, `-` what was expected, `+` what
/// was found.
pub fn render_diff(mismatches: &[Mismatch]) -> String {
    let width = mismatches
        .iter()
        .map(|mismatch| mismatch.path.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for mismatch in mismatches {
        out.push_str(&format!(
            "- {:width$}  {}\n",
            mismatch.path,
            mismatch.expected,
            width = width
        ));
        out.push_str(&format!(
            "+ {:width$}  {}\n",
            mismatch.path,
            mismatch.found.as_deref().unwrap_or("(absent)"),
            width = width
        ));
    }
    out
}

/// A result tree as indented `path: value` lines, for showing what did arrive.
pub fn render_tree(value: &Value) -> String {
    let mut out = String::new();
    render_tree_into(value, "", &mut out);
    out
}

fn render_tree_into(value: &Value, path: &str, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = match path {
                    "" => key.clone(),
                    path => format!("{path}.{key}"),
                };
                render_tree_into(child, &child_path, out);
            }
        }
        Value::Array(items) if items.iter().any(|item| item.is_object()) => {
            for (index, item) in items.iter().enumerate() {
                render_tree_into(item, &format!("{path}.{index}"), out);
            }
        }
        other => {
            out.push_str(&format!("  {path}: {}\n", render_value(other)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::OrderedMap;

    fn expectations(yaml: &str) -> Expectations {
        crate::format::parse("test.yaml", yaml).unwrap()
    }

    fn actual() -> Value {
        serde_json::json!({
            "response_code": "I99",
            "response": {
                "response_code": "I0",
                "gbcs": {"use_case": "ECS17b", "mac": "valid", "counter": 12, "payload": "registers: 1234 Wh"},
            },
            "body": {"devices": [{"device_id": "00-DB"}, {"device_id": "00-DC"}]},
        })
    }

    #[test]
    fn partial_matches_with_each_operator() {
        let all = expectations(
            "response_code: I99\n\
             response.gbcs.use_case: { one_of: [ECS17b, GCS13a] }\n\
             response.gbcs.payload: { contains: Wh }\n\
             response.gbcs.counter: { at_least: 10, at_most: 12 }\n\
             body.devices: { length: 2 }\n\
             body.devices.1.device_id: { starts_with: 00-D }\n\
             response.alert: { exists: false }\n\
             response.response_code: { not_equals: E20 }\n",
        );
        assert_eq!(check(&all, &actual()), Vec::new());
    }

    #[test]
    fn mismatches_name_the_path_and_both_values() {
        let wanted = expectations("response.response_code: I0\nresponse.gbcs.use_case: GCS13a\nresponse.gbcs.mac: { exists: true }\nresponse.gbcs.missing: 1\n");
        let mismatches = check(&wanted, &actual());
        assert_eq!(mismatches.len(), 2);
        assert_eq!(mismatches[0].path, "response.gbcs.use_case");
        assert_eq!(mismatches[0].found.as_deref(), Some("\"ECS17b\""));
        assert_eq!(mismatches[1].found, None);
        assert_eq!(score(&wanted, &actual()), 2);
    }

    #[test]
    fn unknown_operators_are_refused_with_their_position() {
        let error = crate::format::parse::<OrderedMap<Matcher>>(
            "x.yaml",
            "response_code: I0\nresponse.gbcs.mac: { equalz: valid }\n",
        )
        .unwrap_err();
        assert_eq!(error.line, 2, "{error}");
    }
}
