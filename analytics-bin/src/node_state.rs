//! The latest room / participant state each LiveKit node reports over
//! `IngestNodeRoomStates`, kept in memory and offered to the fixer as a [`LivekitHelper`]:
//! what a node reports is alive until the node falls silent for three of its periods.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::{Duration, Instant},
};

use analytics_core::livekit_helper::{LivekitHelper, LivekitHelperError};
use async_trait::async_trait;
use livekit_protocol::{participant_info::State as ParticipantState, AnalyticsNodeRooms};

/// A node counts as gone after this many report periods without a report.
pub const MISSED_PERIODS: u32 = 3;

/// Report period assumed for a node until two of its reports show the real one.
pub const DEFAULT_REPORT_PERIOD: Duration = Duration::from_secs(30);

/// The last report of one node.
#[derive(Debug, Clone)]
struct NodeReport {
    sequence_number: u64,
    received_at: Instant,
    /// Time between the node's last two reports, once it has sent two.
    period: Option<Duration>,
    rooms: HashSet<String>,
    participants: HashSet<String>,
}

/// The latest report of every node.
#[derive(Debug)]
pub struct NodeRoomStates {
    default_period: Duration,
    nodes: Mutex<HashMap<String, NodeReport>>,
}

impl Default for NodeRoomStates {
    fn default() -> Self {
        NodeRoomStates::new(DEFAULT_REPORT_PERIOD)
    }
}

impl NodeRoomStates {
    /// Node states that assume `default_period` between reports until a node shows its own.
    pub fn new(default_period: Duration) -> NodeRoomStates {
        NodeRoomStates {
            default_period,
            nodes: Mutex::new(HashMap::new()),
        }
    }

    /// Records a node's report received now.
    pub fn update(&self, report: &AnalyticsNodeRooms) {
        self.update_at(report, Instant::now());
    }

    /// Records a node's report received at `now`. A report older (by sequence number) than
    /// the one held is ignored: streams may reconnect and replay.
    pub fn update_at(&self, report: &AnalyticsNodeRooms, now: Instant) {
        let rooms = report
            .rooms
            .iter()
            .filter(|room| !room.id.is_empty())
            .map(|room| room.id.clone())
            .collect();
        let participants = report
            .rooms
            .iter()
            .flat_map(|room| &room.participants)
            .filter(|participant| {
                !participant.id.is_empty()
                    && participant.state != ParticipantState::Disconnected as i32
            })
            .map(|participant| participant.id.clone())
            .collect();
        let mut nodes = self
            .nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let previous = nodes.get(&report.node_id);
        if let Some(previous) = previous {
            if report.sequence_number != 0 && report.sequence_number < previous.sequence_number {
                return;
            }
        }
        let period = previous.map(|previous| now.saturating_duration_since(previous.received_at));
        nodes.insert(
            report.node_id.clone(),
            NodeReport {
                sequence_number: report.sequence_number,
                received_at: now,
                period: period.filter(|period| !period.is_zero()),
                rooms,
                participants,
            },
        );
    }

    /// Ids of the nodes still reporting at `now`.
    pub fn live_nodes_at(&self, now: Instant) -> Vec<String> {
        let nodes = self
            .nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut live: Vec<String> = nodes
            .iter()
            .filter(|(_, report)| self.is_live(report, now))
            .map(|(node, _)| node.clone())
            .collect();
        live.sort();
        live
    }

    /// The rooms and participants of every live node at `now`. No report at all means
    /// LiveKit's view is unknown (never "nothing is alive").
    pub fn alive_at(
        &self,
        now: Instant,
    ) -> Result<(HashSet<String>, HashSet<String>), LivekitHelperError> {
        let nodes = self
            .nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if nodes.is_empty() {
            return Err(LivekitHelperError(
                "no LiveKit node has reported its rooms yet".into(),
            ));
        }
        let mut rooms = HashSet::new();
        let mut participants = HashSet::new();
        for report in nodes.values().filter(|report| self.is_live(report, now)) {
            rooms.extend(report.rooms.iter().cloned());
            participants.extend(report.participants.iter().cloned());
        }
        Ok((rooms, participants))
    }

    fn is_live(&self, report: &NodeReport, now: Instant) -> bool {
        let period = report.period.unwrap_or(self.default_period);
        now.saturating_duration_since(report.received_at) <= period * MISSED_PERIODS
    }
}

#[async_trait]
impl LivekitHelper for NodeRoomStates {
    async fn list_active_rooms(&self) -> Result<HashSet<String>, LivekitHelperError> {
        self.alive_at(Instant::now()).map(|(rooms, _)| rooms)
    }

    async fn list_active_participants(&self) -> Result<HashSet<String>, LivekitHelperError> {
        self.alive_at(Instant::now())
            .map(|(_, participants)| participants)
    }

    /// Node reports carry no egresses: unknown, so the fixer closes none.
    async fn list_active_egresses(&self) -> Result<HashSet<String>, LivekitHelperError> {
        Err(LivekitHelperError(
            "node room states carry no egresses".into(),
        ))
    }

    /// Node reports carry no ingresses: unknown, so the fixer closes none.
    async fn list_active_ingresses(&self) -> Result<HashSet<String>, LivekitHelperError> {
        Err(LivekitHelperError(
            "node room states carry no ingresses".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use livekit_protocol::{AnalyticsRoom, AnalyticsRoomParticipant};

    use super::*;

    fn participant(id: &str, state: ParticipantState) -> AnalyticsRoomParticipant {
        AnalyticsRoomParticipant {
            id: id.into(),
            state: state as i32,
            ..Default::default()
        }
    }

    fn report(
        node: &str,
        sequence_number: u64,
        rooms: &[(&str, Vec<AnalyticsRoomParticipant>)],
    ) -> AnalyticsNodeRooms {
        AnalyticsNodeRooms {
            node_id: node.into(),
            sequence_number,
            rooms: rooms
                .iter()
                .map(|(id, participants)| AnalyticsRoom {
                    id: (*id).into(),
                    participants: participants.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn set(ids: &[&str]) -> HashSet<String> {
        ids.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn no_report_yet_means_unknown() {
        let states = NodeRoomStates::default();
        assert!(states.alive_at(Instant::now()).is_err());
    }

    #[test]
    fn rooms_and_connected_participants_of_every_node_are_alive() {
        let states = NodeRoomStates::default();
        let now = Instant::now();
        states.update_at(
            &report(
                "ND_1",
                1,
                &[(
                    "RM_1",
                    vec![
                        participant("PA_1", ParticipantState::Active),
                        participant("PA_2", ParticipantState::Joining),
                        participant("PA_3", ParticipantState::Disconnected),
                    ],
                )],
            ),
            now,
        );
        states.update_at(
            &report(
                "ND_2",
                1,
                &[("RM_2", vec![participant("PA_4", ParticipantState::Joined)])],
            ),
            now,
        );
        let (rooms, participants) = states.alive_at(now).expect("known");
        assert_eq!(rooms, set(&["RM_1", "RM_2"]));
        assert_eq!(participants, set(&["PA_1", "PA_2", "PA_4"]));
    }

    #[test]
    fn the_latest_report_replaces_the_previous_one() {
        let states = NodeRoomStates::default();
        let start = Instant::now();
        states.update_at(
            &report("ND_1", 1, &[("RM_1", vec![]), ("RM_2", vec![])]),
            start,
        );
        states.update_at(
            &report("ND_1", 2, &[("RM_2", vec![])]),
            start + Duration::from_secs(10),
        );
        let (rooms, _) = states
            .alive_at(start + Duration::from_secs(10))
            .expect("known");
        assert_eq!(rooms, set(&["RM_2"]));
    }

    #[test]
    fn an_out_of_order_report_is_ignored() {
        let states = NodeRoomStates::default();
        let start = Instant::now();
        states.update_at(&report("ND_1", 5, &[("RM_new", vec![])]), start);
        states.update_at(
            &report("ND_1", 4, &[("RM_old", vec![])]),
            start + Duration::from_secs(1),
        );
        let (rooms, _) = states
            .alive_at(start + Duration::from_secs(1))
            .expect("known");
        assert_eq!(rooms, set(&["RM_new"]));
    }

    #[test]
    fn a_node_silent_for_three_of_its_periods_is_gone() {
        let states = NodeRoomStates::new(Duration::from_secs(60));
        let start = Instant::now();
        let period = Duration::from_secs(5);
        states.update_at(&report("ND_1", 1, &[("RM_1", vec![])]), start);
        states.update_at(&report("ND_1", 2, &[("RM_1", vec![])]), start + period);
        states.update_at(&report("ND_2", 1, &[("RM_2", vec![])]), start + period);
        // ND_1 reports every 5 s: gone 15 s after its last report. ND_2 has sent one report,
        // so the default period (60 s) applies to it.
        let last = start + period;
        assert_eq!(
            states.live_nodes_at(last + Duration::from_secs(15)),
            vec!["ND_1", "ND_2"]
        );
        let later = last + Duration::from_secs(16);
        assert_eq!(states.live_nodes_at(later), vec!["ND_2"]);
        let (rooms, _) = states.alive_at(later).expect("known");
        assert_eq!(rooms, set(&["RM_2"]));
        let much_later = last + Duration::from_secs(181);
        let (rooms, participants) = states
            .alive_at(much_later)
            .expect("known: nodes reported, all gone");
        assert!(rooms.is_empty() && participants.is_empty());
    }

    #[tokio::test]
    async fn the_helper_lists_rooms_and_participants_and_leaves_egress_unknown() {
        let states = NodeRoomStates::default();
        states.update(&report(
            "ND_1",
            1,
            &[("RM_1", vec![participant("PA_1", ParticipantState::Active)])],
        ));
        assert_eq!(
            states.list_active_rooms().await.expect("rooms"),
            set(&["RM_1"])
        );
        assert_eq!(
            states
                .list_active_participants()
                .await
                .expect("participants"),
            set(&["PA_1"])
        );
        assert!(states.list_active_egresses().await.is_err());
        assert!(states.list_active_ingresses().await.is_err());
    }
}
