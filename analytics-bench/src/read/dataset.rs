//! The read benchmark's dataset, as a plan: 28 days of a project's sessions (1 000 at scale
//! 1), each with its participant connections (8 identities, 2 of them reconnecting), their
//! microphone and camera tracks and the 30-second windows their stats cover. The plan is a
//! pure function of the scale, so a dataset loaded once is recognised and reused;
//! [`super::messages`] turns one session's plan into the records LiveKit would have sent.

/// The first day of the dataset, 2026-10-01T00:00:00Z: fixed, so that a dataset loaded on
/// one day is the same dataset on the next.
pub const START_MS: i64 = 1_790_812_800_000;
pub const DAY_MS: i64 = 86_400_000;
/// Days the sessions are spread over.
pub const DAYS: i64 = 28;
/// Sessions at scale 1.
const SESSIONS: f64 = 1000.0;
/// Distinct identities per session; with [`RECONNECTING`] they open 10 connections.
const IDENTITIES: usize = 8;
/// The identities (by position) whose connection drops in the middle and who join again.
const RECONNECTING: [usize; 2] = [1, 5];
/// People the sessions' identities are drawn from (the same people meet again).
const PEOPLE: u64 = 2000;
/// LiveKit coalesces stats into one per track, participant and direction every 30 s.
pub const WINDOW_MS: i64 = 30_000;
/// From the room's creation to its first stats window.
const LEAD_MS: i64 = 10_000;
/// Every this many sessions, one lasts [`LONG_WINDOWS`] windows (65 min); the others last
/// 12–61 windows (6–30.5 min). On average 128 stats per window: about 5 000 per session.
const LONG_EVERY: usize = 25;
const LONG_WINDOWS: u32 = 130;
/// Bumped whenever the generated data changes, so that an older dataset is not reused.
const VERSION: u32 = 2;

/// How large the dataset is.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub sessions: usize,
}

/// One session: a room's life from its creation to its end.
#[derive(Debug, Clone)]
pub struct SessionPlan {
    pub index: usize,
    pub room_sid: String,
    pub room_name: String,
    pub created_ms: i64,
    /// Stats windows, each [`WINDOW_MS`] long.
    pub windows: u32,
    pub connections: Vec<ConnectionPlan>,
    /// A room-composite recording runs through most of the session.
    pub egress: bool,
    /// The last connection ends by timing out (`PARTICIPANT_CONNECTION_ABORTED`).
    pub aborted_last: bool,
}

/// One participant connection (one participant sid).
#[derive(Debug, Clone)]
pub struct ConnectionPlan {
    pub sid: String,
    pub identity: String,
    /// Its position among the session's identities.
    pub person: usize,
    /// The windows it is connected through: `[first_window, end_window)`.
    pub first_window: u32,
    pub end_window: u32,
    /// Index into [`super::messages::CLIENTS`].
    pub client: usize,
    /// Microphone, then camera.
    pub tracks: [String; 2],
}

/// A cheap, well-mixed hash (splitmix64): the dataset's only source of variety.
pub fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Shape {
    /// The dataset of `scale` (1 = 1 000 sessions, 10 000 connections, about 5 M stats).
    pub fn of_scale(scale: f64) -> Result<Shape, String> {
        let sessions = (SESSIONS * scale).round();
        if !(1.0..=1_000_000.0).contains(&sessions) {
            return Err(format!(
                "--scale {scale}: gives {sessions} sessions, expected 1 to 1 000 000"
            ));
        }
        Ok(Shape {
            sessions: sessions as usize,
        })
    }

    /// The namespace (schema, database, file name) the dataset is loaded into.
    pub fn name(&self) -> String {
        format!("read_bench_v{VERSION}_s{}", self.sessions)
    }

    /// The range the sessions were created in: `[from_ms, before_ms)`, 28 days.
    pub fn range(&self) -> (i64, i64) {
        (START_MS, START_MS + DAYS * DAY_MS)
    }

    pub fn sessions(&self) -> impl Iterator<Item = SessionPlan> + '_ {
        (0..self.sessions).map(|index| self.session(index))
    }

    /// The session the detail calls read: the longest, nearest the middle of the range.
    pub fn detail_session(&self) -> SessionPlan {
        let middle = self.sessions / 2;
        let index = (0..self.sessions)
            .max_by_key(|&index| (windows_of(index), std::cmp::Reverse(index.abs_diff(middle))))
            .unwrap_or(0);
        self.session(index)
    }

    pub fn session(&self, index: usize) -> SessionPlan {
        // The last two hours are left for the last sessions to end in.
        let slot = (DAYS * DAY_MS - 2 * 3_600_000) / self.sessions as i64;
        let hash = mix(index as u64);
        let created_ms = START_MS + index as i64 * slot + (hash % (slot as u64 / 2 + 1)) as i64;
        let windows = windows_of(index);
        let base = mix(hash) % PEOPLE;
        let mut connections = Vec::with_capacity(IDENTITIES + RECONNECTING.len());
        for person in 0..IDENTITIES {
            // 263 × 7 < 2000: no two identities of a session are the same person.
            let identity = format!("user-{:04}", (base + person as u64 * 263) % PEOPLE);
            let client = (mix(base + person as u64) % 6) as usize;
            let mut spans = vec![(0, windows)];
            if RECONNECTING.contains(&person) {
                spans = vec![(0, windows / 2), (windows / 2 + 1, windows)];
            }
            for (first_window, end_window) in spans {
                let number = connections.len();
                let sid = format!("PA_RB{index:05}_{number:02}");
                connections.push(ConnectionPlan {
                    tracks: [
                        format!("TR_RB{index:05}_{number:02}_A"),
                        format!("TR_RB{index:05}_{number:02}_V"),
                    ],
                    sid,
                    identity: identity.clone(),
                    person,
                    first_window,
                    end_window,
                    client,
                });
            }
        }
        SessionPlan {
            index,
            room_sid: format!("RM_RB{index:05}"),
            room_name: if index.is_multiple_of(3) {
                format!("standup-{:02}", index % 20)
            } else {
                format!("meeting-{index:05}")
            },
            created_ms,
            windows,
            connections,
            egress: index % 10 == 4,
            aborted_last: index % 20 == 7,
        }
    }
}

/// Stats windows of session `index`.
fn windows_of(index: usize) -> u32 {
    if index % LONG_EVERY == LONG_EVERY / 2 {
        LONG_WINDOWS
    } else {
        12 + (mix(index as u64 ^ 0x5EED) % 50) as u32
    }
}

impl SessionPlan {
    /// The start of window `window`.
    pub fn window_start_ms(&self, window: u32) -> i64 {
        self.created_ms + LEAD_MS + i64::from(window) * WINDOW_MS
    }

    pub fn ended_ms(&self) -> i64 {
        self.window_start_ms(self.windows) + 10_000
    }
}

impl ConnectionPlan {
    pub fn connected_in(&self, window: u32) -> bool {
        (self.first_window..self.end_window).contains(&window)
    }

    /// When it joined: one after another at the start; a reconnect 8 s before its first
    /// window.
    pub fn joined_ms(&self, session: &SessionPlan) -> i64 {
        if self.first_window == 0 {
            session.created_ms + 2_000 + self.person as i64 * 500
        } else {
            session.window_start_ms(self.first_window) - 8_000
        }
    }

    /// When it left: 2 s into the window after its last.
    pub fn left_ms(&self, session: &SessionPlan) -> i64 {
        session.window_start_ms(self.end_window) + 2_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_one_has_a_thousand_sessions_of_ten_connections_over_28_days() {
        let shape = Shape::of_scale(1.0).unwrap();
        assert_eq!(shape.sessions, 1000);
        let sessions: Vec<SessionPlan> = shape.sessions().collect();
        let connections: usize = sessions.iter().map(|s| s.connections.len()).sum();
        assert_eq!(connections, 10_000);
        let (from, before) = shape.range();
        assert!(sessions
            .iter()
            .all(|s| s.created_ms >= from && s.ended_ms() < before));
        let mean_windows =
            sessions.iter().map(|s| f64::from(s.windows)).sum::<f64>() / sessions.len() as f64;
        assert!((37.0..42.0).contains(&mean_windows), "{mean_windows}");
    }

    #[test]
    fn a_session_has_distinct_identities_and_reconnects_after_a_gap() {
        let session = Shape::of_scale(1.0).unwrap().session(3);
        let mut identities: Vec<&str> = session
            .connections
            .iter()
            .map(|c| c.identity.as_str())
            .collect();
        identities.dedup();
        assert_eq!(identities.len(), IDENTITIES);
        let again: Vec<&ConnectionPlan> = session
            .connections
            .iter()
            .filter(|c| c.person == RECONNECTING[0])
            .collect();
        assert_eq!(again.len(), 2);
        assert!(again[0].left_ms(&session) < again[1].joined_ms(&session));
    }

    #[test]
    fn the_detail_session_lasts_over_an_hour() {
        let shape = Shape::of_scale(1.0).unwrap();
        let session = shape.detail_session();
        assert_eq!(session.windows, LONG_WINDOWS);
        assert!(session.index.abs_diff(500) < LONG_EVERY);
    }
}
