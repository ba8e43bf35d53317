//! The retry layer: exponential backoff with full jitter, applied per request
//! according to whether the request is safe to repeat.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::Error;

/// How transient failures are retried.
///
/// A failed attempt is repeated only when the error is retryable
/// ([`Error::is_retryable`]) **and** repeating cannot apply a change twice:
/// reads and requests marked idempotent are repeated on any retryable error;
/// other writes (creates, token regeneration) only on errors that prove
/// nothing was applied ([`Error::is_safe_to_retry_any_request`]: a config
/// lock timeout or a failed connect). A create that fails in transit becomes
/// [`Error::OutcomeUnknown`] and is handed to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Delay scale of the first retry; doubles on every further retry.
    pub base_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The delay before retry number `retry` (1-based): a uniformly random
    /// value in `[exp/2, exp]` with `exp = min(max_delay, base_delay * 2^(retry-1))`.
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let exp = self
            .base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        let half = exp / 2;
        let jitter_range = exp.saturating_sub(half).as_nanos() as u64;
        let jitter = if jitter_range == 0 {
            0
        } else {
            rand::rng().random_range(0..=jitter_range)
        };
        half + Duration::from_nanos(jitter)
    }

    /// Whether an attempt that failed with `err` may be repeated.
    pub fn should_retry(&self, err: &Error, idempotent: bool, attempt: u32) -> bool {
        attempt <= self.max_retries
            && err.is_retryable()
            && (idempotent || err.is_safe_to_retry_any_request())
    }

    /// Runs `attempt_fn(1)`, `attempt_fn(2)`, … until success, a final error,
    /// or the retry budget is spent.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        idempotent: bool,
        mut attempt_fn: F,
    ) -> Result<T, Error>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let mut attempt = 1;
        loop {
            match attempt_fn(attempt).await {
                Ok(v) => return Ok(v),
                Err(err) if self.should_retry(&err, idempotent, attempt) => {
                    let delay = self.delay(attempt);
                    tracing::debug!(attempt, ?delay, error = %err, "retrying PVE request");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;

    fn lock_timeout() -> Error {
        Error::LockTimeout(ApiError {
            method: "POST".into(),
            path: "/access/users".into(),
            status: 500,
            message: "create user failed: cfs-lock 'file-user_cfg' error: got lock request timeout"
                .into(),
            errors: Default::default(),
        })
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for _ in 0..50 {
            let d1 = p.delay(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d2 = p.delay(2);
            assert!(d2 >= Duration::from_millis(100) && d2 <= Duration::from_millis(200));
            let d9 = p.delay(9);
            assert!(d9 >= Duration::from_millis(175) && d9 <= Duration::from_millis(350));
            assert!(p.delay(200) <= Duration::from_millis(350));
        }
    }

    #[test]
    fn retry_decision_depends_on_error_and_idempotency() {
        let p = RetryPolicy::default();
        let transit = Error::Transport {
            method: "GET".into(),
            path: "/x".into(),
            message: "reset".into(),
        };
        let unknown = Error::OutcomeUnknown {
            method: "POST".into(),
            path: "/x".into(),
            message: "reset".into(),
        };
        assert!(p.should_retry(&lock_timeout(), false, 1));
        assert!(p.should_retry(&transit, true, 1));
        assert!(!p.should_retry(&transit, false, 1));
        assert!(!p.should_retry(&unknown, false, 1));
        assert!(!p.should_retry(&lock_timeout(), true, 5));
        assert!(!RetryPolicy::none().should_retry(&lock_timeout(), true, 1));
    }

    #[tokio::test]
    async fn run_stops_after_budget() {
        let p = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let mut calls = 0;
        let res: Result<(), Error> = p
            .run(true, |_| {
                calls += 1;
                async { Err(lock_timeout()) }
            })
            .await;
        assert!(matches!(res, Err(Error::LockTimeout(_))));
        assert_eq!(calls, 3);
    }
}
