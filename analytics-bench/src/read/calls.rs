//! The read API calls timed, each with the arguments it gets against the dataset, and a
//! short account of its answer (so that a fast but empty answer shows).

use analytics_core::query::{
    SeriesRequest, SeriesSubject, SessionFilter, SessionQuery, SessionSearch,
};

use super::dataset::Shape;

/// One call of [`SessionQuery`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `/v1/sessions` over the 28 days, 50 per page.
    SearchSessions,
    /// LiveKit Cloud's `GET /api/project/{id}/sessions` over the 28 days, 50 per page.
    ListSessions,
    /// One session in full.
    SessionView,
    /// One participant (an identity that reconnected) of that session.
    ParticipantDetail,
    /// That participant's camera over one hour, in 120 points.
    TrackSeries,
    /// The 28 days at a glance.
    Overview,
}

pub const CALLS: [Call; 6] = [
    Call::SearchSessions,
    Call::ListSessions,
    Call::SessionView,
    Call::ParticipantDetail,
    Call::TrackSeries,
    Call::Overview,
];

/// Points of the track series.
const SERIES_POINTS: u32 = 120;
const HOUR_MS: i64 = 3_600_000;

/// What the calls ask about.
#[derive(Debug, Clone)]
pub struct Subjects {
    pub from_ms: i64,
    pub before_ms: i64,
    pub room_sid: String,
    pub identity: String,
    pub track_sid: String,
    pub series_from_ms: i64,
}

impl Subjects {
    /// The whole range; in the longest session (over an hour at full scale), its first
    /// participant that reconnected, and the camera of the participant there throughout.
    pub fn of(shape: &Shape) -> Subjects {
        let (from_ms, before_ms) = shape.range();
        let session = shape.detail_session();
        let connections = &session.connections;
        let reconnected = connections
            .iter()
            .find(|connection| connection.first_window > 0)
            .unwrap_or(&connections[0]);
        let throughout = connections
            .iter()
            .find(|connection| {
                connection.first_window == 0 && connection.end_window == session.windows
            })
            .unwrap_or(&connections[0]);
        Subjects {
            from_ms,
            before_ms,
            identity: reconnected.identity.clone(),
            track_sid: throughout.tracks[1].clone(),
            series_from_ms: session.window_start_ms(0),
            room_sid: session.room_sid.clone(),
        }
    }

    /// One line saying what is asked.
    pub fn describe(&self) -> String {
        format!(
            "session {}, participant {}, track {}",
            self.room_sid, self.identity, self.track_sid
        )
    }
}

impl Call {
    pub fn name(self) -> &'static str {
        match self {
            Call::SearchSessions => "search_sessions (28 days, 50)",
            Call::ListSessions => "list_sessions (Cloud, 28 days, 50)",
            Call::SessionView => "session_view",
            Call::ParticipantDetail => "participant_detail",
            Call::TrackSeries => "series (track, 1 h, 120 points)",
            Call::Overview => "overview (28 days)",
        }
    }

    /// Makes the call; what it answered, in a few words.
    pub async fn run(
        self,
        query: &dyn SessionQuery,
        subjects: &Subjects,
    ) -> Result<String, String> {
        let missing = || format!("{} not found", subjects.room_sid);
        match self {
            Call::SearchSessions => {
                let search = SessionSearch {
                    from_ms: subjects.from_ms,
                    before_ms: subjects.before_ms,
                    limit: 50,
                    ..SessionSearch::default()
                };
                let page = query
                    .search_sessions(&search)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!("{} sessions", page.items.len()))
            }
            Call::ListSessions => {
                let filter = SessionFilter {
                    from_ms: subjects.from_ms,
                    before_ms: subjects.before_ms,
                    limit: 50,
                    page: 0,
                };
                let page = query
                    .list_sessions(&filter)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!("{} sessions", page.items.len()))
            }
            Call::SessionView => {
                let view = query
                    .session_view(&subjects.room_sid)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(missing)?;
                Ok(format!(
                    "{} participants, {} tracks, {} events",
                    view.participants.len(),
                    view.tracks.len(),
                    view.events.len()
                ))
            }
            Call::ParticipantDetail => {
                let detail = query
                    .participant_detail(&subjects.room_sid, &subjects.identity)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(missing)?;
                Ok(format!(
                    "{} connections, {} tracks, {} events",
                    detail.participant.connections.len(),
                    detail.tracks.len(),
                    detail.events.len()
                ))
            }
            Call::TrackSeries => {
                let request = SeriesRequest {
                    subject: SeriesSubject::Track {
                        room_sid: subjects.room_sid.clone(),
                        track_sid: subjects.track_sid.clone(),
                    },
                    from_ms: Some(subjects.series_from_ms),
                    before_ms: Some(subjects.series_from_ms + HOUR_MS),
                    points: SERIES_POINTS,
                };
                let series = query
                    .series(&request)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(missing)?;
                Ok(format!(
                    "{} points of {} s",
                    series.points.len(),
                    series.bucket_ms / 1000
                ))
            }
            Call::Overview => {
                let overview = query
                    .overview(subjects.from_ms, subjects.before_ms)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(format!(
                    "{} sessions, {} people, {} days",
                    overview.sessions,
                    overview.unique_participants,
                    overview.days.len()
                ))
            }
        }
    }
}
