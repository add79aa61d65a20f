//! The read benchmark's result: one Markdown table per sink, a row per call with its median,
//! its 95th percentile and the target it is held to (p95 ≤ 100 ms for SQLite and PostgreSQL;
//! MongoDB's figures are reported only).

use std::time::Duration;

use super::{calls::Call, timing::Timing};

/// The p95 a call must stay under on `sink`, if it is held to one.
pub fn target(sink: &str) -> Option<Duration> {
    match sink {
        "sqlite" | "postgres" => Some(Duration::from_millis(100)),
        _ => None,
    }
}

fn millis(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

/// The header of a sink's table.
pub fn header() -> String {
    "| call | answer | runs | median ms | p95 ms | target | result |\n|---|---|---:|---:|---:|---:|---|"
        .to_owned()
}

/// One call's row: its figures or why there are none.
pub fn row(sink: &str, call: Call, outcome: &Result<Timing, String>) -> String {
    let target = target(sink);
    let target_text = target.map_or("reported".to_owned(), |t| format!("p95 ≤ {}", millis(t)));
    match outcome {
        Ok(timing) => {
            let result = match target {
                Some(limit) if timing.p95 <= limit => "PASS",
                Some(_) => "MISS",
                None => "—",
            };
            format!(
                "| {} | {} | {} | {} | {} | {target_text} | {result} |",
                call.name(),
                timing.answer,
                timing.runs,
                millis(timing.median),
                millis(timing.p95)
            )
        }
        Err(message) => format!(
            "| {} | error: {} | — | — | — | {target_text} | ERROR |",
            call.name(),
            message.replace('|', "/")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(p95_ms: u64) -> Result<Timing, String> {
        Ok(Timing {
            median: Duration::from_millis(p95_ms / 2),
            p95: Duration::from_millis(p95_ms),
            runs: 30,
            answer: "50 sessions".into(),
        })
    }

    #[test]
    fn a_row_passes_at_the_target_and_misses_above_it() {
        assert!(row("sqlite", Call::Overview, &timing(100)).ends_with("| PASS |"));
        assert!(row("postgres", Call::Overview, &timing(101)).ends_with("| MISS |"));
        assert!(row("mongo", Call::Overview, &timing(900)).ends_with("| reported | — |"));
        let failed = row("sqlite", Call::Overview, &Err("not implemented".into()));
        assert!(failed.contains("error: not implemented") && failed.ends_with("| ERROR |"));
    }
}
