//! CPU time a process has used, all its threads together: `utime + stime` of
//! `/proc/<pid>/stat`, in clock ticks (`sysconf(_SC_CLK_TCK)`, 100 per second on Linux, so
//! 10 ms is the resolution of a reading).

use std::time::Duration;

use nix::unistd::{sysconf, SysconfVar};

/// CPU time (user + system) used so far by process `pid`.
pub fn process_cpu(pid: u32) -> Result<Duration, String> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).map_err(|error| format!("{path}: {error}"))?;
    let ticks =
        cpu_ticks(&stat).ok_or_else(|| format!("{path}: no utime and stime in {stat:?}"))?;
    Ok(ticks_to_duration(ticks, ticks_per_second()?))
}

/// Clock ticks per second of the `/proc` CPU times.
fn ticks_per_second() -> Result<u64, String> {
    match sysconf(SysconfVar::CLK_TCK) {
        Ok(Some(ticks)) if ticks > 0 => Ok(ticks as u64),
        other => Err(format!("sysconf(_SC_CLK_TCK) gave {other:?}")),
    }
}

/// `utime + stime` of a `/proc/<pid>/stat` line, in clock ticks. The command name (field 2)
/// is in parentheses and may hold spaces and `)`, so fields are counted after its last `)`:
/// there `state` is the first, `utime` (field 14) the 12th and `stime` the 13th.
pub fn cpu_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

fn ticks_to_duration(ticks: u64, per_second: u64) -> Duration {
    Duration::from_secs(ticks / per_second)
        + Duration::from_nanos((ticks % per_second) * 1_000_000_000 / per_second)
}

/// Microseconds of CPU per record between two readings.
pub fn micros_per_record(before: Duration, after: Duration, records: usize) -> f64 {
    after.saturating_sub(before).as_secs_f64() * 1e6 / records.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (livekit-analyt) S 1 4242 4242 0 -1 4194560 9031 0 0 0 \
        1234 567 0 0 20 0 9 0 123456 987654321 12345 18446744073709551615 1 1 0 0 0 0 0 4096 \
        17987 0 0 0 17 1 0 0 0 0 0";

    #[test]
    fn utime_and_stime_are_fields_14_and_15() {
        assert_eq!(cpu_ticks(STAT), Some(1234 + 567));
    }

    #[test]
    fn a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let odd = STAT.replace("(livekit-analyt)", "(a) b (c d)");
        assert_eq!(cpu_ticks(&odd), Some(1234 + 567));
    }

    #[test]
    fn a_truncated_line_has_no_cpu_times() {
        assert_eq!(
            cpu_ticks("4242 (x) S 1 4242 4242 0 -1 4194560 9031 0 0 0 12"),
            None
        );
        assert_eq!(cpu_ticks("no parenthesis"), None);
    }

    #[test]
    fn ticks_become_time_at_the_clock_rate() {
        assert_eq!(ticks_to_duration(250, 100), Duration::from_millis(2_500));
        assert_eq!(ticks_to_duration(3, 1_000), Duration::from_millis(3));
    }

    #[test]
    fn cpu_per_record_is_the_difference_over_the_count() {
        let us = micros_per_record(
            Duration::from_millis(200),
            Duration::from_millis(950),
            100_000,
        );
        assert!((us - 7.5).abs() < 1e-9, "{us}");
        assert_eq!(micros_per_record(Duration::ZERO, Duration::ZERO, 0), 0.0);
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        assert!(process_cpu(std::process::id()).is_ok());
    }
}
