//! The fixer schedule: every fixer period (`max(2*interval + 10s, fixer_interval)`, the
//! first run one period after start), one run of the shared algorithm on each sink that is
//! initialised, counted in `livekit_analytics_fixer_runs_total{sink,outcome}` and
//! `livekit_analytics_fixer_closed_total{sink,entity}`.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use analytics_core::{
    fixer::{ActiveEntityFixer, FixOutcome, FixerError, LivekitView},
    sender::AnalyticsSender,
    LivekitHelper, Metrics, Pipeline,
};
use tokio::{
    task::JoinHandle,
    time::{interval_at, Instant, MissedTickBehavior},
};
use tokio_util::sync::CancellationToken;

/// The running schedule.
pub struct FixerTask {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl FixerTask {
    /// Stops the schedule, letting a run in progress finish.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Starts running the fixer on every sink of `pipeline` every `period`, with LiveKit's
/// state from `livekit`; synthetic close events expire after `expiration`.
pub fn start(
    pipeline: Arc<Pipeline>,
    livekit: Arc<dyn LivekitHelper>,
    period: Duration,
    expiration: Duration,
) -> FixerTask {
    let holder = instance_id();
    tracing::info!(period = ?period, holder = %holder, "active-entities fixer scheduled");
    let sinks: Vec<SinkFixer> = pipeline
        .senders()
        .iter()
        .map(|sender| SinkFixer {
            sender: sender.clone(),
            fixer: ActiveEntityFixer::new(holder.clone(), expiration, period),
            last_problem: None,
        })
        .collect();
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    let metrics = pipeline.metrics().clone();
    let task = tokio::spawn(async move {
        let mut sinks = sinks;
        let mut view_problem = None;
        let mut ticks = interval_at(Instant::now() + period, period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stopped.cancelled() => break,
                _ = ticks.tick() => {}
            }
            let view = tokio::select! {
                _ = stopped.cancelled() => break,
                view = LivekitView::read(livekit.as_ref()) => view,
            };
            report_view(&view, &mut view_problem);
            for sink in &mut sinks {
                tokio::select! {
                    _ = stopped.cancelled() => return,
                    _ = sink.run(livekit.as_ref(), &view, &metrics) => {}
                }
            }
        }
    });
    FixerTask { stop, task }
}

/// The fixer of one sink, and the last problem it logged (each problem is logged once,
/// when it starts, not every period).
struct SinkFixer {
    sender: Arc<AnalyticsSender>,
    fixer: ActiveEntityFixer,
    last_problem: Option<String>,
}

impl SinkFixer {
    async fn run(&mut self, livekit: &dyn LivekitHelper, view: &LivekitView, metrics: &Metrics) {
        let sink = self.sender.name().to_owned();
        if !self.sender.is_ready() {
            metrics.fixer_run(&sink, "sink_not_ready");
            self.problem(
                &sink,
                "the sink is not initialised yet: fixer run skipped".into(),
            );
            return;
        }
        let outcome = self
            .fixer
            .run_on_view(self.sender.sink().as_ref(), livekit, view)
            .await;
        match outcome {
            Ok(FixOutcome::Ran { report, held }) => {
                metrics.fixer_run(&sink, "ran");
                for (entity, count) in &report.closed {
                    metrics.fixer_closed(&sink, entity.as_str(), *count);
                }
                let closed: u64 = report.closed.iter().map(|(_, n)| n).sum();
                if closed > 0 || report.superseded > 0 || held > 0 {
                    tracing::info!(
                        sink = %sink,
                        closed = ?report.closed,
                        superseded = report.superseded,
                        held,
                        "active-entities fixer ran"
                    );
                } else {
                    tracing::debug!(sink = %sink, "active-entities fixer ran: nothing to close");
                }
                if self.last_problem.take().is_some() {
                    tracing::info!(sink = %sink, "active-entities fixer running again");
                }
            }
            Ok(FixOutcome::NotLeader) => {
                metrics.fixer_run(&sink, "not_leader");
                tracing::debug!(sink = %sink, "another instance holds this database's fixer lease");
            }
            Ok(FixOutcome::Unsupported) => {
                metrics.fixer_run(&sink, "unsupported");
                self.problem(&sink, "this sink has no active-entities fixer".into());
            }
            // Said once for every sink by `report_view`.
            Err(FixerError::LivekitUnknown(_)) => metrics.fixer_run(&sink, "livekit_unknown"),
            Err(FixerError::Sink(error)) => {
                metrics.fixer_run(&sink, "sink_error");
                self.problem(&sink, format!("the fixer run failed: {error}"));
            }
        }
    }

    /// Logs `problem` when it differs from the last one logged.
    fn problem(&mut self, sink: &str, problem: String) {
        if self.last_problem.as_deref() != Some(problem.as_str()) {
            tracing::warn!(sink = %sink, "active-entities fixer: {problem}");
            self.last_problem = Some(problem);
        }
    }
}

/// Logs what LiveKit could not say, once when it starts (or changes), and when it answers
/// again.
fn report_view(view: &LivekitView, last: &mut Option<String>) {
    let problem = match view.all_unknown() {
        Some(error) => Some(format!("{error}; nothing is closed until LiveKit answers")),
        None if view.unknown().is_empty() => None,
        None => Some(format!(
            "LiveKit cannot list {}: those are not closed ({})",
            view.unknown()
                .keys()
                .map(|entity| entity.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            view.unknown()
                .values()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join("; ")
        )),
    };
    match (&problem, last.as_ref()) {
        (Some(now), Some(before)) if now == before => {}
        (Some(now), _) => tracing::warn!("active-entities fixer: {now}"),
        (None, Some(_)) => tracing::info!("active-entities fixer: LiveKit answers again"),
        (None, None) => {}
    }
    *last = problem;
}

/// A name for this process among the instances sharing a database: host, pid and start
/// time.
fn instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{host}/{}/{started}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::instance_id;

    #[test]
    fn instance_ids_differ_between_calls() {
        assert_ne!(instance_id(), instance_id());
    }
}
