//! LiveKit's part in the fault tests: numbered, distinct events and stats, sent over the gRPC
//! analytics stream in short client-streaming calls. A call that returned OK is
//! acknowledged: the service has accepted every record in it.

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, SystemTime},
};

use analytics_bin::recorder_service::analytics_recorder_service_client::AnalyticsRecorderServiceClient;
use analytics_core::{
    record::timestamp_of,
    record_id::{event_id, stat_id},
    RecordKind,
};
use futures::StreamExt;
use livekit_protocol::{
    AnalyticsEvent, AnalyticsEventType, AnalyticsEvents, AnalyticsStat, AnalyticsStats,
    AnalyticsStream, Room, StreamType,
};
use tokio_util::sync::CancellationToken;
use tonic::{metadata::MetadataValue, transport::Channel, Code, Request, Status};

use crate::support::{access_token, API_KEY, API_SECRET};

/// Longest a call may take before it counts as not acknowledged.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// The records of one client-streaming call: all events or all stats.
#[derive(Debug, Clone)]
pub enum Call {
    Events(Vec<AnalyticsEvent>),
    Stats(Vec<AnalyticsStat>),
}

impl Call {
    pub fn len(&self) -> usize {
        match self {
            Call::Events(events) => events.len(),
            Call::Stats(stats) => stats.len(),
        }
    }

    /// `(kind, record id)` of every record in the call.
    pub fn ids(&self) -> Vec<(RecordKind, String)> {
        match self {
            Call::Events(events) => events
                .iter()
                .map(|e| (RecordKind::Event, event_id(e)))
                .collect(),
            Call::Stats(stats) => stats
                .iter()
                .map(|s| (RecordKind::Stat, stat_id(s)))
                .collect(),
        }
    }
}

/// Record ids by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSet {
    pub events: BTreeSet<String>,
    pub stats: BTreeSet<String>,
}

impl IdSet {
    pub fn of_calls<'a>(calls: impl IntoIterator<Item = &'a Call>) -> IdSet {
        let mut set = IdSet::default();
        for call in calls {
            for (kind, id) in call.ids() {
                set.get_mut(kind).insert(id);
            }
        }
        set
    }

    pub fn get(&self, kind: RecordKind) -> &BTreeSet<String> {
        match kind {
            RecordKind::Event => &self.events,
            RecordKind::Stat => &self.stats,
        }
    }

    fn get_mut(&mut self, kind: RecordKind) -> &mut BTreeSet<String> {
        match kind {
            RecordKind::Event => &mut self.events,
            RecordKind::Stat => &mut self.stats,
        }
    }

    pub fn len(&self) -> usize {
        self.events.len() + self.stats.len()
    }
}

/// Numbered records of one test: record `n` is unique (its own track, participant and
/// timestamp), rooms are shared by many records as in real traffic.
pub struct Workload {
    tag: String,
    start: SystemTime,
}

impl Workload {
    pub fn new(tag: &str) -> Workload {
        Workload {
            tag: tag.to_owned(),
            start: SystemTime::now(),
        }
    }

    /// Calls carrying records `first..first + count`, `per_call` records each, events and
    /// stats in turn.
    pub fn calls(&self, first: u64, count: u64, per_call: u64) -> Vec<Call> {
        let mut calls = Vec::new();
        let mut n = first;
        let mut events_turn = true;
        while n < first + count {
            let end = (n + per_call).min(first + count);
            calls.push(if events_turn {
                Call::Events((n..end).map(|i| self.event(i)).collect())
            } else {
                Call::Stats((n..end).map(|i| self.stat(i)).collect())
            });
            events_turn = !events_turn;
            n = end;
        }
        calls
    }

    fn at(&self, n: u64) -> SystemTime {
        self.start + Duration::from_millis(n)
    }

    fn room(&self, n: u64) -> (String, String) {
        (
            format!("RM_{}_{}", self.tag, n % 8),
            format!("room-{}-{}", self.tag, n % 8),
        )
    }

    pub fn event(&self, n: u64) -> AnalyticsEvent {
        let (room_sid, room_name) = self.room(n);
        AnalyticsEvent {
            r#type: AnalyticsEventType::TrackPublished as i32,
            timestamp: Some(timestamp_of(self.at(n))),
            room_id: room_sid.clone(),
            room: Some(Room {
                sid: room_sid,
                name: room_name,
                ..Default::default()
            }),
            participant_id: format!("PA_{}_{n}", self.tag),
            track_id: format!("TR_{}_{n}", self.tag),
            node_id: "ND_fault".into(),
            ..Default::default()
        }
    }

    pub fn stat(&self, n: u64) -> AnalyticsStat {
        let (room_sid, room_name) = self.room(n);
        AnalyticsStat {
            kind: StreamType::Upstream as i32,
            time_stamp: Some(timestamp_of(self.at(n))),
            node: "ND_fault".into(),
            room_id: room_sid,
            room_name,
            participant_id: format!("PA_{}_{n}", self.tag),
            track_id: format!("TR_{}_{n}", self.tag),
            score: 4.2,
            min_score: 3.8,
            median_score: 4.3,
            mime: "video/VP8".into(),
            streams: vec![AnalyticsStream {
                ssrc: n as u32,
                primary_packets: 2700,
                primary_bytes: 3_200_000,
                packets_lost: 3,
                rtt: 40,
                jitter: 12,
                ..Default::default()
            }],
            ..Default::default()
        }
    }
}

/// A gRPC client of the service's analytics stream.
#[derive(Clone)]
pub struct StreamClient {
    client: AnalyticsRecorderServiceClient<Channel>,
    authorization: MetadataValue<tonic::metadata::Ascii>,
}

impl StreamClient {
    /// A client of the service on `port` (connecting on first use, reconnecting after).
    pub fn new(port: u16) -> StreamClient {
        let channel = Channel::from_shared(format!("http://127.0.0.1:{port}"))
            .expect("a valid URL")
            .connect_timeout(Duration::from_secs(2))
            .connect_lazy();
        let authorization = format!("Bearer {}", access_token(API_KEY, API_SECRET))
            .parse()
            .expect("header value");
        StreamClient {
            client: AnalyticsRecorderServiceClient::new(channel),
            authorization,
        }
    }

    /// One client-streaming call with one message: OK means every record was accepted.
    pub async fn send(&self, call: &Call) -> Result<(), Status> {
        let mut client = self.client.clone();
        let result = match call {
            Call::Events(events) => {
                let message = AnalyticsEvents {
                    events: events.clone(),
                };
                let mut request = Request::new(tokio_stream::iter(vec![message]));
                request
                    .metadata_mut()
                    .insert("authorization", self.authorization.clone());
                tokio::time::timeout(CALL_TIMEOUT, client.ingest_events(request)).await
            }
            Call::Stats(stats) => {
                let message = AnalyticsStats {
                    stats: stats.clone(),
                };
                let mut request = Request::new(tokio_stream::iter(vec![message]));
                request
                    .metadata_mut()
                    .insert("authorization", self.authorization.clone());
                tokio::time::timeout(CALL_TIMEOUT, client.ingest_stats(request)).await
            }
        };
        match result {
            Ok(response) => response.map(|_| ()),
            Err(_) => Err(Status::deadline_exceeded("the call took too long")),
        }
    }
}

/// What happened to each call of a run, by index in the list given.
#[derive(Debug, Default)]
pub struct Outcome {
    pub acknowledged: Vec<usize>,
    pub failed: Vec<(usize, Status)>,
}

impl Outcome {
    /// Failed calls answered with `code`.
    pub fn failed_with(&self, code: Code) -> usize {
        self.failed
            .iter()
            .filter(|(_, status)| status.code() == code)
            .count()
    }

    pub fn acknowledged_ids(&self, calls: &[Call]) -> IdSet {
        IdSet::of_calls(self.acknowledged.iter().map(|&i| &calls[i]))
    }

    pub fn failed_indexes(&self) -> Vec<usize> {
        let mut indexes: Vec<usize> = self.failed.iter().map(|(i, _)| *i).collect();
        indexes.sort_unstable();
        indexes
    }
}

/// Sends every call, `concurrency` at a time; `acknowledged_records` counts the records
/// of acknowledged calls as they come back.
pub async fn send_all(
    client: StreamClient,
    calls: Arc<Vec<Call>>,
    concurrency: usize,
    acknowledged_records: Arc<AtomicUsize>,
) -> Outcome {
    let results: Vec<(usize, Result<(), Status>)> = futures::stream::iter(0..calls.len())
        .map(|index| {
            let (client, calls, acknowledged_records) =
                (client.clone(), calls.clone(), acknowledged_records.clone());
            async move {
                let result = client.send(&calls[index]).await;
                if result.is_ok() {
                    acknowledged_records.fetch_add(calls[index].len(), Ordering::SeqCst);
                }
                (index, result)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut outcome = Outcome::default();
    for (index, result) in results {
        match result {
            Ok(()) => outcome.acknowledged.push(index),
            Err(status) => outcome.failed.push((index, status)),
        }
    }
    outcome.acknowledged.sort_unstable();
    outcome
}

/// Sends the calls at a steady pace (one every `every`, each on its own task so a slow call
/// does not slow the pace) until they run out or `stop` is cancelled; returns the outcome
/// of the calls started.
pub async fn send_paced(
    client: StreamClient,
    calls: Arc<Vec<Call>>,
    every: Duration,
    stop: CancellationToken,
) -> Outcome {
    let outcome = Arc::new(Mutex::new(Outcome::default()));
    let mut tasks = tokio::task::JoinSet::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for index in 0..calls.len() {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        let (client, calls, outcome) = (client.clone(), calls.clone(), outcome.clone());
        tasks.spawn(async move {
            let result = client.send(&calls[index]).await;
            let mut outcome = outcome.lock().expect("outcome lock");
            match result {
                Ok(()) => outcome.acknowledged.push(index),
                Err(status) => outcome.failed.push((index, status)),
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let mut outcome = std::mem::take(&mut *outcome.lock().expect("outcome lock"));
    outcome.acknowledged.sort_unstable();
    outcome
}
