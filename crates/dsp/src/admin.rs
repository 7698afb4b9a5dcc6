//! Admin calls on the DUIS front door's port (not DUIS): the clock (`GET /admin/clock`;
//! `POST /admin/clock?advance=SECONDS` or `?to=RFC3339` moves a virtual clock) and the audit
//! log (`GET /admin/audit/{request_id}`), and the registration data of one source in the
//! registration file format (`GET /admin/registrations?source=rdp-gas/files`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

use crate::Shared;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/admin/clock", get(read_clock).post(move_clock))
        .route("/admin/audit/{request_id}", get(audit))
        .route("/admin/registrations", get(registrations))
        .with_state(shared)
}

fn clock_text(shared: &Shared) -> String {
    format!(
        "{} {}\n",
        shared.clock.mode(),
        clock::xml_date_time(shared.clock.now())
    )
}

async fn read_clock(State(shared): State<Arc<Shared>>) -> (StatusCode, String) {
    (StatusCode::OK, clock_text(&shared))
}

#[derive(Debug, serde::Deserialize)]
struct Move {
    /// Seconds to move forward.
    advance: Option<f64>,
    /// An RFC 3339 instant to move to.
    to: Option<String>,
}

async fn move_clock(
    State(shared): State<Arc<Shared>>,
    Query(request): Query<Move>,
) -> (StatusCode, String) {
    let moved = match (request.advance, request.to) {
        (Some(seconds), None) => match Duration::try_from_secs_f64(seconds) {
            Ok(by) => shared.clock.advance(by).map_err(|error| error.to_string()),
            Err(error) => Err(format!("advance={seconds}: {error}")),
        },
        (None, Some(to)) => crate::routing::parse_date_time(&to)
            .map_err(|rejection| rejection.to_string())
            .and_then(|to| shared.clock.set(to).map_err(|error| error.to_string())),
        _ => Err("give advance=SECONDS or to=RFC3339, one of them".to_owned()),
    };
    match moved {
        Ok(_) => {
            shared.scheduler_wake.look_now();
            (StatusCode::OK, clock_text(&shared))
        }
        Err(message) => (StatusCode::BAD_REQUEST, format!("{message}\n")),
    }
}

async fn audit(
    State(shared): State<Arc<Shared>>,
    Path(request_id): Path<String>,
) -> (StatusCode, String) {
    match shared.store.audit_of(&request_id) {
        Ok(events) => (StatusCode::OK, crate::audit::render(&request_id, &events)),
        Err(error) => (StatusCode::SERVICE_UNAVAILABLE, format!("{error}\n")),
    }
}

#[derive(Debug, serde::Deserialize)]
struct RegistrationSource {
    source: String,
}

async fn registrations(
    State(shared): State<Arc<Shared>>,
    Query(request): Query<RegistrationSource>,
) -> (StatusCode, String) {
    match crate::registration_intake::registration_lines(&shared, &request.source) {
        Some(lines) => (
            StatusCode::OK,
            lines.into_iter().map(|line| line + "\n").collect(),
        ),
        None => (
            StatusCode::NOT_FOUND,
            format!("no registration data from {}\n", request.source),
        ),
    }
}
