//! The query string of `GET /v1/sessions`: `from`, `to` (by default the last 28 days),
//! `room_prefix`, `identity`, `status` (`active`, `ended`), `order` (`newest`, `oldest`),
//! `limit` (1 to 500, default 50) and `cursor`; each wrong value refused with a 400 naming it.

use analytics_core::query::{SessionSearch, SessionStatus, SortOrder};
use serde::Deserialize;

use super::{
    cursor,
    time_params::{RangeParams, DAY_MS},
    V1Refusal,
};

/// The most sessions one page holds.
pub const MAX_LIMIT: u64 = 500;
/// Sessions per page when `limit` is not given.
const DEFAULT_LIMIT: u64 = 50;
/// The range searched when `from` is not given.
const DEFAULT_SPAN_MS: i64 = 28 * DAY_MS;

/// The query string as sent.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    from: Option<String>,
    to: Option<String>,
    room_prefix: Option<String>,
    identity: Option<String>,
    status: Option<String>,
    order: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

impl SearchParams {
    /// The search these parameters ask for, or the first parameter that is wrong.
    pub fn search(&self) -> Result<SessionSearch, V1Refusal> {
        let range = RangeParams {
            from: self.from.clone(),
            to: self.to.clone(),
        };
        let (from_ms, before_ms) = range.resolve(DEFAULT_SPAN_MS, i64::MAX)?;
        let status = match self.status.as_deref() {
            None | Some("") => None,
            Some("active") => Some(SessionStatus::Active),
            Some("ended") => Some(SessionStatus::Ended),
            Some(_) => return Err(V1Refusal::bad("status", "active or ended")),
        };
        let order = match self.order.as_deref() {
            None | Some("") | Some("newest") => SortOrder::NewestFirst,
            Some("oldest") => SortOrder::OldestFirst,
            Some(_) => return Err(V1Refusal::bad("order", "newest or oldest")),
        };
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or_else(|| {
                    V1Refusal::bad("limit", &format!("a whole number from 1 to {MAX_LIMIT}"))
                })?,
        };
        let after = self.cursor.as_deref().map(cursor::decode).transpose()?;
        Ok(SessionSearch {
            from_ms,
            before_ms,
            room_prefix: non_empty(&self.room_prefix),
            identity: non_empty(&self.identity),
            status,
            order,
            limit,
            after,
        })
    }
}

fn non_empty(text: &Option<String>) -> Option<String> {
    text.clone().filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(params: SearchParams) -> String {
        match params.search() {
            Err(V1Refusal::BadParameter(message)) => message,
            other => panic!("refused expected: {other:?}"),
        }
    }

    #[test]
    fn every_filter_is_read() {
        let search = SearchParams {
            from: Some("2026-11-01".into()),
            to: Some("2026-12-01".into()),
            room_prefix: Some("sim-".into()),
            identity: Some("alice".into()),
            status: Some("ended".into()),
            order: Some("oldest".into()),
            limit: Some("500".into()),
            cursor: None,
        }
        .search()
        .expect("valid");
        assert_eq!(search.before_ms - search.from_ms, 30 * DAY_MS);
        assert_eq!(search.room_prefix.as_deref(), Some("sim-"));
        assert_eq!(search.identity.as_deref(), Some("alice"));
        assert_eq!(search.status, Some(SessionStatus::Ended));
        assert_eq!(search.order, SortOrder::OldestFirst);
        assert_eq!(search.limit, 500);
    }

    #[test]
    fn defaults_are_the_last_28_days_newest_first_50() {
        let search = SearchParams::default().search().expect("valid");
        assert_eq!(search.before_ms - search.from_ms, DEFAULT_SPAN_MS);
        assert_eq!(search.order, SortOrder::NewestFirst);
        assert_eq!(search.limit, 50);
        assert_eq!(search.status, None);
    }

    #[test]
    fn a_wrong_value_names_its_parameter() {
        let limit = |text: &str| SearchParams {
            limit: Some(text.into()),
            ..Default::default()
        };
        assert!(refusal(limit("0")).starts_with("limit must be"));
        assert!(refusal(limit("501")).starts_with("limit must be"));
        let status = SearchParams {
            status: Some("open".into()),
            ..Default::default()
        };
        assert!(refusal(status).starts_with("status must be"));
        let order = SearchParams {
            order: Some("random".into()),
            ..Default::default()
        };
        assert!(refusal(order).starts_with("order must be"));
        let cursor = SearchParams {
            cursor: Some("x".into()),
            ..Default::default()
        };
        assert!(refusal(cursor).starts_with("cursor is not"));
    }
}
