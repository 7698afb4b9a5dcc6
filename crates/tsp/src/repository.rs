//! The SMKI repository as DCC Boxed serves it over HTTP (port 8083):
//! `POST /services/certificatesearch` and `POST /services/retrievecertificate`, XML in and
//! out, plus `GET /healthz`.
//!
//! Answers: 200 with `application/xml`; 402 when nothing is found; 401 for bad parameters
//! (malformed XML, a bad EUI-64 or serial); 403 for a missing or wrong `apikey` when one is
//! configured; 413 for a body over [`smki::repository::MAX_REQUEST_BYTES`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use smki::repository::{self as xml, RepositoryError};
use tracing::{info, instrument, warn};

use crate::registry::{self, SharedRegistry};

/// The path of the certificate search service.
pub const CERTIFICATE_SEARCH_PATH: &str = "/services/certificatesearch";
/// The path of the certificate retrieval service.
pub const RETRIEVE_CERTIFICATE_PATH: &str = "/services/retrievecertificate";
/// The path of the liveness probe.
pub const HEALTH_PATH: &str = "/healthz";

/// What the HTTP handlers share.
#[derive(Debug)]
struct RepositoryState {
    registry: SharedRegistry,
    api_key: Option<String>,
    at_time: i64,
    audit_counter: AtomicU64,
}

impl RepositoryState {
    /// A fresh `AuditReference` for a response: `dccsim-tsp-<n>`, counting from 1.
    fn next_audit_reference(&self) -> String {
        let number = self.audit_counter.fetch_add(1, Ordering::Relaxed) + 1;
        format!("dccsim-tsp-{number}")
    }

    /// Whether the `apikey` query parameter is right (any is, when no key is configured).
    ///
    /// DCC Boxed's own answer to a wrong key is not documented (its clients always send the
    /// published key). We answer 403 Forbidden rather than 401: DCC's clients read 401 as
    /// "invalid search parameters", and a user told that would debug their XML instead of
    /// their key; 403 surfaces as "unknown error 403" and is HTTP's meaning for a refused key.
    fn accepts_api_key(&self, given: Option<&str>) -> bool {
        let Some(expected) = self.api_key.as_deref() else {
            return true;
        };
        if given == Some(expected) {
            return true;
        }
        warn!(
            given = given.is_some(),
            "refused a request with a missing or wrong apikey"
        );
        false
    }
}

/// The query string of both services.
#[derive(Debug, serde::Deserialize)]
struct ServiceQuery {
    apikey: Option<String>,
}

/// The repository's routes, ready to serve.
pub(crate) fn router(registry: SharedRegistry, api_key: Option<String>, at_time: i64) -> Router {
    let state = Arc::new(RepositoryState {
        registry,
        api_key,
        at_time,
        audit_counter: AtomicU64::new(0),
    });
    Router::new()
        .route(CERTIFICATE_SEARCH_PATH, post(certificate_search))
        .route(RETRIEVE_CERTIFICATE_PATH, post(retrieve_certificate))
        .route(HEALTH_PATH, get(health))
        .layer(DefaultBodyLimit::max(xml::MAX_REQUEST_BYTES))
        .with_state(state)
}

#[instrument(name = "tsp.repository.certificate_search", skip_all)]
async fn certificate_search(
    State(state): State<Arc<RepositoryState>>,
    Query(query): Query<ServiceQuery>,
    body: Bytes,
) -> Response {
    if !state.accepts_api_key(query.apikey.as_deref()) {
        return plain(StatusCode::FORBIDDEN, "missing or wrong apikey");
    }
    let request = match utf8(&body).and_then(xml::parse_search_request) {
        Ok(request) => request,
        Err(error) => return error_response(&error),
    };
    if let xml::SearchSubject::SubjectAltName(device) = request.subject {
        if let Err(error) = registry::publish_if_fleet_device(&state.registry, device).await {
            warn!(%device, %error, "cannot issue a fleet device's certificates");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, &error);
        }
    }
    let registry = registry::read(&state.registry);
    match xml::search(registry.store(), &request, state.at_time) {
        Ok(results) => {
            info!(subject = ?request.subject, found = results.len(), "certificate search");
            xml_response(xml::render_search_response(
                &results,
                &state.next_audit_reference(),
            ))
        }
        Err(error) => error_response(&error),
    }
}

#[instrument(name = "tsp.repository.retrieve_certificate", skip_all)]
async fn retrieve_certificate(
    State(state): State<Arc<RepositoryState>>,
    Query(query): Query<ServiceQuery>,
    body: Bytes,
) -> Response {
    if !state.accepts_api_key(query.apikey.as_deref()) {
        return plain(StatusCode::FORBIDDEN, "missing or wrong apikey");
    }
    let serial_hex = match utf8(&body).and_then(xml::parse_data_request) {
        Ok(serial_hex) => serial_hex,
        Err(error) => return error_response(&error),
    };
    let registry = registry::read(&state.registry);
    match xml::retrieve(registry.store(), &serial_hex, state.at_time) {
        Ok(result) => {
            info!(serial_hex, "certificate retrieved");
            xml_response(xml::render_data_response(
                &result,
                &state.next_audit_reference(),
            ))
        }
        Err(error) => error_response(&error),
    }
}

async fn health() -> &'static str {
    "ok"
}

fn utf8(body: &[u8]) -> Result<&str, RepositoryError> {
    std::str::from_utf8(body)
        .map_err(|_| RepositoryError::BadParameters("the request body is not UTF-8".to_owned()))
}

fn xml_response(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/xml")],
        body,
    )
        .into_response()
}

/// 401 or 402 as DCC Boxed answers, with the reason as plain text.
fn error_response(error: &RepositoryError) -> Response {
    let status = match error {
        RepositoryError::BadParameters(_) => StatusCode::UNAUTHORIZED,
        RepositoryError::NotFound(_) => StatusCode::PAYMENT_REQUIRED,
    };
    info!(status = status.as_u16(), %error, "repository request not answered");
    plain(status, &error.to_string())
}

fn plain(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}
