//! The scenario file format: YAML, typed, unknown keys refused with their line and column.
//! `scenarios/scenario.schema.json` (from [`json_schema`]) lets editors check and complete it.
//!
//! ```yaml
//! id: read-esme-registers
//! title: 4.1.1 Read Instantaneous Import Registers
//! priority: high
//! requirements: [SIT1-4.1.1]
//! examples:                       # each row is one test case
//!   - { device: "${esme}", use_case: ECS17b }
//! steps:
//!   - request:
//!       service: 4.1.1
//!       target: ${device}
//!       expect:
//!         response_code: I99
//!         response.gbcs.use_case: ${use_case}
//! ```

use std::collections::BTreeMap;
use std::fmt;

use ecosystem::device_control::DeviceAction;
use ecosystem::faults::FaultSpec;
use schemars::JsonSchema;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// One scenario file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Unique within its pack; test case names start with it.
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Free labels, selected with `--tags`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The risk-based priority of the seed's §5.10.1 (business importance × probability of
    /// defects): it sets the severity and priority of the issues its failures raise.
    #[serde(default)]
    pub priority: Priority,
    /// Requirement ids this scenario demonstrates (for the traceability matrix).
    #[serde(default)]
    pub requirements: Vec<String>,
    /// The DUIS service reference variants it exercises (e.g. the Table 14 row).
    #[serde(default)]
    pub service_requests: Vec<String>,
    /// The fleet the ecosystem starts with: `default` (the README's fleet).
    #[serde(default)]
    pub fleet: Fleet,
    /// Files (relative to the scenario) it needs; the scenario is skipped when one is missing.
    #[serde(default)]
    pub fixtures: Vec<String>,
    /// Seeds the ecosystem's PKI and the faults that name no seed.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Where the ecosystem's clock starts.
    #[serde(default)]
    pub clock: Option<ClockStart>,
    /// Faults in force from the start.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// Values steps refer to as `${name}`.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Rows of values: each row is a test case (the seed's variations: user roles × command
    /// variants × modes × devices).
    #[serde(default)]
    pub examples: Vec<BTreeMap<String, String>>,
    pub steps: Vec<Step>,
    /// Run after the steps, whether they passed or not.
    #[serde(default)]
    pub teardown: Vec<Step>,
}

/// `_setup.yaml` of a suite folder: values and steps every scenario in the folder starts with.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteSetup {
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// `_teardown.yaml` of a suite folder: steps every scenario in the folder ends with.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteTeardown {
    #[serde(default)]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    #[default]
    Medium,
    Low,
}

impl Priority {
    pub fn name(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fleet {
    /// The default fleet (README's table): Comms Hubs in service (North: the RTDS template
    /// devices and a GBCS 3.2 generation; South), and a spare installation not yet installed
    /// in each region (`spare_*`).
    #[default]
    Default,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockStart {
    /// RFC 3339, e.g. `2030-01-01T00:00:00Z`.
    pub start: String,
}

/// One step.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Send a DUIS service request as a user (CV4 → CV5 done for critical services) and, by
    /// default, await its asynchronous response.
    Request(RequestStep),
    /// Await a response (of a request sent with `wait: false`) or an alert.
    Await(AwaitStep),
    /// Act on a device, as at the premises (the device engine's control API).
    Device(DeviceStep),
    /// Make a UTRN as the supplier's prepayment system does (GBCS section 14) and keep it in
    /// a value: each one for a meter under the supplier's next top-up counter.
    Utrn(UtrnStep),
    /// Read what a meter's display shows, as a person at the premises does (the device
    /// control API, in process): `message`, `customer_identification_number`,
    /// `privacy_pin_protection`.
    Display(DisplayStep),
    /// Inject or clear a fault.
    Fault(FaultStep),
    /// Move the ecosystem's clock.
    Clock(ClockStep),
    /// Check a value captured earlier.
    Expect(ExpectStep),
}

/// How a request is spoiled on purpose, to see it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tamper {
    /// The body is changed after signing: the signature no longer verifies.
    BodyAfterSigning,
    /// Not XML a DUIS parser can read.
    MalformedXml,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestStep {
    /// A name for the step, so an `await` or a later value can refer to it.
    #[serde(default)]
    pub name: Option<String>,
    /// The user: `supplier`, `second_supplier`, `network_operator`, `stranger` (the supplier's
    /// id with keys from a PKI the DCC never trusted) or an EUI-64. `supplier` when absent.
    #[serde(default, rename = "as")]
    pub user: Option<String>,
    /// The service reference variant, e.g. `4.1.1`.
    pub service: String,
    /// The device (an alias such as `esme`, `gpf_south`, or an EUI-64); the DCC's own id for
    /// non-device services when absent.
    #[serde(default)]
    pub target: Option<String>,
    /// 1–8 (or a `${value}`); the service's first when absent (8 non-device, 4 critical,
    /// else 1).
    #[serde(default)]
    pub command_variant: Option<Scalar>,
    /// The children of the service's body element: element name → text, nested mapping, or
    /// list of repeated elements; `"@name"` keys are attributes.
    #[serde(default)]
    pub body: Option<BodyMap>,
    /// A DUIS request file (e.g. an RTDS template) whose body is sent, its target the request's
    /// unless `target` names another; with `body`, each element of `body` replaces the
    /// template body's element of the same name (or is added last).
    #[serde(default)]
    pub template: Option<String>,
    /// An explicit RequestID counter (to replay one).
    #[serde(default)]
    pub counter: Option<String>,
    #[serde(default)]
    pub tamper: Option<Tamper>,
    /// Await the asynchronous response (default true).
    #[serde(default)]
    pub wait: Option<bool>,
    /// How long to wait for the asynchronous response (`20s` when absent).
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub expect: Option<Expectations>,
    /// Values to keep for later steps: name → path in the result (as in `expect`).
    #[serde(default)]
    pub capture: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AwaitStep {
    /// The `name` of an earlier request step whose response to await.
    #[serde(default)]
    pub response: Option<String>,
    /// A device alert code (four hex digits, e.g. `8F1C`) to await.
    #[serde(default)]
    pub alert: Option<String>,
    /// The device the alert comes from.
    #[serde(default)]
    pub device: Option<String>,
    /// The user awaiting (`supplier` when absent).
    #[serde(default, rename = "as")]
    pub user: Option<String>,
    #[serde(default)]
    pub timeout: Option<String>,
    /// Nothing must arrive within the timeout.
    #[serde(default)]
    pub absent: bool,
    #[serde(default)]
    pub expect: Option<Expectations>,
    #[serde(default)]
    pub capture: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisplayStep {
    /// The meter (an alias such as `esme`, or an EUI-64).
    pub device: String,
    #[serde(default)]
    pub expect: Option<Expectations>,
    /// Values to keep for later steps: name → path in the display (as in `expect`).
    #[serde(default)]
    pub capture: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UtrnStep {
    /// The meter topped up (an alias such as `esme`, or an EUI-64).
    pub device: String,
    /// The value: pence, or pounds with `pounds: true`; 0 to 8191 (or a `${value}`).
    pub value: Scalar,
    /// The value is in pounds.
    #[serde(default)]
    pub pounds: bool,
    /// The supplier (`supplier` when absent).
    #[serde(default, rename = "as")]
    pub user: Option<String>,
    /// The name of the value the 20 digits are kept in (`${name}` in later steps).
    pub into: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceStep {
    pub device: String,
    pub action: DeviceAction,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultStep {
    Inject(FaultSpec),
    /// Ends the fault with this id.
    Clear(String),
    /// Ends the crash of this party.
    Restart(String),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ClockStep {
    /// Forward by a duration, e.g. `1h`, `30m`.
    Advance(String),
    /// To a time (RFC 3339), not earlier than now.
    Set(String),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectStep {
    /// A value, usually `${captured}`.
    pub that: String,
    pub is: Matcher,
}

/// Expectations: a path in the decoded result (`response_code`, `response.gbcs.use_case`,
/// `body.devices`) → what it must be. Only the paths listed are checked (a partial match).
pub type Expectations = OrderedMap<Matcher>;

/// A value the path must equal, or one operator.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Matcher {
    Operators(Operators),
    Value(Scalar),
}

/// The fixed set of operators.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Operators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Scalar>>,
    /// Text containing this, or a list with an element equal to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<Scalar>,
    /// Text not containing this, or a list with no element equal to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_contains: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_with: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// The number of elements of a list (or characters of a text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
}

/// A YAML scalar.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Integer(i64),
    Number(f64),
    Text(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(value) => write!(f, "{value}"),
            Scalar::Integer(value) => write!(f, "{value}"),
            Scalar::Number(value) => write!(f, "{value}"),
            Scalar::Text(value) => f.write_str(value),
        }
    }
}

/// A body: element name → value, in the order written.
pub type BodyMap = OrderedMap<BodyValue>;

/// The content of a body element.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum BodyValue {
    Text(Scalar),
    Element(BodyMap),
    Repeated(Vec<BodyValue>),
}

/// A mapping that keeps the order it was written in.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = access.next_entry::<String, V>()? {
                    if entries.iter().any(|(seen, _): &(String, V)| *seen == key) {
                        return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
                    }
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(std::marker::PhantomData))
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let values = generator.subschema_for::<V>();
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": values,
        })
    }
}

/// A file that could not be read as a scenario.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct FormatError {
    pub file: String,
    /// 1-based; 0 when the parser gave no position.
    pub line: u64,
    pub column: u64,
    pub message: String,
}

/// Reads YAML text as `T`, refusing unknown keys with their position.
pub fn parse<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, FormatError> {
    serde_saphyr::from_str::<T>(text).map_err(|error| {
        let (line, column) = error
            .location()
            .map(|location| (location.line(), location.column()))
            .unwrap_or((0, 0));
        FormatError {
            file: file.to_owned(),
            line,
            column,
            message: first_line(&error.to_string()),
        }
    })
}

/// The message without the snippet the parser draws under it.
fn first_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or(message)
        .to_owned()
}

/// The JSON Schema of scenario files, for editors (`scenarios/scenario.schema.json`).
pub fn json_schema() -> String {
    schema_text(schemars::schema_for!(ScenarioFile))
}

/// The JSON Schema of a suite's `_setup.yaml`, for editors (`scenarios/suite.schema.json`).
pub fn suite_json_schema() -> String {
    schema_text(schemars::schema_for!(SuiteSetup))
}

fn schema_text(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod shipped_schemas {
    /// `scenarios/*.schema.json` are what the format says; `UPDATE_SCHEMAS=1` rewrites them.
    #[test]
    fn shipped_schemas_match_the_format() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        for (name, schema) in [
            ("scenario.schema.json", super::json_schema()),
            ("suite.schema.json", super::suite_json_schema()),
        ] {
            let path = folder.join(name);
            if std::env::var("UPDATE_SCHEMAS").as_deref() == Ok("1") {
                std::fs::write(&path, &schema).expect("write the schema");
            }
            let shipped = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                shipped == schema,
                "{} is not the format's schema: run UPDATE_SCHEMAS=1 cargo test -p scenario --lib",
                path.display()
            );
        }
    }
}
