//! The result lines, one per measurement, in the format the issue fixes.

use std::time::Duration;

/// Records per second.
pub fn rate(records: usize, elapsed: Duration) -> f64 {
    records as f64 / elapsed.as_secs_f64().max(1e-9)
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `bench sink=<name> records=<n> baseline_rps=<x> pipeline_rps=<y> ratio=<y/x> peak_rss_mb=<m>`,
/// plus the service's CPU per record in that pipeline run.
pub fn sink_line(
    sink: &str,
    records: usize,
    baseline_rps: f64,
    pipeline_rps: f64,
    peak_rss: u64,
    cpu_us_per_record: f64,
) -> String {
    format!(
        "bench sink={sink} records={records} baseline_rps={baseline_rps:.0} baseline_method=\"{}\" pipeline_rps={pipeline_rps:.0} ratio={:.2} peak_rss_mb={:.1} service_cpu_us_per_record={cpu_us_per_record:.2}",
        crate::targets::baseline_method(sink),
        pipeline_rps / baseline_rps.max(1e-9),
        megabytes(peak_rss)
    )
}

/// `bench sink=null records=<n> pipeline_rps=<y>`, plus the peak RSS and the service's CPU
/// per record of that run.
pub fn null_line(
    records: usize,
    pipeline_rps: f64,
    peak_rss: u64,
    cpu_us_per_record: f64,
) -> String {
    format!(
        "bench sink=null records={records} pipeline_rps={pipeline_rps:.0} peak_rss_mb={:.1} service_cpu_us_per_record={cpu_us_per_record:.2}",
        megabytes(peak_rss)
    )
}

/// The memory a queued record costs while its sink is unreachable.
pub fn queued_line(records: usize, idle_rss: u64, peak_rss: u64) -> String {
    let per_record = peak_rss.saturating_sub(idle_rss) as f64 / records.max(1) as f64;
    format!(
        "bench sink=unreachable records={records} idle_rss_mb={:.1} peak_rss_mb={:.1} rss_per_queued_record_bytes={per_record:.0}",
        megabytes(idle_rss),
        megabytes(peak_rss)
    )
}
