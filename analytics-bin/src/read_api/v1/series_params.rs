//! The query string of the series endpoints: `points` (1 to 1000, default 120) and an
//! optional `from` / `to` (by default the session's life).

use analytics_core::query::{SeriesRequest, SeriesSubject};
use serde::Deserialize;

use super::{time_params::RangeParams, V1Refusal};

/// The most buckets a series has.
pub const MAX_POINTS: u32 = 1000;
/// Buckets when `points` is not given.
const DEFAULT_POINTS: u32 = 120;

/// The query string as sent.
#[derive(Debug, Default, Deserialize)]
pub struct SeriesParams {
    points: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl SeriesParams {
    /// The request for `subject`'s series, or the first parameter that is wrong.
    pub fn request(&self, subject: SeriesSubject) -> Result<SeriesRequest, V1Refusal> {
        let points = match self.points.as_deref() {
            None => DEFAULT_POINTS,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|points| (1..=MAX_POINTS).contains(points))
                .ok_or_else(|| {
                    V1Refusal::bad("points", &format!("a whole number from 1 to {MAX_POINTS}"))
                })?,
        };
        let (from_ms, before_ms) = RangeParams {
            from: self.from.clone(),
            to: self.to.clone(),
        }
        .parsed()?;
        Ok(SeriesRequest {
            subject,
            from_ms,
            before_ms,
            points,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> SeriesSubject {
        SeriesSubject::Track {
            room_sid: "RM_a".into(),
            track_sid: "TR_a".into(),
        }
    }

    #[test]
    fn points_default_to_120_and_the_range_to_the_session() {
        let request = SeriesParams::default().request(subject()).expect("valid");
        assert_eq!(
            (request.points, request.from_ms, request.before_ms),
            (120, None, None)
        );
    }

    #[test]
    fn points_outside_1_to_1000_are_refused() {
        for wrong in ["0", "1001", "ten", "-1"] {
            let params = SeriesParams {
                points: Some(wrong.into()),
                ..Default::default()
            };
            assert!(
                matches!(params.request(subject()), Err(V1Refusal::BadParameter(m)) if m.starts_with("points must be")),
                "{wrong}"
            );
        }
    }
}
