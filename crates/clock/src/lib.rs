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
/// calls back each key set when its time may have come, and sleeps until the earliest time
/// the keys still await, or until a key is set or the clock moves.
#[derive(Debug)]
pub struct Alarm<K> {
    keys: Mutex<std::collections::HashSet<K>>,
    changed: tokio::sync::Notify,
}

impl<K> Default for Alarm<K> {
    fn default() -> Self {
        Self {
            keys: Mutex::new(std::collections::HashSet::new()),
            changed: tokio::sync::Notify::new(),
        }
    }
}

impl<K: Copy + Eq + std::hash::Hash> Alarm<K> {
    /// Sets the alarm for `key`: it is rung at once, then for as long as it awaits a time.
    pub fn set(&self, key: K) {
        self.keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key);
        self.changed.notify_one();
    }

    /// Whether `key` awaits its time.
    pub fn is_set(&self, key: K) -> bool {
        self.keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&key)
    }

    /// Rings the keys set, forever: `ring(key)` does what is due for it by now and says when
    /// it is next due (`None`: nothing more; its alarm is off until set again).
    pub async fn run(&self, clock: &Clock, mut ring: impl FnMut(K) -> Option<OffsetDateTime>) {
        loop {
            // Made before the keys are read: a key set meanwhile still wakes this round.
            let changed = self.changed.notified();
            let keys: Vec<K> = self
                .keys
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .copied()
                .collect();
            let mut earliest: Option<OffsetDateTime> = None;
            let mut done = Vec::new();
            for key in keys {
                match ring(key) {
                    Some(due) => earliest = Some(earliest.map_or(due, |known| known.min(due))),
                    None => done.push(key),
                }
            }
            {
                let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
                for key in done {
                    keys.remove(&key);
                }
            }
            let until_due = async {
                match earliest {
                    Some(due) => self.sleep_until_or_moved(clock, due).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = until_due => {}
                () = changed => {}
            }
        }
    }

    async fn sleep_until_or_moved(&self, clock: &Clock, due: OffsetDateTime) {
        tokio::select! {
            () = clock.sleep_until(due) => {}
            () = clock.moved() => {}
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
    async fn an_alarm_rings_a_key_when_set_and_again_at_its_time_until_it_says_done() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let start = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
        let due = start + time::Duration::hours(1);
        let clock = Clock::virtual_at(start);
        let alarm = Arc::new(Alarm::<u8>::default());
        let rings = Arc::new(AtomicUsize::new(0));
        let running = tokio::spawn({
            let (alarm, clock, rings) = (alarm.clone(), clock.clone(), rings.clone());
            async move {
                alarm
                    .run(&clock, |_| {
                        rings.fetch_add(1, Ordering::SeqCst);
                        (clock.now() < due).then_some(due)
                    })
                    .await
            }
        });
        let rung = |count| {
            let rings = rings.clone();
            async move {
                while rings.load(Ordering::SeqCst) < count {
                    tokio::task::yield_now().await;
                }
            }
        };
        alarm.set(7);
        tokio::time::timeout(Duration::from_secs(10), rung(1))
            .await
            .unwrap();
        assert!(alarm.is_set(7), "it awaits its time");
        clock.set(due).unwrap();
        tokio::time::timeout(Duration::from_secs(10), rung(2))
            .await
            .unwrap();
        let wait_off = async {
            while alarm.is_set(7) {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), wait_off)
            .await
            .unwrap();
        let when_off = rings.load(Ordering::SeqCst);
        clock.advance(Duration::from_secs(60)).unwrap();
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            rings.load(Ordering::SeqCst),
            when_off,
            "off until set again"
        );
        running.abort();
    }
}
