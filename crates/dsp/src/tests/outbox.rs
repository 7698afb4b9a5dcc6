//! The outbox's decisions: a document is sent again until the user answers 2xx, then leaves the
//! store; what the store still owes when the DSP starts is sent; a user that keeps refusing
//! does not hold up documents for another.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::outbox::Outbox;
use crate::store::{Delivery, Store};

/// Queues a document for `url` in the store, as a change of state does.
fn enqueue(store: &Store, url: &str, reference: &str) -> (u64, Delivery) {
    let delivery = Delivery {
        url: url.to_owned(),
        xml: format!("<document>{reference}</document>"),
        request_id: reference.to_owned(),
        device_id: ESME.to_string(),
    };
    let batch = store.batch().expect("batch");
    let sequence = batch.enqueue(&delivery).expect("queued");
    batch.commit().expect("committed");
    (sequence, delivery)
}

/// The references of the documents the store still owes.
fn owed(store: &Store) -> Vec<String> {
    store
        .all_deliveries()
        .expect("deliveries")
        .into_iter()
        .map(|(_, delivery)| delivery.request_id)
        .collect()
}

/// Waits (at most 10 s) until `condition` holds.
async fn wait_until(mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not met in time"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn start(store: &Arc<Store>) -> Outbox {
    let (outbox, task) =
        Outbox::new(store.clone(), clock::Clock::virtual_at(START)).expect("outbox");
    tokio::spawn(task);
    outbox
}

#[tokio::test]
async fn a_refused_document_is_sent_again_until_the_user_takes_it_then_leaves_the_store() {
    let store = Arc::new(Store::in_memory().expect("store"));
    let mut user = UserEndpoint::start(vec![503, 500]).await;
    let outbox = start(&store);
    let (sequence, delivery) = enqueue(&store, &user.url, "request-1");
    outbox.send(sequence, delivery);
    for attempt in 1..=3 {
        assert_eq!(
            user.next().await,
            b"<document>request-1</document>",
            "attempt {attempt}"
        );
    }
    wait_until(|| owed(&store).is_empty()).await;
    let delivered = store.audit_of("request-1").expect("audit");
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0].hop, "user");
    assert_eq!(delivered[0].outcome.as_deref(), Some("HTTP 204"));
    assert!(user.nothing_more(Duration::from_millis(300)).await);
}

#[tokio::test]
async fn what_the_store_owes_when_the_outbox_starts_is_sent() {
    let store = Arc::new(Store::in_memory().expect("store"));
    let mut user = UserEndpoint::start(Vec::new()).await;
    enqueue(&store, &user.url, "owed-1");
    enqueue(&store, &user.url, "owed-2");
    let _outbox = start(&store);
    let mut received = vec![user.next().await, user.next().await];
    received.sort();
    assert_eq!(
        received,
        [
            b"<document>owed-1</document>".to_vec(),
            b"<document>owed-2</document>".to_vec()
        ]
    );
    wait_until(|| owed(&store).is_empty()).await;
}

#[tokio::test]
async fn a_user_that_keeps_refusing_does_not_hold_up_another() {
    let store = Arc::new(Store::in_memory().expect("store"));
    let mut refusing = UserEndpoint::start(vec![503; 100]).await;
    let mut taking = UserEndpoint::start(Vec::new()).await;
    let outbox = start(&store);
    let (sequence, delivery) = enqueue(&store, &refusing.url, "refused");
    outbox.send(sequence, delivery);
    refusing.next().await;
    let (sequence, delivery) = enqueue(&store, &taking.url, "taken");
    outbox.send(sequence, delivery);
    assert_eq!(taking.next().await, b"<document>taken</document>");
    // The refused one is still owed and still being sent.
    refusing.next().await;
    wait_until(|| owed(&store) == ["refused"]).await;
}
