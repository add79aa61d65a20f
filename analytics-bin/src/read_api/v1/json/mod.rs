//! The `/v1/` JSON answers (the contract the dashboard reads): snake_case fields, times as
//! RFC 3339 UTC strings with milliseconds or `null`, bytes as numbers, scores on LiveKit's
//! 1–5 scale; each built from the query layer's types.

mod overview;
mod series;
mod session;
mod summary;

pub use overview::OverviewJson;
pub use series::SeriesJson;
pub use session::{ParticipantReply, SessionReply};
pub use summary::{SessionList, SummaryJson};

use super::super::cloud_json::rfc3339;
