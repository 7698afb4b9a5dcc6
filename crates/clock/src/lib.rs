//! The ecosystem's clock: the system clock by default, or a virtual clock that stands still
//! until it is moved (`dccsim up --clock virtual` and the DSP's admin call), so a test can run
//! a month of schedules in a second. Every party built in one process shares one [`Clock`];
//! whatever waits for a time ([`Clock::sleep_until`]) wakes when the clock reaches it, however
//! it got there.
#![forbid(unsafe_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;

/// Which clock the ecosystem runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// The operating system's clock (the default).
    #[default]
    System,
    /// A clock that only moves when told to.
    Virtual,
}

impl std::str::FromStr for ClockMode {
    type Err = ClockError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "system" => Ok(ClockMode::System),
            "virtual" => Ok(ClockMode::Virtual),
            other => Err(ClockError::UnknownMode(other.to_owned())),
        }
    }
}

impl std::fmt::Display for ClockMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClockMode::System => "system",
            ClockMode::Virtual => "virtual",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the system clock cannot be moved; start with --clock virtual")]
    NotVirtual,
    #[error("a virtual clock only moves forward: {requested} is before {now}")]
    Backwards {
        now: OffsetDateTime,
        requested: OffsetDateTime,
    },
    #[error("unknown clock {0:?}: the clocks are system and virtual")]
    UnknownMode(String),
    #[error("moving the clock by {0:?} overflows the calendar")]
    Overflow(Duration),
}

/// A shared clock; cheap to clone, every clone sees the same time.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
enum Inner {
    System,
    Virtual {
        now: Mutex<OffsetDateTime>,
        moved: watch::Sender<OffsetDateTime>,
    },
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(Inner::System))
    }

    /// A virtual clock standing at `start`.
    pub fn virtual_at(start: OffsetDateTime) -> Self {
        let (moved, _) = watch::channel(start);
        Self(Arc::new(Inner::Virtual {
            now: Mutex::new(start),
            moved,
        }))
    }

    /// A clock of `mode`; a virtual one starts at the system time, to the millisecond.
    pub fn new(mode: ClockMode) -> Self {
        match mode {
            ClockMode::System => Self::system(),
            ClockMode::Virtual => {
                let now = OffsetDateTime::now_utc();
                let start = now
                    .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
                    .unwrap_or(now);
                Self::virtual_at(start)
            }
        }
    }

    pub fn mode(&self) -> ClockMode {
        match &*self.0 {
            Inner::System => ClockMode::System,
            Inner::Virtual { .. } => ClockMode::Virtual,
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        match &*self.0 {
            Inner::System => OffsetDateTime::now_utc(),
            Inner::Virtual { now, .. } => *now.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    pub fn unix_seconds(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// Moves a virtual clock forward by `by`; returns the new time.
    pub fn advance(&self, by: Duration) -> Result<OffsetDateTime, ClockError> {
        let target = self
            .now()
            .checked_add(time::Duration::try_from(by).map_err(|_| ClockError::Overflow(by))?)
            .ok_or(ClockError::Overflow(by))?;
        self.set(target)
    }

    /// Moves a virtual clock forward to `to`; returns the new time.
    pub fn set(&self, to: OffsetDateTime) -> Result<OffsetDateTime, ClockError> {
        let Inner::Virtual { now, moved } = &*self.0 else {
            return Err(ClockError::NotVirtual);
        };
        let mut current = now.lock().unwrap_or_else(|p| p.into_inner());
        if to < *current {
            return Err(ClockError::Backwards {
                now: *current,
                requested: to,
            });
        }
        *current = to;
        moved.send_replace(to);
        Ok(to)
    }

    /// Resolves once the clock reads `deadline` or later.
    pub async fn sleep_until(&self, deadline: OffsetDateTime) {
        match &*self.0 {
            Inner::System => {
                let left = deadline - OffsetDateTime::now_utc();
                if left.is_positive() {
                    tokio::time::sleep(left.unsigned_abs()).await;
                }
            }
            Inner::Virtual { moved, .. } => {
                let mut receiver = moved.subscribe();
                // The sender lives as long as this clock, so waiting cannot fail.
                let _ = receiver.wait_for(|now| *now >= deadline).await;
            }
        }
    }

    /// Each time a virtual clock reads after it moves, from now on (`None` for the system
    /// clock): unlike [`Clock::moved`], a move between two waits is not missed.
    pub fn watch(&self) -> Option<watch::Receiver<OffsetDateTime>> {
        match &*self.0 {
            Inner::System => None,
            Inner::Virtual { moved, .. } => Some(moved.subscribe()),
        }
    }

    /// Resolves the next time a virtual clock moves (never for the system clock, which moves
    /// by itself: callers wait with a deadline instead).
    pub async fn moved(&self) {
        match &*self.0 {
            Inner::System => std::future::pending().await,
            Inner::Virtual { moved, .. } => {
                let mut receiver = moved.subscribe();
                let _ = receiver.changed().await;
            }
        }
    }
}

/// `xs:dateTime` in UTC with milliseconds, as DUIS writes it: `2024-01-31T12:00:00.000Z`.
pub fn xml_date_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Keys (devices, say) each awaiting a time on a clock, and what rings them: [`Alarm::run`]
/// rings each key whose time has come, and sleeps until the earliest time a key awaits, or
/// until a key is set earlier or the clock moves. Setting and ringing cost a logarithm of the
/// keys waiting: a key not due is never looked at.
#[derive(Debug)]
pub struct Alarm<K> {
    waiting: Mutex<Waiting<K>>,
    changed: tokio::sync::Notify,
}

/// The keys waiting, by when: a key's time, and the queue in time order (an entry whose key
/// has since been set to another time is stale and skipped).
#[derive(Debug)]
struct Waiting<K> {
    due: std::collections::HashMap<K, OffsetDateTime>,
    queue: std::collections::BinaryHeap<std::cmp::Reverse<(OffsetDateTime, K)>>,
}

impl<K> Default for Alarm<K> {
    fn default() -> Self {
        Self {
            waiting: Mutex::new(Waiting {
                due: std::collections::HashMap::new(),
                queue: std::collections::BinaryHeap::new(),
            }),
            changed: tokio::sync::Notify::new(),
        }
    }
}

impl<K: Copy + Eq + Ord + std::hash::Hash> Waiting<K> {
    /// The earliest time waited for, stale entries dropped.
    fn earliest(&mut self) -> Option<OffsetDateTime> {
        while let Some(std::cmp::Reverse((due, key))) = self.queue.peek().copied() {
            if self.due.get(&key) == Some(&due) {
                return Some(due);
            }
            self.queue.pop();
        }
        None
    }

    /// Takes the keys due by `now`.
    fn take_due(&mut self, now: OffsetDateTime) -> Vec<K> {
        let mut taken = Vec::new();
        while let Some(due) = self.earliest() {
            if due > now {
                break;
            }
            if let Some(std::cmp::Reverse((_, key))) = self.queue.pop() {
                self.due.remove(&key);
                taken.push(key);
            }
        }
        taken
    }
}

impl<K: Copy + Eq + Ord + std::hash::Hash> Alarm<K> {
    /// Sets the alarm for `key` at `due` (at once when `due` has come); a key already set for
    /// earlier keeps its time (it is rung then, and says when next).
    pub fn set(&self, key: K, due: OffsetDateTime) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        if waiting.due.get(&key).is_some_and(|set| *set <= due) {
            return;
        }
        let earliest = waiting.earliest();
        waiting.due.insert(key, due);
        waiting.queue.push(std::cmp::Reverse((due, key)));
        drop(waiting);
        if earliest.is_none_or(|earliest| due < earliest) {
            self.changed.notify_one();
        }
    }

    /// When `key` is next rung, if it is set.
    pub fn due(&self, key: K) -> Option<OffsetDateTime> {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .due
            .get(&key)
            .copied()
    }

    /// Rings the keys as their times come, forever: `ring(key)` does what is due for it by
    /// now and says when it is next due (`None`: nothing more; its alarm is off until set
    /// again).
    pub async fn run(&self, clock: &Clock, mut ring: impl FnMut(K) -> Option<OffsetDateTime>) {
        loop {
            // Made before the queue is read: a key set earlier meanwhile still wakes this round.
            let changed = self.changed.notified();
            let now = clock.now();
            let due = self
                .waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take_due(now);
            for key in due {
                if let Some(next) = ring(key) {
                    // What ringing left for now or earlier waits for the clock to move: never
                    // rung again at the same time.
                    let next = next.max(now + time::Duration::MILLISECOND);
                    self.set(key, next);
                }
            }
            let earliest = self
                .waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .earliest();
            let until_due = async {
                match earliest {
                    Some(due) => {
                        tokio::select! {
                            () = clock.sleep_until(due) => {}
                            () = clock.moved() => {}
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = until_due => {}
                () = changed => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_virtual_clock_stands_still_until_moved_and_never_goes_back() {
        let clock = Clock::virtual_at(datetime!(2030-01-01 00:00 UTC));
        assert_eq!(clock.now(), datetime!(2030-01-01 00:00 UTC));
        let moved = clock.advance(Duration::from_secs(86_400)).unwrap();
        assert_eq!(moved, datetime!(2030-01-02 00:00 UTC));
        assert_eq!(clock.clone().now(), moved);
        assert!(matches!(
            clock.set(datetime!(2029-12-31 00:00 UTC)),
            Err(ClockError::Backwards { .. })
        ));
        assert_eq!(
            Clock::system().advance(Duration::from_secs(1)),
            Err(ClockError::NotVirtual)
        );
    }

    #[tokio::test]
    async fn sleepers_wake_when_the_virtual_clock_reaches_their_time() {
        let clock = Clock::virtual_at(datetime!(2030-01-01 00:00 UTC));
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move {
                clock.sleep_until(datetime!(2030-01-03 00:00 UTC)).await;
                clock.now()
            })
        };
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(86_400)).unwrap();
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(Duration::from_secs(2 * 86_400)).unwrap();
        assert_eq!(sleeper.await.unwrap(), datetime!(2030-01-04 00:00 UTC));
    }

    #[test]
    fn modes_parse_and_dates_render_as_duis_writes_them() {
        assert_eq!("virtual".parse::<ClockMode>().unwrap(), ClockMode::Virtual);
        assert!("sundial".parse::<ClockMode>().is_err());
        assert_eq!(
            xml_date_time(datetime!(2030-01-02 03:04:05.678 UTC)),
            "2030-01-02T03:04:05.678Z"
        );
    }

    #[tokio::test]
    async fn an_alarm_rings_a_key_at_its_time_and_again_until_it_says_done() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let start = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
        let first = start + time::Duration::hours(1);
        let second = start + time::Duration::hours(2);
        let clock = Clock::virtual_at(start);
        let alarm = Arc::new(Alarm::<u8>::default());
        let rings = Arc::new(AtomicUsize::new(0));
        let running = tokio::spawn({
            let (alarm, clock, rings) = (alarm.clone(), clock.clone(), rings.clone());
            async move {
                alarm
                    .run(&clock, |key| {
                        assert_eq!(key, 7, "only the key due is rung");
                        rings.fetch_add(1, Ordering::SeqCst);
                        (clock.now() < second).then_some(second)
                    })
                    .await
            }
        });
        let settled = |count: usize| {
            let (rings, alarm) = (rings.clone(), alarm.clone());
            async move {
                while rings.load(Ordering::SeqCst) < count {
                    tokio::task::yield_now().await;
                }
                for _ in 0..100 {
                    tokio::task::yield_now().await;
                }
                let _ = alarm;
            }
        };
        alarm.set(7, first);
        alarm.set(9, start + time::Duration::days(30));
        alarm.set(7, second);
        assert_eq!(alarm.due(7), Some(first), "an earlier time stands");
        settled(0).await;
        assert_eq!(rings.load(Ordering::SeqCst), 0, "not before its time");
        clock.set(first).unwrap();
        tokio::time::timeout(Duration::from_secs(10), settled(1))
            .await
            .unwrap();
        assert_eq!(alarm.due(7), Some(second), "set again for when it said");
        clock.set(second).unwrap();
        tokio::time::timeout(Duration::from_secs(10), settled(2))
            .await
            .unwrap();
        assert_eq!(alarm.due(7), None, "off: it said done");
        clock.advance(Duration::from_secs(60)).unwrap();
        settled(2).await;
        assert_eq!(rings.load(Ordering::SeqCst), 2, "off until set again");
        assert!(!running.is_finished(), "the key not due was never rung");
        running.abort();
    }
}
