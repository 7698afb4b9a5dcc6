//! Revocation look-ups in the SMKI repository, shared between requests in flight: while one
//! look-up is on its way to the TSP, the requests that arrive wait for the next round, which
//! asks once for each distinct certificate serial among them.
//!
//! Architecture Invariant: every answer comes from a look-up that started after its request
//! asked, so a request that arrives after a revocation has returned sees the revocation (no
//! cache, no stale answer); only requests that are in flight at the same time share a round.
//!
//! Rounds run on the task of one of the waiting requests (the leader), not on a task of their
//! own, so the call to the TSP keeps the caller's task context (its link-layer ticket); if the
//! leader's request is dropped mid-round, its waiters are woken to elect another.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use futures::future::BoxFuture;
use tokio::sync::oneshot;

use tsp::{TspClient, TspError};

/// One look-up in the repository: whether the certificate with this serial is revoked.
type Lookup = Box<dyn Fn(String) -> BoxFuture<'static, Result<bool, TspError>> + Send + Sync>;

/// What a waiter is told: the answer for its serial, or to lead the next round itself.
enum Wake {
    Answer(Result<bool, TspError>),
    Lead,
}

#[derive(Default)]
struct Rounds {
    /// Whether a round is on its way to the TSP.
    leading: bool,
    /// The requests waiting for the next round, by certificate serial.
    waiting: BTreeMap<String, Vec<oneshot::Sender<Wake>>>,
}

impl Rounds {
    /// Hands the lead to one waiter, if any; otherwise nobody leads.
    fn pass_the_lead(&mut self) {
        self.leading = false;
        while let Some(mut entry) = self.waiting.first_entry() {
            let Some(waiter) = entry.get_mut().pop() else {
                entry.remove();
                continue;
            };
            if entry.get().is_empty() {
                entry.remove();
            }
            if waiter.send(Wake::Lead).is_ok() {
                self.leading = true;
                return;
            }
        }
    }
}

/// Revocation look-ups shared between the requests in flight (see the module documentation).
pub(crate) struct RevocationLookups {
    lookup: Lookup,
    rounds: Mutex<Rounds>,
}

/// Passes the lead on when a leader's round ends or its request is dropped.
struct Leading<'a>(&'a RevocationLookups);

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.0.lock().pass_the_lead();
    }
}

impl RevocationLookups {
    /// Look-ups in the SMKI repository `tsp` serves.
    pub(crate) fn new(tsp: TspClient) -> Self {
        Self::with_lookup(Box::new(move |serial: String| {
            let tsp = tsp.clone();
            Box::pin(async move { tsp.is_revoked(&serial).await })
        }))
    }

    fn with_lookup(lookup: Lookup) -> Self {
        Self {
            lookup,
            rounds: Mutex::new(Rounds::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Rounds> {
        self.rounds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the certificate with this decimal serial number is revoked, as the SMKI
    /// repository answers a look-up that started after this call.
    pub(crate) async fn is_revoked(&self, serial: &str) -> Result<bool, TspError> {
        loop {
            let waiting = {
                let mut rounds = self.lock();
                match rounds.leading {
                    false => {
                        rounds.leading = true;
                        None
                    }
                    true => {
                        let (sender, receiver) = oneshot::channel();
                        rounds
                            .waiting
                            .entry(serial.to_owned())
                            .or_default()
                            .push(sender);
                        Some(receiver)
                    }
                }
            };
            let Some(receiver) = waiting else {
                return self.lead(serial).await;
            };
            match receiver.await {
                Ok(Wake::Answer(answer)) => return answer,
                // Told to lead, or the leader was dropped: the next round is ours to run.
                Ok(Wake::Lead) => return self.lead(serial).await,
                Err(_) => continue,
            }
        }
    }

    /// Runs one round for this request's serial and every request waiting now.
    async fn lead(&self, serial: &str) -> Result<bool, TspError> {
        let _leading = Leading(self);
        let mut batch = std::mem::take(&mut self.lock().waiting);
        batch.entry(serial.to_owned()).or_default();
        let answers =
            futures::future::join_all(batch.keys().map(|serial| async move {
                (serial.clone(), (self.lookup)(serial.clone()).await)
            }))
            .await;
        let mut own = None;
        for (looked_up, answer) in answers {
            if looked_up == serial {
                own = Some(answer.clone());
            }
            for waiter in batch.remove(&looked_up).unwrap_or_default() {
                let _gone = waiter.send(Wake::Answer(answer.clone()));
            }
        }
        own.unwrap_or_else(|| {
            Err(TspError::Unavailable(
                "no look-up for the serial".to_owned(),
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    /// A repository where serials starting with `R` are revoked, `X` unknown, counting the
    /// look-ups it answers and answering each only once `gate` lets it through.
    fn repository(calls: Arc<AtomicUsize>, gate: Arc<tokio::sync::Semaphore>) -> RevocationLookups {
        RevocationLookups::with_lookup(Box::new(move |serial: String| {
            let (calls, gate) = (calls.clone(), gate.clone());
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let _permit = gate
                    .acquire()
                    .await
                    .map_err(|error| TspError::Unavailable(error.to_string()))?;
                match serial.chars().next() {
                    Some('R') => Ok(true),
                    Some('X') => Err(TspError::NotFound(serial)),
                    _ => Ok(false),
                }
            })
        }))
    }

    #[tokio::test]
    async fn requests_in_flight_together_share_a_round_and_each_gets_its_own_answer() {
        let calls = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let lookups = Arc::new(repository(calls.clone(), gate.clone()));
        // The first request leads a round that waits at the gate; 30 more arrive meanwhile.
        let first = tokio::spawn({
            let lookups = lookups.clone();
            async move { lookups.is_revoked("A1").await }
        });
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let serials = ["A1", "R2", "A3", "X4"];
        let followers: Vec<_> = (0..30)
            .map(|index| {
                let lookups = lookups.clone();
                let serial = serials[index % serials.len()];
                tokio::spawn(async move { (serial, lookups.is_revoked(serial).await) })
            })
            .collect();
        while lookups.lock().waiting.values().map(Vec::len).sum::<usize>() < 30 {
            tokio::task::yield_now().await;
        }
        gate.add_permits(1_000);
        assert_eq!(first.await.expect("the first request"), Ok(false));
        for follower in followers {
            let (serial, answer) = follower.await.expect("a follower");
            let expected = match serial {
                "R2" => Ok(true),
                "X4" => Err(TspError::NotFound("X4".to_owned())),
                _ => Ok(false),
            };
            assert_eq!(answer, expected, "{serial}");
        }
        // One round for the first request, one for the four serials of the thirty that
        // waited: none of them took the answer of the round that started before it asked.
        assert_eq!(calls.load(Ordering::SeqCst), 1 + serials.len());
        assert!(!lookups.lock().leading);
    }

    #[tokio::test]
    async fn a_leader_dropped_mid_round_leaves_its_waiters_a_new_leader() {
        let calls = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        let lookups = Arc::new(repository(calls.clone(), gate.clone()));
        let leader = tokio::spawn({
            let lookups = lookups.clone();
            async move { lookups.is_revoked("A1").await }
        });
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let waiter = tokio::spawn({
            let lookups = lookups.clone();
            async move { lookups.is_revoked("R2").await }
        });
        while lookups.lock().waiting.is_empty() {
            tokio::task::yield_now().await;
        }
        leader.abort();
        assert!(leader.await.is_err(), "the leader was aborted");
        gate.add_permits(1_000);
        assert_eq!(waiter.await.expect("the waiter"), Ok(true));
        assert!(!lookups.lock().leading);
    }
}
