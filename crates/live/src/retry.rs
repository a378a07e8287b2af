//! Retries with capped exponential backoff and full jitter (the AWS SDKs'
//! "standard" mode: base 1 s... here 0.2 s, cap 20 s, and the delay is a
//! random point below the cap, so many workers throttled together do not
//! come back together), or the server's own `Retry-After` when it gives
//! one (Azure and GCP do on 429).

use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

/// Generous on purpose: a scan of a large account should ride out a burst
/// of throttling rather than report the call as failed.
pub const STANDARD: Policy = Policy { attempts: 8, base: Duration::from_millis(200), cap: Duration::from_secs(20) };

/// What one attempt came to.
pub enum Attempt<T, E> {
    Done(T),
    /// Worth trying again, after the server's delay when it named one.
    Again(E, Option<Duration>),
    Fail(E),
}

/// Runs `attempt` until it is done, fails, or the attempts run out (then
/// the last error). `sleep` is passed in so tests need not wait.
pub fn run<T, E>(
    policy: Policy,
    mut attempt: impl FnMut(u32) -> Attempt<T, E>,
    mut sleep: impl FnMut(Duration),
) -> Result<T, E> {
    let mut n = 0;
    loop {
        match attempt(n) {
            Attempt::Done(v) => return Ok(v),
            Attempt::Fail(e) => return Err(e),
            Attempt::Again(e, after) => {
                n += 1;
                if n >= policy.attempts {
                    return Err(e);
                }
                sleep(after.map_or_else(|| backoff(policy, n), |d| d.min(Duration::from_secs(120))));
            }
        }
    }
}

/// Full jitter: uniform in [0, min(cap, base·2^n)].
pub fn backoff(policy: Policy, n: u32) -> Duration {
    let ceiling = policy.base.saturating_mul(1u32 << n.min(16)).min(policy.cap);
    ceiling.mul_f64(random_unit())
}

/// A number in [0, 1) from a per-thread xorshift seeded by the clock and
/// the thread: jitter needs spread, not cryptographic quality.
fn random_unit() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
            let here = &t as *const u64 as u64;
            (t ^ here.rotate_left(32)) | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// `Retry-After` in seconds (the form Azure and GCP send); an HTTP date is
/// not honoured and falls back to the backoff.
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    let v = value?.trim();
    v.parse::<u64>()
        .ok()
        .map(Duration::from_secs)
        .or_else(|| v.parse::<f64>().ok().filter(|s| *s >= 0.0 && s.is_finite()).map(Duration::from_secs_f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_until_done_and_stops_at_the_limit() {
        let mut slept = Vec::new();
        let r: Result<u32, &str> =
            run(STANDARD, |n| if n < 3 { Attempt::Again("busy", None) } else { Attempt::Done(n) }, |d| slept.push(d));
        assert_eq!(r, Ok(3));
        assert_eq!(slept.len(), 3);
        assert!(slept.iter().enumerate().all(|(i, d)| *d <= STANDARD.base * (1 << (i + 1))));
        let mut count = 0;
        let r: Result<(), &str> = run(
            STANDARD,
            |_| Attempt::Again("busy", Some(Duration::from_secs(1))),
            |d| {
                assert_eq!(d, Duration::from_secs(1));
                count += 1;
            },
        );
        assert_eq!(r, Err("busy"));
        assert_eq!(count, STANDARD.attempts - 1);
        let r: Result<(), &str> = run(STANDARD, |_| Attempt::Fail("no"), |_| panic!("no retry after a failure"));
        assert_eq!(r, Err("no"));
    }

    #[test]
    fn backoff_is_capped_and_spread() {
        let delays: Vec<Duration> = (0..200).map(|_| backoff(STANDARD, 30)).collect();
        assert!(delays.iter().all(|d| *d <= STANDARD.cap));
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 150, "jitter spreads the delays");
        assert_eq!(retry_after(Some(" 7 ")), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
    }
}
