//! Time parameters (`from`, `to`): an RFC 3339 time (`2026-11-30T09:15:00Z`, fractional
//! seconds and a `+02:00` offset allowed) or a `YYYY-MM-DD` date (UTC midnight), as unix
//! milliseconds; and the range two of them bound, `to` exclusive.

use std::time::{SystemTime, UNIX_EPOCH};

use analytics_core::query::NO_LATER_THAN_MS;
use serde::Deserialize;

use super::V1Refusal;

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// What a time parameter must be, for the 400 message.
const TIME_FORMAT: &str = "an RFC 3339 time (2026-11-30T09:15:00Z) or a date YYYY-MM-DD (UTC)";

/// `from` and `to` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct RangeParams {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl RangeParams {
    /// The range asked for, `[from, to)`: by default the `default_span_ms` up to now (or up
    /// to `to` when only `to` is given); refused when `from` is after `to` or the range is
    /// longer than `max_span_ms`.
    pub fn resolve(&self, default_span_ms: i64, max_span_ms: i64) -> Result<(i64, i64), V1Refusal> {
        let (from, to) = self.parsed()?;
        let to = to.unwrap_or_else(now_ms);
        let from = from.unwrap_or(to.saturating_sub(default_span_ms).max(0));
        check_order(from, to)?;
        if to - from > max_span_ms {
            return Err(V1Refusal::BadParameter(format!(
                "the range from {} to {} is longer than {} days",
                self.from.as_deref().unwrap_or("(default)"),
                self.to.as_deref().unwrap_or("(now)"),
                max_span_ms / DAY_MS
            )));
        }
        Ok((from, to))
    }

    /// `from` and `to` parsed, each `None` when not given; refused when `from` is after `to`.
    pub fn parsed(&self) -> Result<(Option<i64>, Option<i64>), V1Refusal> {
        let from = self
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?;
        if let (Some(from), Some(to)) = (from, to) {
            check_order(from, to)?;
        }
        Ok((from, to))
    }
}

fn check_order(from: i64, to: i64) -> Result<(), V1Refusal> {
    if from > to {
        return Err(V1Refusal::BadParameter(
            "from must not be after to (to is exclusive)".to_owned(),
        ));
    }
    Ok(())
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(NO_LATER_THAN_MS)
        })
}

/// Parameter `name`'s `text` in unix milliseconds, or a 400 naming it.
pub fn parse_time(name: &str, text: &str) -> Result<i64, V1Refusal> {
    let bad = || V1Refusal::BadParameter(format!("{name} must be {TIME_FORMAT}, got {text:?}"));
    let (utc, offset_ms) = if is_date(text) {
        (format!("{text}T00:00:00Z"), 0)
    } else {
        split_offset(text).ok_or_else(bad)?
    };
    let time = humantime::parse_rfc3339(&utc).map_err(|_| bad())?;
    let millis = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| V1Refusal::bad(name, "1970-01-01 or later"))?
        .as_millis();
    let millis = i64::try_from(millis).unwrap_or(NO_LATER_THAN_MS) - offset_ms;
    if !(0..=NO_LATER_THAN_MS).contains(&millis) {
        return Err(V1Refusal::bad(name, "between 1970 and 9999"));
    }
    Ok(millis)
}

/// `YYYY-MM-DD`, digits where digits belong.
fn is_date(text: &str) -> bool {
    text.len() == 10
        && text.char_indices().all(|(at, c)| {
            if at == 4 || at == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// An RFC 3339 time as the same wall-clock time in UTC (`...Z`, which humantime reads) and
/// its offset east of UTC in milliseconds; `None` without a zone designator.
fn split_offset(text: &str) -> Option<(String, i64)> {
    let upper = text.to_ascii_uppercase();
    if let Some(local) = upper.strip_suffix('Z') {
        return Some((format!("{local}Z"), 0));
    }
    let (local, zone) = upper.split_at(upper.len().checked_sub(6)?);
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = zone[1..].split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: i64 = hours.parse().ok()?;
    let minutes: i64 = minutes.parse().ok()?;
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some((format!("{local}Z"), sign * (hours * 60 + minutes) * 60_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEC_1_2026: i64 = 1_796_083_200_000;

    #[test]
    fn dates_and_rfc3339_times_with_offsets_are_read() {
        assert_eq!(parse_time("from", "2026-12-01").ok(), Some(DEC_1_2026));
        assert_eq!(
            parse_time("from", "2026-12-01T00:00:00Z").ok(),
            Some(DEC_1_2026)
        );
        assert_eq!(
            parse_time("from", "2026-12-01T01:30:00.250+01:30").ok(),
            Some(DEC_1_2026 + 250)
        );
        assert_eq!(
            parse_time("from", "2026-11-30T23:00:00-01:00").ok(),
            Some(DEC_1_2026)
        );
    }

    #[test]
    fn a_bad_time_names_its_parameter() {
        for wrong in [
            "yesterday",
            "2026-13-01",
            "2026-12-01T00:00:00",
            "2026-12-1",
            "",
        ] {
            match parse_time("to", wrong) {
                Err(V1Refusal::BadParameter(message)) => {
                    assert!(message.starts_with("to must be"), "{message}")
                }
                other => panic!("{wrong:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn from_after_to_and_too_long_ranges_are_refused() {
        let range = |from: &str, to: &str| RangeParams {
            from: Some(from.into()),
            to: Some(to.into()),
        };
        assert!(range("2026-12-02", "2026-12-01")
            .resolve(DAY_MS, DAY_MS * 400)
            .is_err());
        assert!(range("2025-01-01", "2026-12-01")
            .resolve(DAY_MS, DAY_MS * 400)
            .is_err());
        assert_eq!(
            range("2026-12-01", "2026-12-02")
                .resolve(DAY_MS, DAY_MS * 400)
                .ok(),
            Some((DEC_1_2026, DEC_1_2026 + DAY_MS))
        );
    }

    #[test]
    fn a_missing_from_is_the_default_span_before_to() {
        let params = RangeParams {
            from: None,
            to: Some("2026-12-02".into()),
        };
        assert_eq!(
            params.resolve(DAY_MS, DAY_MS * 400).ok(),
            Some((DEC_1_2026, DEC_1_2026 + DAY_MS))
        );
    }
}
