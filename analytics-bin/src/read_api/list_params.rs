//! The list's query string, with LiveKit Cloud's rules: `limit` above 0, `page` 0-based,
//! `start` and `end` `YYYY-MM-DD` UTC dates bounding when a session started (`end`
//! exclusive), `start` no later than `end`.

use std::time::UNIX_EPOCH;

use analytics_core::query::{SessionFilter, NO_LATER_THAN_MS};
use serde::Deserialize;

use super::ReadRefusal;

/// The most sessions one page holds.
pub const MAX_LIMIT: u64 = 1000;
/// Sessions per page when `limit` is not given.
const DEFAULT_LIMIT: u64 = 100;

/// The list's query string as sent.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    limit: Option<String>,
    page: Option<String>,
    start: Option<String>,
    end: Option<String>,
}

impl ListParams {
    /// The filter these parameters ask for, or why they are wrong.
    pub fn filter(&self) -> Result<SessionFilter, ReadRefusal> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(text) => match text.parse::<u64>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
                _ => {
                    return Err(bad(format!(
                        "limit must be a whole number from 1 to {MAX_LIMIT}"
                    )))
                }
            },
        };
        let page = match self.page.as_deref() {
            None => 0,
            Some(text) => text
                .parse::<u64>()
                .map_err(|_| bad("page must be a whole number from 0 (the first page)".into()))?,
        };
        let from_ms = day_start(self.start.as_deref(), "start")?.unwrap_or(0);
        let before_ms = day_start(self.end.as_deref(), "end")?.unwrap_or(NO_LATER_THAN_MS);
        if from_ms > before_ms {
            return Err(bad("start must not be after end".into()));
        }
        Ok(SessionFilter {
            from_ms,
            before_ms,
            limit,
            page,
        })
    }
}

fn bad(reason: String) -> ReadRefusal {
    ReadRefusal::BadQuery(reason)
}

/// The start (unix milliseconds) of the UTC day `date` (`YYYY-MM-DD`).
fn day_start(date: Option<&str>, name: &str) -> Result<Option<i64>, ReadRefusal> {
    let Some(date) = date else { return Ok(None) };
    let well_formed = date.len() == 10
        && date.char_indices().all(|(at, c)| {
            if at == 4 || at == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    let time = well_formed
        .then(|| humantime::parse_rfc3339(&format!("{date}T00:00:00Z")).ok())
        .flatten()
        .ok_or_else(|| {
            bad(format!(
                "{name} must be a date as YYYY-MM-DD (UTC), got {date:?}"
            ))
        })?;
    let millis = time
        .duration_since(UNIX_EPOCH)
        .map_err(|_| bad(format!("{name} must be 1970-01-01 or later")))?
        .as_millis();
    Ok(Some(i64::try_from(millis).unwrap_or(NO_LATER_THAN_MS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(
        limit: Option<&str>,
        page: Option<&str>,
        start: Option<&str>,
        end: Option<&str>,
    ) -> ListParams {
        ListParams {
            limit: limit.map(str::to_owned),
            page: page.map(str::to_owned),
            start: start.map(str::to_owned),
            end: end.map(str::to_owned),
        }
    }

    #[test]
    fn dates_bound_whole_utc_days_end_exclusive() {
        let filter = params(
            Some("10"),
            Some("2"),
            Some("2026-03-01"),
            Some("2026-03-02"),
        )
        .filter()
        .expect("valid");
        assert_eq!(
            filter,
            SessionFilter {
                from_ms: 1_772_323_200_000,
                before_ms: 1_772_409_600_000,
                limit: 10,
                page: 2
            }
        );
    }

    #[test]
    fn bad_limits_pages_and_dates_are_refused() {
        for wrong in [
            params(Some("0"), None, None, None),
            params(Some("-1"), None, None, None),
            params(Some("1001"), None, None, None),
            params(None, Some("x"), None, None),
            params(None, None, Some("2026-3-01"), None),
            params(None, None, Some("2026-02-30"), None),
            params(None, None, None, Some("yesterday")),
            params(None, None, Some("2026-03-02"), Some("2026-03-01")),
        ] {
            assert!(
                matches!(wrong.filter(), Err(ReadRefusal::BadQuery(_))),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn start_equal_to_end_is_an_empty_range_not_an_error() {
        let filter = params(None, None, Some("2026-03-01"), Some("2026-03-01"))
            .filter()
            .expect("valid");
        assert_eq!(filter.from_ms, filter.before_ms);
    }
}
