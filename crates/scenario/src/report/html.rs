//! One self-contained HTML file: the summary, the exit gate, the issue log, the traceability
//! matrix, and per test case its steps, its failure diff and a sequence diagram (inline SVG) of
//! every message across user, DSP, CSPs, TSP, RDPs, Comms Hub and meter. Each arrow links to
//! the message's decoded DUIS and GBCS below the diagram.

use crate::outcome::{CaseResult, ReportMessage, RunReport, Status};

use super::{issue_log, sit_exit_gate, traceability};

/// Lifelines in the order they are drawn; parties not in a case's messages are left out.
const LIFELINES: &[(&str, &str)] = &[
    ("user", "User"),
    ("dsp", "DSP"),
    ("tsp", "TSP / SMKI"),
    ("rdp-electricity", "RDP (elec)"),
    ("rdp-gas", "RDP (gas)"),
    ("csp-north", "CSP North"),
    ("csp-central-south", "CSP C/S"),
    ("commshub", "Comms Hub"),
    ("smartmeter", "Meter (ESME)"),
];

const COLUMN: usize = 132;
const ROW: usize = 26;
const TOP: usize = 44;

/// Escapes text for HTML and SVG.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// An id usable in HTML for a case.
fn anchor(case: &CaseResult) -> String {
    let raw = format!("{}-{}", case.pack, case.name);
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The sequence diagram of a case's messages.
pub fn sequence_diagram(case_anchor: &str, messages: &[ReportMessage]) -> String {
    let lanes: Vec<(&str, &str)> = LIFELINES
        .iter()
        .copied()
        .filter(|(party, _)| {
            messages
                .iter()
                .any(|message| message.from == *party || message.to == *party)
        })
        .collect();
    let x = |party: &str| {
        lanes
            .iter()
            .position(|(name, _)| *name == party)
            .map(|index| index * COLUMN + COLUMN / 2)
    };
    let width = lanes.len().max(1) * COLUMN;
    let height = TOP + messages.len().max(1) * ROW + 16;
    let mut svg = format!(
        r#"<svg class="sequence" data-case="{case_anchor}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="sequence diagram">"#
    );
    svg.push_str(
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>"#,
    );
    for (index, (_, title)) in lanes.iter().enumerate() {
        let center = index * COLUMN + COLUMN / 2;
        svg.push_str(&format!(
            r#"<rect x="{}" y="4" width="{}" height="24" rx="4" class="lane"/><text x="{center}" y="21" text-anchor="middle" class="lane-title">{}</text><line x1="{center}" y1="28" x2="{center}" y2="{}" class="lifeline"/>"#,
            index * COLUMN + 6,
            COLUMN - 12,
            escape(title),
            height - 4
        ));
    }
    for (row, message) in messages.iter().enumerate() {
        let (Some(from), Some(to)) = (x(&message.from), x(&message.to)) else {
            continue;
        };
        let y = TOP + row * ROW + ROW / 2;
        let class = match (message.failed, message.fault.is_some()) {
            (_, true) => "message fault",
            (true, false) => "message failed",
            (false, false) => "message",
        };
        let label = format!("{} · {}", message.label, message.outcome);
        let label: String = label.chars().take(60).collect();
        let middle = (from + to) / 2;
        svg.push_str(&format!(
            r##"<a href="#{case_anchor}-m{sequence}"><g class="{class}"><title>{title}</title><line x1="{from}" y1="{y}" x2="{to}" y2="{y}" marker-end="url(#arrow)"/><text x="{middle}" y="{}" text-anchor="middle">{}</text></g></a>"##,
            y - 4,
            escape(&label),
            sequence = message.sequence,
            title = escape(&format!(
                "#{} {} -> {}: {} ({}){}",
                message.sequence,
                message.from,
                message.to,
                message.label,
                message.outcome,
                message
                    .fault
                    .as_deref()
                    .map(|fault| format!(" [{fault}]"))
                    .unwrap_or_default()
            )),
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn message_details(case_anchor: &str, message: &ReportMessage) -> String {
    let mut out = format!(
        r#"<details class="message-detail" id="{case_anchor}-m{}"><summary>#{} {} → {}: {} — {}{}</summary>"#,
        message.sequence,
        message.sequence,
        escape(&message.from),
        escape(&message.to),
        escape(&message.label),
        escape(&message.outcome),
        message
            .fault
            .as_deref()
            .map(|fault| format!(" <span class=\"fault-tag\">{}</span>", escape(fault)))
            .unwrap_or_default()
    );
    if !message.request_id.is_empty() {
        out.push_str(&format!(
            "<p>RequestID {} · device {}</p>",
            escape(&message.request_id),
            escape(&message.device_id)
        ));
    }
    if let Some(duis) = &message.duis {
        out.push_str(&format!(
            "<h5>DUIS</h5><pre>{}</pre>",
            escape(&pretty_xml(duis))
        ));
    }
    if let Some(decoded) = &message.gbcs_decoded {
        out.push_str(&format!("<h5>GBCS</h5><pre>{}</pre>", escape(decoded)));
    }
    if let Some(hex) = &message.gbcs_hex {
        out.push_str(&format!(
            "<h5>GBCS bytes</h5><pre class=\"hex\">{}</pre>",
            escape(hex)
        ));
    }
    out.push_str("</details>");
    out
}

/// One element a line: enough to read a signed DUIS document.
fn pretty_xml(xml: &str) -> String {
    let mut out = String::new();
    let mut depth: usize = 0;
    for part in xml.replace("><", ">\n<").lines() {
        let closing = part.starts_with("</");
        if closing {
            depth = depth.saturating_sub(1);
        }
        out.push_str(&"  ".repeat(depth));
        out.push_str(part);
        out.push('\n');
        let opens = part.starts_with('<')
            && !closing
            && !part.starts_with("<?")
            && !part.ends_with("/>")
            && !part.contains("</");
        if opens {
            depth += 1;
        }
    }
    out
}

fn case_section(case: &CaseResult) -> String {
    let id = anchor(case);
    let (class, status) = match &case.status {
        Status::Passed => ("passed", "passed".to_owned()),
        Status::Failed(failure) => ("failed", format!("failed ({})", failure.kind.name())),
        Status::Skipped { reason } => ("skipped", format!("skipped: {reason}")),
    };
    let mut out = format!(
        r#"<section class="case {class}" id="{id}"><h3>{} <span class="status">{}</span></h3><p class="meta">{} · {} · priority {} · seed {} · {:.0} ms · requirements: {}</p>"#,
        escape(&case.name),
        escape(&status),
        escape(&case.title),
        escape(&case.file),
        case.priority.name(),
        case.seed,
        case.duration.as_secs_f64() * 1_000.0,
        escape(&case.requirements.join(", ")),
    );
    if let Status::Failed(failure) = &case.status {
        out.push_str(&format!(
            "<div class=\"failure\"><p>step {}: {}</p>{}</div>",
            failure.step,
            escape(&failure.message),
            failure
                .diff
                .as_deref()
                .map(|diff| format!("<pre class=\"diff\">{}</pre>", escape(diff)))
                .unwrap_or_default()
        ));
    }
    if !case.steps.is_empty() {
        out.push_str("<ol class=\"steps\">");
        for step in &case.steps {
            out.push_str(&format!(
                "<li class=\"{}\">{} — {}{}</li>",
                escape(&step.status),
                escape(&step.description),
                escape(&step.status),
                step.notes
                    .iter()
                    .map(|note| format!("<br><small>{}</small>", escape(note)))
                    .collect::<String>()
            ));
        }
        out.push_str("</ol>");
    }
    out.push_str(&format!(
        "<h4>Sequence diagram ({} messages)</h4><div class=\"diagram\">{}</div>",
        case.messages.len(),
        sequence_diagram(&id, &case.messages)
    ));
    for message in &case.messages {
        out.push_str(&message_details(&id, message));
    }
    out.push_str("</section>");
    out
}

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24}
h1{margin:0 0 8px}table{border-collapse:collapse;margin:8px 0 16px}
td,th{border:1px solid #ccd;padding:3px 8px;text-align:left;vertical-align:top}
.case{border:1px solid #ccd;border-radius:6px;padding:8px 14px;margin:14px 0}
.case.passed h3 .status{color:#176f2c}.case.failed h3 .status{color:#b3261e}.case.skipped h3 .status{color:#8a6d00}
.meta{color:#555;font-size:12px}.diff{background:#fff4f4;padding:8px;overflow:auto}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}
.diagram{overflow-x:auto}.sequence .lane{fill:#eef2f8;stroke:#7a8aa6}.sequence .lane-title{font-size:12px;font-weight:600}
.sequence .lifeline{stroke:#9aa;stroke-dasharray:4 3}.sequence .message line{stroke:#2b59c3;stroke-width:1.5}
.sequence .message text{font-size:10px;fill:#1b1f24}.sequence .failed line{stroke:#b3261e}.sequence .fault line{stroke:#d97706;stroke-dasharray:5 3}
.sequence a:hover text{font-weight:700}.fault-tag{background:#fde68a;padding:0 4px;border-radius:3px}
.gate-pass{color:#176f2c}.gate-fail{color:#b3261e}.message-detail:target{outline:2px solid #2b59c3}
"#;

const SCRIPT: &str = r##"
document.addEventListener('click',function(e){var a=e.target.closest('a[href^="#"]');if(!a)return;var d=document.getElementById(a.getAttribute('href').slice(1));if(d&&d.tagName==='DETAILS'){d.open=true;}});
"##;

/// The whole HTML report.
pub fn html(report: &RunReport) -> String {
    let mut out = String::from("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>dccsim scenario report</title>");
    out.push_str(&format!("<style>{STYLE}</style></head><body>"));
    out.push_str(&format!(
        "<h1>dccsim scenario report</h1><p>{} · {} test cases · {} · {} jobs · {:.1} s</p>",
        escape(&report.summary()),
        report.cases.len(),
        escape(&report.mode),
        report.jobs,
        report.wall_time.as_secs_f64()
    ));
    out.push_str("<h2>Test cases</h2><table><tr><th>pack</th><th>test case</th><th>priority</th><th>status</th><th>messages</th></tr>");
    for case in &report.cases {
        out.push_str(&format!(
            "<tr><td>{}</td><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&case.pack),
            anchor(case),
            escape(&case.name),
            case.priority.name(),
            case.status.name(),
            case.messages.len()
        ));
    }
    out.push_str("</table>");
    let gate = sit_exit_gate(report);
    out.push_str(
        "<h2>SIT exit gate</h2><table><tr><th>criterion</th><th>result</th><th>detail</th></tr>",
    );
    for criterion in &gate {
        out.push_str(&format!(
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            escape(&criterion.name),
            if criterion.holds {
                "gate-pass"
            } else {
                "gate-fail"
            },
            if criterion.holds { "PASS" } else { "FAIL" },
            escape(&criterion.detail)
        ));
    }
    out.push_str("</table><h2>Issue log</h2><table><tr><th>id</th><th>test case</th><th>severity</th><th>priority</th><th>kind</th><th>summary</th></tr>");
    for issue in issue_log(report) {
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&issue.id),
            escape(&issue.test_case),
            escape(issue.severity.meaning()),
            issue.severity.number(),
            issue.priority,
            escape(&issue.kind),
            escape(&issue.summary)
        ));
    }
    out.push_str("</table><h2>Traceability matrix</h2><table><tr><th>requirement</th><th>result</th><th>test cases</th></tr>");
    for row in traceability(report) {
        let cases: Vec<String> = row
            .cases
            .iter()
            .map(|(name, status)| format!("{} ({status})", escape(name)))
            .collect();
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row.requirement),
            escape(&row.result),
            cases.join("<br>")
        ));
    }
    out.push_str("</table><h2>Scenarios</h2>");
    for case in &report.cases {
        out.push_str(&case_section(case));
    }
    out.push_str(&format!("<script>{SCRIPT}</script></body></html>\n"));
    out
}
