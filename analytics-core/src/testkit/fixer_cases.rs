//! The fixer compliance cases: the active-entities fixer ([`ActiveEntityFixer`]) run on a
//! sink's own [`crate::fixer::ActiveEntityStore`], against a LiveKit whose state each case
//! scripts ([`ScriptedLivekit`]). Every case starts from the sample session of an hour ago:
//! a room, Alice (active), Bob (left), an egress and an ingress.

use std::{
    collections::{BTreeMap, BTreeSet, HashSet},
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use livekit_protocol::AnalyticsEventType as T;
use serde_json::{json, Value};

use super::{samples, session_records, ComplianceTarget, TargetFactory};
use crate::{
    fixer::{ActiveEntityFixer, ActiveEntityStore, FixOutcome, FixerError, SYNTHETIC_FIELD},
    livekit_helper::{ActiveEntities, LivekitHelper, LivekitHelperError},
    record::Record,
    Batch, Capabilities, Entity, RecordKind,
};

const FIXER_NEEDS: Capabilities = Capabilities {
    read_back: true,
    expiry: false,
    active_entities: true,
    queries: false,
};

type Case = fn(ComplianceTarget) -> Pin<Box<dyn Future<Output = ()> + Send>>;

const CASES: &[(&str, Case)] = &[
    ("closes_what_livekit_no_longer_has_after_two_runs", |t| {
        Box::pin(closes_what_livekit_no_longer_has_after_two_runs(t))
    }),
    ("close_is_never_before_start_plus_minimum_lifetime", |t| {
        Box::pin(close_is_never_before_start_plus_minimum_lifetime(t))
    }),
    ("real_close_arriving_between_runs_wins", |t| {
        Box::pin(real_close_arriving_between_runs_wins(t))
    }),
    ("unknown_livekit_state_closes_nothing", |t| {
        Box::pin(unknown_livekit_state_closes_nothing(t))
    }),
    ("kinds_livekit_cannot_list_are_left_alone", |t| {
        Box::pin(kinds_livekit_cannot_list_are_left_alone(t))
    }),
    ("entity_listed_again_is_not_closed", |t| {
        Box::pin(entity_listed_again_is_not_closed(t))
    }),
    ("entity_without_start_event_is_only_removed", |t| {
        Box::pin(entity_without_start_event_is_only_removed(t))
    }),
    ("one_fixer_at_a_time_per_database", |t| {
        Box::pin(one_fixer_at_a_time_per_database(t))
    }),
];

/// Runs every fixer case against fresh, initialised targets whose sink offers an
/// [`ActiveEntityStore`]; panics on the first broken promise. The cases need read-back and
/// active entities: a sink that does not declare both runs none of them.
pub async fn run_fixer_compliance(factory: TargetFactory) {
    for (name, case) in CASES {
        let target = factory().await;
        super::check_declarations(&target);
        if !super::declares(target.sink.capabilities(), FIXER_NEEDS) {
            eprintln!("fixer compliance case skipped (not declared): {name}");
            continue;
        }
        target
            .sink
            .initialize()
            .await
            .unwrap_or_else(|error| panic!("{name}: initialize failed: {error}"));
        assert!(
            target.sink.active_entity_store().is_some(),
            "the sink offers an active-entity store"
        );
        case(target).await;
        eprintln!("fixer compliance case passed: {name}");
    }
}

/// A LiveKit whose live entities a test sets; `None` means unreachable.
#[derive(Debug, Default)]
pub struct ScriptedLivekit {
    state: Mutex<Option<ActiveEntities>>,
    unlisted: Mutex<HashSet<Entity>>,
}

impl ScriptedLivekit {
    /// A LiveKit that has `alive`.
    pub fn with(alive: ActiveEntities) -> ScriptedLivekit {
        ScriptedLivekit {
            state: Mutex::new(Some(alive)),
            unlisted: Mutex::default(),
        }
    }

    /// From now on LiveKit has `alive` (`None`: cannot be reached).
    pub fn set(&self, alive: Option<ActiveEntities>) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = alive;
    }

    /// From now on LiveKit cannot list these kinds (as node reports carry no egresses).
    pub fn set_unlisted(&self, kinds: &[Entity]) {
        *self.unlisted.lock().unwrap_or_else(|p| p.into_inner()) = kinds.iter().copied().collect();
    }

    fn get_kind(&self, kind: Entity) -> Result<ActiveEntities, LivekitHelperError> {
        if self
            .unlisted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&kind)
        {
            return Err(LivekitHelperError(format!(
                "scripted: {kind} cannot be listed"
            )));
        }
        self.get()
    }

    fn get(&self) -> Result<ActiveEntities, LivekitHelperError> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| LivekitHelperError("scripted: LiveKit unreachable".into()))
    }
}

#[async_trait]
impl LivekitHelper for ScriptedLivekit {
    async fn list_active_rooms(&self) -> Result<HashSet<String>, LivekitHelperError> {
        Ok(self.get_kind(Entity::Room)?.rooms)
    }
    async fn list_active_participants(&self) -> Result<HashSet<String>, LivekitHelperError> {
        Ok(self.get_kind(Entity::Participant)?.participants)
    }
    async fn list_active_egresses(&self) -> Result<HashSet<String>, LivekitHelperError> {
        Ok(self.get_kind(Entity::Egress)?.egresses)
    }
    async fn list_active_ingresses(&self) -> Result<HashSet<String>, LivekitHelperError> {
        Ok(self.get_kind(Entity::Ingress)?.ingresses)
    }
}

/// LiveKit's view of the whole sample session alive.
pub fn sample_session_alive() -> ActiveEntities {
    let set = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect();
    ActiveEntities {
        rooms: set(&[samples::ROOM_SID]),
        participants: set(&[samples::ALICE_SID]),
        egresses: set(&[samples::EGRESS_ID]),
        ingresses: set(&[samples::INGRESS_RESOURCE]),
    }
}

const PERIOD: Duration = Duration::from_secs(60);
const EXPIRATION: Duration = Duration::from_secs(3600);

fn fixer(holder: &str) -> ActiveEntityFixer {
    ActiveEntityFixer::new(holder, EXPIRATION, PERIOD)
}

fn store(target: &ComplianceTarget) -> &dyn ActiveEntityStore {
    target
        .sink
        .active_entity_store()
        .expect("the sink offers an active-entity store")
}

/// The sample session, an hour ago, stored.
async fn stored_session(target: &ComplianceTarget) -> SystemTime {
    let start = whole_second(SystemTime::now() - Duration::from_secs(3600));
    write(target, session_records(start)).await;
    start
}

fn whole_second(at: SystemTime) -> SystemTime {
    let seconds = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    UNIX_EPOCH + Duration::from_secs(seconds)
}

async fn write(target: &ComplianceTarget, records: Vec<Record>) {
    target
        .sink
        .send_batch(&Batch::new(records.into_iter().map(Arc::new).collect()))
        .await
        .expect("batch written");
}

async fn run(
    fixer: &ActiveEntityFixer,
    target: &ComplianceTarget,
    livekit: &ScriptedLivekit,
) -> FixOutcome {
    fixer
        .run(target.sink.as_ref(), livekit)
        .await
        .expect("the fixer runs")
}

fn closed(outcome: &FixOutcome) -> BTreeMap<Entity, u64> {
    match outcome {
        FixOutcome::Ran { report, .. } => report.closed.iter().copied().collect(),
        other => panic!("the fixer did not run: {other:?}"),
    }
}

fn held(outcome: &FixOutcome) -> usize {
    match outcome {
        FixOutcome::Ran { held, .. } => *held,
        other => panic!("the fixer did not run: {other:?}"),
    }
}

async fn active(target: &ComplianceTarget) -> BTreeSet<(Entity, String)> {
    target.probe().active_entities().await.into_iter().collect()
}

fn session_active() -> BTreeSet<(Entity, String)> {
    [
        (Entity::Room, samples::ROOM_SID),
        (Entity::Participant, samples::ALICE_SID),
        (Entity::Egress, samples::EGRESS_ID),
        (Entity::Ingress, samples::INGRESS_RESOURCE),
    ]
    .into_iter()
    .map(|(entity, id)| (entity, id.to_owned()))
    .collect()
}

/// Every stored event document of `type_name`.
async fn events_of_type(target: &ComplianceTarget, type_name: &str) -> Vec<Value> {
    let mut found = Vec::new();
    for id in target.probe().stored_ids(RecordKind::Event).await {
        if let Some(document) = target.probe().stored_document(RecordKind::Event, &id).await {
            if document["type"] == type_name {
                found.push(document);
            }
        }
    }
    found
}

async fn synthetic_events(target: &ComplianceTarget) -> Vec<Value> {
    let mut found = Vec::new();
    for id in target.probe().stored_ids(RecordKind::Event).await {
        if let Some(document) = target.probe().stored_document(RecordKind::Event, &id).await {
            if document[SYNTHETIC_FIELD] == json!(true) {
                found.push(document);
            }
        }
    }
    found
}

fn seconds(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64
}

fn nanos(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as i64
}

async fn closes_what_livekit_no_longer_has_after_two_runs(target: ComplianceTarget) {
    let start = stored_session(&target).await;
    let fixer = fixer("instance-a");
    let livekit = ScriptedLivekit::with(sample_session_alive());
    let first = run(&fixer, &target, &livekit).await;
    assert_eq!(
        (closed(&first).len(), held(&first)),
        (0, 0),
        "all alive: nothing to do"
    );
    let last_alive = start + Duration::from_secs(600);
    store(&target)
        .set_last_alive(last_alive)
        .await
        .expect("last_alive set");

    livekit.set(Some(ActiveEntities::default()));
    let second = run(&fixer, &target, &livekit).await;
    assert_eq!(held(&second), 4, "one close event held per entity");
    assert!(
        closed(&second).is_empty(),
        "nothing written in the first phase"
    );
    assert_eq!(
        active(&target).await,
        session_active(),
        "held, still active"
    );
    assert!(synthetic_events(&target).await.is_empty());

    let third = run(&fixer, &target, &livekit).await;
    let expected: BTreeMap<Entity, u64> = Entity::ALL.into_iter().map(|e| (e, 1)).collect();
    assert_eq!(
        closed(&third),
        expected,
        "one close event per entity written"
    );
    assert_eq!(held(&third), 0);
    assert!(active(&target).await.is_empty(), "nothing active any more");

    let at = seconds(last_alive);
    let room_ended = events_of_type(&target, "ROOM_ENDED").await;
    assert_eq!(room_ended.len(), 1, "{room_ended:?}");
    let room = &room_ended[0];
    assert_eq!(room[SYNTHETIC_FIELD], json!(true));
    assert_eq!(room["timestamp"]["seconds"], json!(at), "at last_alive");
    assert_eq!(room["room_id"], samples::ROOM_SID);
    assert_eq!(room["room"]["sid"], samples::ROOM_SID);
    assert_eq!(room["room"]["name"], samples::ROOM_NAME);
    assert_eq!(room["room"]["creation_time"], json!(seconds(start)));

    let left = events_of_type(&target, "PARTICIPANT_LEFT").await;
    let alice: Vec<&Value> = left
        .iter()
        .filter(|e| e[SYNTHETIC_FIELD] == json!(true))
        .collect();
    assert_eq!(
        alice.len(),
        1,
        "only Alice is closed (Bob left for real): {left:?}"
    );
    let alice = alice[0];
    assert_eq!(alice["timestamp"]["seconds"], json!(at));
    assert_eq!(alice["room_id"], samples::ROOM_SID);
    assert_eq!(alice["room"]["sid"], samples::ROOM_SID);
    assert_eq!(alice["participant_id"], samples::ALICE_SID);
    assert_eq!(alice["participant"]["sid"], samples::ALICE_SID);
    assert_eq!(alice["participant"]["identity"], "alice");
    assert_eq!(alice["participant"]["name"], "ALICE");
    assert_eq!(
        alice["participant"]["joined_at"],
        json!(seconds(start + Duration::from_secs(2)))
    );

    let egress = events_of_type(&target, "EGRESS_ENDED").await;
    assert_eq!(egress.len(), 1);
    assert_eq!(egress[0][SYNTHETIC_FIELD], json!(true));
    assert_eq!(egress[0]["egress_id"], samples::EGRESS_ID);
    assert_eq!(egress[0]["egress"]["status"], "EGRESS_COMPLETE");
    assert_eq!(egress[0]["egress"]["ended_at"], json!(nanos(last_alive)));
    assert_eq!(egress[0]["egress"]["updated_at"], json!(nanos(last_alive)));
    assert_eq!(
        egress[0]["egress"]["started_at"],
        json!(nanos(start + Duration::from_secs(5)))
    );

    let ingress = events_of_type(&target, "INGRESS_ENDED").await;
    assert_eq!(ingress.len(), 1);
    assert_eq!(ingress[0][SYNTHETIC_FIELD], json!(true));
    assert_eq!(ingress[0]["ingress_id"], samples::INGRESS_ID);
    assert_eq!(
        ingress[0]["ingress"]["state"]["status"],
        "ENDPOINT_INACTIVE"
    );
    assert_eq!(
        ingress[0]["ingress"]["state"]["resource_id"],
        samples::INGRESS_RESOURCE
    );

    let fourth = run(&fixer, &target, &livekit).await;
    assert_eq!(
        (closed(&fourth).len(), held(&fourth)),
        (0, 0),
        "nothing left to do"
    );
    assert_eq!(
        synthetic_events(&target).await.len(),
        4,
        "nothing stored twice"
    );
    let last = store(&target).last_alive().await.expect("readable");
    assert!(
        last.is_some_and(|t| t > SystemTime::now() - Duration::from_secs(60)),
        "last_alive is set to the run's time"
    );
}

async fn close_is_never_before_start_plus_minimum_lifetime(target: ComplianceTarget) {
    let start = stored_session(&target).await;
    store(&target)
        .set_last_alive(start - Duration::from_secs(3600))
        .await
        .expect("last_alive set");
    let fixer = fixer("instance-a");
    let livekit = ScriptedLivekit::with(ActiveEntities::default());
    run(&fixer, &target, &livekit).await;
    run(&fixer, &target, &livekit).await;
    let room = events_of_type(&target, "ROOM_ENDED").await;
    assert_eq!(
        room[0]["timestamp"]["seconds"],
        json!(seconds(start + Duration::from_secs(20))),
        "room: start + 20 s"
    );
    let alice: Vec<Value> = events_of_type(&target, "PARTICIPANT_LEFT")
        .await
        .into_iter()
        .filter(|e| e[SYNTHETIC_FIELD] == json!(true))
        .collect();
    assert_eq!(
        alice[0]["timestamp"]["seconds"],
        json!(seconds(start + Duration::from_secs(2 + 5))),
        "participant: active at + 5 s"
    );
    let egress = events_of_type(&target, "EGRESS_ENDED").await;
    assert_eq!(
        egress[0]["timestamp"]["seconds"],
        json!(seconds(start + Duration::from_secs(5 + 5)))
    );
}

async fn real_close_arriving_between_runs_wins(target: ComplianceTarget) {
    let start = stored_session(&target).await;
    let fixer = fixer("instance-a");
    let livekit = ScriptedLivekit::with(ActiveEntities::default());
    assert_eq!(held(&run(&fixer, &target, &livekit).await), 4);
    let left_at = start + Duration::from_secs(1800);
    let real = [
        samples::participant_event(T::ParticipantLeft, samples::ALICE_SID, "alice", left_at),
        samples::egress_event(T::EgressEnded, left_at),
    ];
    let real: Vec<Record> = real
        .into_iter()
        .map(|e| Record::from_event(e, EXPIRATION, SystemTime::now()).expect("converts"))
        .collect();
    write(&target, real).await;
    let outcome = run(&fixer, &target, &livekit).await;
    let FixOutcome::Ran { report, .. } = &outcome else {
        panic!("ran: {outcome:?}");
    };
    assert_eq!(
        report.superseded, 2,
        "Alice's and the egress's real close events win"
    );
    assert_eq!(
        closed(&outcome),
        [(Entity::Room, 1), (Entity::Ingress, 1)]
            .into_iter()
            .collect()
    );
    let synthetic_types: BTreeSet<String> = synthetic_events(&target)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        synthetic_types,
        ["INGRESS_ENDED", "ROOM_ENDED"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    let left = events_of_type(&target, "PARTICIPANT_LEFT").await;
    let alice: Vec<&Value> = left
        .iter()
        .filter(|e| e["participant_id"] == samples::ALICE_SID)
        .collect();
    assert_eq!(
        alice.len(),
        1,
        "only the real PARTICIPANT_LEFT of Alice: {alice:?}"
    );
    assert_eq!(alice[0]["timestamp"]["seconds"], json!(seconds(left_at)));
    assert!(active(&target).await.is_empty());
}

async fn unknown_livekit_state_closes_nothing(target: ComplianceTarget) {
    stored_session(&target).await;
    let fixer = fixer("instance-a");
    let livekit = ScriptedLivekit::default();
    let outcome = fixer.run(target.sink.as_ref(), &livekit).await;
    assert!(
        matches!(outcome, Err(FixerError::LivekitUnknown(_))),
        "an unreachable LiveKit is reported: {outcome:?}"
    );
    assert_eq!(fixer.held().await, 0, "nothing held");
    assert_eq!(store(&target).last_alive().await.expect("readable"), None);

    // Close events held while LiveKit answered are not written while it does not.
    livekit.set(Some(ActiveEntities::default()));
    run(&fixer, &target, &livekit).await;
    let last_alive = store(&target).last_alive().await.expect("readable");
    livekit.set(None);
    for _ in 0..2 {
        assert!(fixer.run(target.sink.as_ref(), &livekit).await.is_err());
    }
    assert_eq!(fixer.held().await, 4, "still held");
    assert!(synthetic_events(&target).await.is_empty(), "nothing closed");
    assert_eq!(active(&target).await, session_active());
    assert_eq!(
        store(&target).last_alive().await.expect("readable"),
        last_alive,
        "last_alive stays while LiveKit is unknown"
    );
}

async fn kinds_livekit_cannot_list_are_left_alone(target: ComplianceTarget) {
    stored_session(&target).await;
    let fixer = fixer("instance-a");
    let livekit = ScriptedLivekit::with(ActiveEntities::default());
    livekit.set_unlisted(&[Entity::Egress, Entity::Ingress]);
    assert_eq!(
        held(&run(&fixer, &target, &livekit).await),
        2,
        "room and Alice"
    );
    let second = run(&fixer, &target, &livekit).await;
    assert_eq!(
        closed(&second),
        [(Entity::Room, 1), (Entity::Participant, 1)]
            .into_iter()
            .collect()
    );
    let left: BTreeSet<(Entity, String)> = [
        (Entity::Egress, samples::EGRESS_ID),
        (Entity::Ingress, samples::INGRESS_RESOURCE),
    ]
    .into_iter()
    .map(|(entity, id)| (entity, id.to_owned()))
    .collect();
    assert_eq!(active(&target).await, left, "unknown kinds stay active");
    assert!(
        store(&target)
            .last_alive()
            .await
            .expect("readable")
            .is_some(),
        "what was known counts as seen"
    );
    // Once LiveKit lists them again (without them), they are closed too.
    livekit.set_unlisted(&[]);
    run(&fixer, &target, &livekit).await;
    let third = run(&fixer, &target, &livekit).await;
    assert_eq!(
        closed(&third),
        [(Entity::Egress, 1), (Entity::Ingress, 1)]
            .into_iter()
            .collect()
    );
    assert!(active(&target).await.is_empty());
}

async fn entity_listed_again_is_not_closed(target: ComplianceTarget) {
    stored_session(&target).await;
    let fixer = fixer("instance-a");
    let livekit = ScriptedLivekit::with(ActiveEntities::default());
    assert_eq!(held(&run(&fixer, &target, &livekit).await), 4);
    livekit.set(Some(sample_session_alive()));
    let outcome = run(&fixer, &target, &livekit).await;
    assert_eq!((closed(&outcome).len(), held(&outcome)), (0, 0));
    assert!(synthetic_events(&target).await.is_empty());
    assert_eq!(active(&target).await, session_active());
}

async fn entity_without_start_event_is_only_removed(target: ComplianceTarget) {
    // Start events that expired long ago, their entities still active.
    let start = whole_second(SystemTime::now() - Duration::from_secs(7200));
    let expired: Vec<Record> = samples::session_events(start)
        .into_iter()
        .map(|e| Record::from_event(e, Duration::from_secs(1), start).expect("converts"))
        .collect();
    write(&target, expired).await;
    target
        .sink
        .expire(SystemTime::now())
        .await
        .expect("expiry runs");
    if !target
        .probe()
        .stored_ids(RecordKind::Event)
        .await
        .is_empty()
    {
        eprintln!("entity_without_start_event_is_only_removed: SKIPPED, this sink expires records on its own schedule");
        return;
    }
    let fixer = fixer("instance-a");
    let livekit = ScriptedLivekit::with(ActiveEntities::default());
    let outcome = run(&fixer, &target, &livekit).await;
    assert_eq!(held(&outcome), 0, "no close event without a start event");
    assert!(
        active(&target).await.is_empty(),
        "removed from the active entities"
    );
    run(&fixer, &target, &livekit).await;
    assert!(target
        .probe()
        .stored_ids(RecordKind::Event)
        .await
        .is_empty());
}

async fn one_fixer_at_a_time_per_database(target: ComplianceTarget) {
    stored_session(&target).await;
    // Long enough that one run, even against a slow server under load, ends well within
    // the lease (two periods): at 800 ms a MongoDB-compatible test server once took longer.
    let period = Duration::from_secs(2);
    let a = ActiveEntityFixer::new("instance-a", EXPIRATION, period);
    let b = ActiveEntityFixer::new("instance-b", EXPIRATION, period);
    let livekit = ScriptedLivekit::with(ActiveEntities::default());
    assert!(matches!(
        run(&a, &target, &livekit).await,
        FixOutcome::Ran { .. }
    ));
    assert_eq!(run(&b, &target, &livekit).await, FixOutcome::NotLeader);
    assert_eq!(b.held().await, 0);
    // The holder renews its lease by running on time...
    tokio::time::sleep(period).await;
    let renewed = run(&a, &target, &livekit).await;
    assert_eq!(closed(&renewed).values().sum::<u64>(), 4, "a closes once");
    assert_eq!(run(&b, &target, &livekit).await, FixOutcome::NotLeader);
    // ...and loses it when it stops: the lease lasts two periods.
    tokio::time::sleep(period * 3).await;
    assert!(matches!(
        run(&b, &target, &livekit).await,
        FixOutcome::Ran { .. }
    ));
    assert_eq!(run(&a, &target, &livekit).await, FixOutcome::NotLeader);
    assert_eq!(
        synthetic_events(&target).await.len(),
        4,
        "closed exactly once"
    );
}
