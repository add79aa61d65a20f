//! The latest room / participant state each LiveKit node reports over
//! `IngestNodeRoomStates`, kept in memory within bounds and offered to the fixer as a
//! [`LivekitHelper`]: what a node reports is alive until the node falls silent for three of
//! its periods, when its entry is removed. At most [`MAX_NODES`] nodes and [`MAX_BYTES`]
//! are kept; a report that does not fit is refused, and the view is unknown for a while.
//! An empty view is only trusted once it has lasted a node's lifetime (see
//! [`NodeRoomStates::trusted_at`]). docs/security.md explains the bounds.

use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

use analytics_core::livekit_helper::{LivekitHelper, LivekitHelperError};
use async_trait::async_trait;
use livekit_protocol::{participant_info::State as ParticipantState, AnalyticsNodeRooms};

/// A node counts as gone (and its entry is removed) after this many report periods
/// without a report.
pub const MISSED_PERIODS: u32 = 3;

/// Report period assumed for a node until two of its reports show the real one.
pub const DEFAULT_REPORT_PERIOD: Duration = Duration::from_secs(30);

/// Most nodes whose reports are kept at once: a report of one more node is refused.
pub const MAX_NODES: usize = 1_000;

/// Most bytes (estimated) kept for the reports of all nodes together: a report that would
/// go over is refused.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;

/// Bytes an id costs beyond its text: its `String`, its hash-table slot, its allocation.
const ID_OVERHEAD: usize = 64;

/// Bytes a node's entry costs beyond its ids.
const NODE_OVERHEAD: usize = 256;

/// Gone nodes are removed on every read (the fixer reads once per period) and, when a
/// bound is reached, on updates at most this often.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// A node report that was not kept because the node states are full.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeStateError {
    #[error("node room states are full ({MAX_NODES} nodes report): node {0:?} is not kept")]
    TooManyNodes(String),
    #[error(
        "node room states are full: the report of node {node:?} (~{bytes} bytes) does not fit \
         in the {MAX_BYTES} bytes kept for all nodes"
    )]
    TooManyBytes { node: String, bytes: usize },
}

/// The last report of one node.
#[derive(Debug, Clone)]
struct NodeReport {
    sequence_number: u64,
    received_at: Instant,
    /// Time between the node's last two reports, once it has sent two.
    period: Option<Duration>,
    rooms: HashSet<String>,
    participants: HashSet<String>,
    /// Estimated memory held by this entry.
    bytes: usize,
}

impl NodeReport {
    /// When the node counts as gone if it does not report again.
    fn expires_at(&self, default_period: Duration) -> Instant {
        self.received_at + self.period.unwrap_or(default_period) * MISSED_PERIODS
    }
}

/// What an update needs of the report it replaces.
struct Previous {
    sequence_number: u64,
    received_at: Instant,
    had_rooms: bool,
}

/// Every node's report and what the bounds and the fixer need to know about them.
#[derive(Debug, Default)]
struct Nodes {
    reports: HashMap<String, NodeReport>,
    /// Sum of the reports' `bytes`.
    bytes: usize,
    first_report_at: Option<Instant>,
    /// The last instant some node was known to have a room (None: not since start).
    rooms_seen_until: Option<Instant>,
    /// The last time a report was refused for lack of room.
    refused_at: Option<Instant>,
    swept_at: Option<Instant>,
}

impl Nodes {
    /// Whether the last sweep is old enough for another (sweeps cost a pass over every
    /// node: at most one per [`SWEEP_EVERY`] on updates).
    fn sweep_due(&self, now: Instant) -> bool {
        self.swept_at
            .is_none_or(|swept| now.saturating_duration_since(swept) >= SWEEP_EVERY)
    }

    /// Removes the entries of nodes gone at `now`, releasing their memory.
    fn sweep(&mut self, now: Instant, default_period: Duration) {
        self.swept_at = Some(now);
        let mut rooms_seen_until = self.rooms_seen_until;
        let mut released = 0;
        self.reports.retain(|_, report| {
            let expires_at = report.expires_at(default_period);
            if now <= expires_at {
                return true;
            }
            if !report.rooms.is_empty() {
                rooms_seen_until = rooms_seen_until.max(Some(expires_at));
            }
            released += report.bytes;
            false
        });
        self.bytes -= released;
        self.rooms_seen_until = rooms_seen_until;
        if self.reports.capacity() > 2 * self.reports.len() + 16 {
            self.reports.shrink_to_fit();
        }
    }
}

/// The latest report of every node still reporting.
#[derive(Debug)]
pub struct NodeRoomStates {
    default_period: Duration,
    nodes: Mutex<Nodes>,
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
            nodes: Mutex::new(Nodes::default()),
        }
    }

    /// How long after a refused report, and after the last room seen, the view is not
    /// trusted: the time a silent node takes to count as gone.
    pub fn caution_window(&self) -> Duration {
        self.default_period * MISSED_PERIODS
    }

    fn lock(&self) -> MutexGuard<'_, Nodes> {
        self.nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a node's report received now.
    pub fn update(&self, report: &AnalyticsNodeRooms) -> Result<(), NodeStateError> {
        self.update_at(report, Instant::now())
    }

    /// Records a node's report received at `now`. A report older (by sequence number) than
    /// the one held is ignored: streams may reconnect and replay. A report that does not fit
    /// the bounds is refused and the previous one of its node, if any, is kept.
    pub fn update_at(
        &self,
        report: &AnalyticsNodeRooms,
        now: Instant,
    ) -> Result<(), NodeStateError> {
        self.refuse_one_node_too_many(report, now)?;
        let (rooms, participants, bytes) = report_ids(report);
        self.store(report, rooms, participants, bytes, now)
    }

    /// Refuses the report of a node not held when [`MAX_NODES`] are, before its report is
    /// read (cheap under a flood).
    fn refuse_one_node_too_many(
        &self,
        report: &AnalyticsNodeRooms,
        now: Instant,
    ) -> Result<(), NodeStateError> {
        let mut nodes = self.lock();
        if !nodes.reports.contains_key(&report.node_id) && nodes.reports.len() >= MAX_NODES {
            if nodes.sweep_due(now) {
                nodes.sweep(now, self.default_period);
            }
            if nodes.reports.len() >= MAX_NODES {
                nodes.refused_at = Some(now);
                return Err(NodeStateError::TooManyNodes(report.node_id.clone()));
            }
        }
        Ok(())
    }

    /// Keeps `report` (its rooms, participants and estimated bytes) unless it is older than
    /// the one held or does not fit the bounds.
    fn store(
        &self,
        report: &AnalyticsNodeRooms,
        rooms: HashSet<String>,
        participants: HashSet<String>,
        bytes: usize,
        now: Instant,
    ) -> Result<(), NodeStateError> {
        let mut nodes = self.lock();
        let known = nodes.reports.contains_key(&report.node_id);
        let over_count = !known && nodes.reports.len() >= MAX_NODES;
        let held_bytes = |nodes: &Nodes| {
            let previous = nodes
                .reports
                .get(&report.node_id)
                .map_or(0, |previous| previous.bytes);
            nodes.bytes - previous + bytes
        };
        if nodes.sweep_due(now) && (over_count || held_bytes(&nodes) > MAX_BYTES) {
            nodes.sweep(now, self.default_period);
        }
        let previous = nodes.reports.get(&report.node_id).map(|previous| Previous {
            sequence_number: previous.sequence_number,
            received_at: previous.received_at,
            had_rooms: !previous.rooms.is_empty(),
        });
        if let Some(previous) = &previous {
            if report.sequence_number != 0 && report.sequence_number < previous.sequence_number {
                return Ok(());
            }
        }
        let refused = if previous.is_none() && nodes.reports.len() >= MAX_NODES {
            Some(NodeStateError::TooManyNodes(report.node_id.clone()))
        } else if held_bytes(&nodes) > MAX_BYTES {
            Some(NodeStateError::TooManyBytes {
                node: report.node_id.clone(),
                bytes,
            })
        } else {
            None
        };
        if let Some(error) = refused {
            nodes.refused_at = Some(now);
            return Err(error);
        }
        let period = previous
            .as_ref()
            .map(|previous| now.saturating_duration_since(previous.received_at));
        if previous.as_ref().is_some_and(|previous| previous.had_rooms) && rooms.is_empty() {
            nodes.rooms_seen_until = nodes.rooms_seen_until.max(Some(now));
        }
        nodes.bytes = held_bytes(&nodes);
        nodes.first_report_at.get_or_insert(now);
        nodes.reports.insert(
            report.node_id.clone(),
            NodeReport {
                sequence_number: report.sequence_number,
                received_at: now,
                period: period.filter(|period| !period.is_zero()),
                rooms,
                participants,
                bytes,
            },
        );
        Ok(())
    }

    /// Ids of the nodes still reporting at `now`.
    pub fn live_nodes_at(&self, now: Instant) -> Vec<String> {
        let mut nodes = self.lock();
        nodes.sweep(now, self.default_period);
        let mut live: Vec<String> = nodes.reports.keys().cloned().collect();
        live.sort();
        live
    }

    /// How many nodes are kept, and their estimated bytes.
    pub fn usage(&self) -> (usize, usize) {
        let nodes = self.lock();
        (nodes.reports.len(), nodes.bytes)
    }

    /// The rooms and participants of every live node at `now`, as the nodes report them.
    /// No report at all means LiveKit's view is unknown (never "nothing is alive"); so does
    /// a report refused for lack of room within the caution window (the view misses a node).
    pub fn alive_at(
        &self,
        now: Instant,
    ) -> Result<(HashSet<String>, HashSet<String>), LivekitHelperError> {
        let mut nodes = self.lock();
        nodes.sweep(now, self.default_period);
        if nodes.first_report_at.is_none() {
            return Err(LivekitHelperError(
                "no LiveKit node has reported its rooms yet".into(),
            ));
        }
        if let Some(refused_at) = nodes.refused_at {
            let since = now.saturating_duration_since(refused_at);
            if since < self.caution_window() {
                return Err(LivekitHelperError(format!(
                    "node room states were full {}s ago (a report was refused): the nodes' \
                     view is incomplete",
                    since.as_secs()
                )));
            }
        }
        let mut rooms = HashSet::new();
        let mut participants = HashSet::new();
        for report in nodes.reports.values() {
            rooms.extend(report.rooms.iter().cloned());
            participants.extend(report.participants.iter().cloned());
        }
        Ok((rooms, participants))
    }

    /// [`NodeRoomStates::alive_at`] as the fixer may act on it: a view that has no room
    /// counts as unknown until it has lasted the caution window, since the last room any
    /// node reported (or since the first report). A node that restarts, a report sent
    /// before the node's rooms are restored or a forged empty report thus closes nothing;
    /// rooms whose node is really gone are closed once the window has passed.
    pub fn trusted_at(
        &self,
        now: Instant,
    ) -> Result<(HashSet<String>, HashSet<String>), LivekitHelperError> {
        let (rooms, participants) = self.alive_at(now)?;
        if !rooms.is_empty() || !participants.is_empty() {
            return Ok((rooms, participants));
        }
        let nodes = self.lock();
        let empty_since = nodes.rooms_seen_until.or(nodes.first_report_at);
        let empty_for =
            empty_since.map_or(Duration::ZERO, |since| now.saturating_duration_since(since));
        if empty_for < self.caution_window() {
            return Err(LivekitHelperError(format!(
                "LiveKit's nodes report no room (for {}s): an empty view from node reports is \
                 trusted once it lasts {}s",
                empty_for.as_secs(),
                self.caution_window().as_secs()
            )));
        }
        Ok((rooms, participants))
    }
}

/// The room and (connected) participant ids a report names, and the bytes keeping them takes.
fn report_ids(report: &AnalyticsNodeRooms) -> (HashSet<String>, HashSet<String>, usize) {
    let rooms: HashSet<String> = report
        .rooms
        .iter()
        .filter(|room| !room.id.is_empty())
        .map(|room| room.id.clone())
        .collect();
    let participants: HashSet<String> = report
        .rooms
        .iter()
        .flat_map(|room| &room.participants)
        .filter(|participant| {
            !participant.id.is_empty() && participant.state != ParticipantState::Disconnected as i32
        })
        .map(|participant| participant.id.clone())
        .collect();
    let bytes = NODE_OVERHEAD
        + report.node_id.len()
        + rooms
            .iter()
            .chain(&participants)
            .map(|id| id.len() + ID_OVERHEAD)
            .sum::<usize>();
    (rooms, participants, bytes)
}

#[async_trait]
impl LivekitHelper for NodeRoomStates {
    async fn list_active_rooms(&self) -> Result<HashSet<String>, LivekitHelperError> {
        self.trusted_at(Instant::now()).map(|(rooms, _)| rooms)
    }

    async fn list_active_participants(&self) -> Result<HashSet<String>, LivekitHelperError> {
        self.trusted_at(Instant::now())
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
mod tests;
