//! Patience at start: the stream and the consumers are set up again while JetStream does not
//! answer (a cluster electing its meta leader, servers started together with this one, a
//! request timing out under load), for up to [`PATIENCE`], instead of the process exiting
//! on the first timeout. JetStream's own refusals stop the start at once.

use std::{future::Future, time::Duration};

use tokio::time::Instant;

use crate::error::{NatsError, SetupError};

/// How long the start keeps asking an unanswering JetStream.
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);
const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(5);

/// Runs `attempt` until it succeeds, fails for good, or has gone unanswered for
/// [`PATIENCE`]; the last error then says how long it was tried.
pub(crate) async fn patiently<T, F, Fut>(mut attempt: F) -> Result<T, NatsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SetupError>>,
{
    let deadline = Instant::now() + PATIENCE;
    let mut delay = FIRST_DELAY;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(SetupError::Final(error)) => return Err(error),
            Err(SetupError::Unanswered(error)) if Instant::now() + delay < deadline => {
                tracing::warn!(%error, retry_in = ?delay, "JetStream did not answer; asking again");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_DELAY);
            }
            Err(SetupError::Unanswered(error)) => {
                tracing::error!(
                    patience = ?PATIENCE,
                    "JetStream did not answer during the start"
                );
                return Err(error);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn stream_error(reason: &str) -> NatsError {
        NatsError::Stream {
            stream: "S".into(),
            reason: reason.into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn unanswered_requests_are_asked_again_until_answered() {
        let attempts = AtomicU32::new(0);
        let started = Instant::now();
        let answer = patiently(|| async {
            match attempts.fetch_add(1, Ordering::SeqCst) {
                0..=2 => Err(SetupError::Unanswered(stream_error("timed out"))),
                _ => Ok("ready"),
            }
        })
        .await;
        assert_eq!(answer.expect("answered at the fourth attempt"), "ready");
        assert_eq!(attempts.load(Ordering::SeqCst), 4);
        assert_eq!(
            started.elapsed(),
            Duration::from_millis(250 + 500 + 1000),
            "waits doubling from 250 ms"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_stops_at_once() {
        let attempts = AtomicU32::new(0);
        let answer: Result<(), _> = patiently(|| async {
            attempts.fetch_add(1, Ordering::SeqCst);
            Err(SetupError::Final(stream_error("insufficient resources")))
        })
        .await;
        let error = answer.expect_err("refused");
        assert!(
            error.to_string().contains("insufficient resources"),
            "{error}"
        );
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswering_jetstream_stops_the_start_after_the_patience() {
        let started = Instant::now();
        let answer: Result<(), _> =
            patiently(|| async { Err(SetupError::Unanswered(stream_error("timed out"))) }).await;
        let error = answer.expect_err("gave up");
        assert!(error
            .to_string()
            .contains("cannot create or use stream `S`: timed out"));
        let waited = started.elapsed();
        assert!(
            waited <= PATIENCE && waited >= PATIENCE - MAX_DELAY,
            "gave up after about {PATIENCE:?}: {waited:?}"
        );
    }
}
