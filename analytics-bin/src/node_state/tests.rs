//! Node room states: liveness, replacement and order of reports, the bounds, expiry that
//! releases memory, and the caution about an empty view.

use livekit_protocol::{AnalyticsRoom, AnalyticsRoomParticipant};

use super::*;

/// Records `report` at `at`, which must fit.
fn keep(states: &NodeRoomStates, report: &AnalyticsNodeRooms, at: Instant) {
    states.update_at(report, at).expect("kept");
}

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
    keep(
        &states,
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
    keep(
        &states,
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
    keep(
        &states,
        &report("ND_1", 1, &[("RM_1", vec![]), ("RM_2", vec![])]),
        start,
    );
    keep(
        &states,
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
    keep(&states, &report("ND_1", 5, &[("RM_new", vec![])]), start);
    keep(
        &states,
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
    keep(&states, &report("ND_1", 1, &[("RM_1", vec![])]), start);
    keep(
        &states,
        &report("ND_1", 2, &[("RM_1", vec![])]),
        start + period,
    );
    keep(
        &states,
        &report("ND_2", 1, &[("RM_2", vec![])]),
        start + period,
    );
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
    states
        .update(&report(
            "ND_1",
            1,
            &[("RM_1", vec![participant("PA_1", ParticipantState::Active)])],
        ))
        .expect("kept");
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

/// A report of `rooms` rooms of `participants` participants each, with ids of 20 bytes.
fn big_report(node: &str, rooms: usize, participants: usize) -> AnalyticsNodeRooms {
    AnalyticsNodeRooms {
        node_id: node.into(),
        sequence_number: 1,
        rooms: (0..rooms)
            .map(|room| AnalyticsRoom {
                id: format!("RM_{node}_{room:010}"),
                participants: (0..participants)
                    .map(|p| participant(&format!("PA_{room:08}_{p:08}"), ParticipantState::Active))
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn a_gone_node_is_removed_and_its_bytes_released() {
    let states = NodeRoomStates::new(Duration::from_secs(10));
    let start = Instant::now();
    keep(&states, &report("ND_1", 1, &[("RM_1", vec![])]), start);
    keep(&states, &report("ND_2", 1, &[("RM_2", vec![])]), start);
    let (nodes, bytes) = states.usage();
    assert_eq!(nodes, 2);
    assert!(bytes > 0);
    // ND_2 keeps reporting; ND_1 falls silent for more than three periods.
    keep(
        &states,
        &report("ND_2", 2, &[("RM_2", vec![])]),
        start + Duration::from_secs(20),
    );
    let later = start + Duration::from_secs(31);
    assert_eq!(states.live_nodes_at(later), vec!["ND_2"]);
    let (nodes, after) = states.usage();
    assert_eq!(nodes, 1, "ND_1's entry is removed, not only ignored");
    assert_eq!(after, bytes / 2, "ND_1's bytes are released");
}

#[test]
fn a_node_beyond_the_node_bound_is_refused_and_the_view_is_unknown_for_a_while() {
    let states = NodeRoomStates::new(Duration::from_secs(10));
    let start = Instant::now();
    for node in 0..MAX_NODES {
        keep(&states, &report(&format!("ND_{node}"), 1, &[]), start);
    }
    assert_eq!(
        states.update_at(&report("ND_new", 1, &[]), start),
        Err(NodeStateError::TooManyNodes("ND_new".into()))
    );
    assert_eq!(states.usage().0, MAX_NODES);
    // A node already kept still reports.
    keep(&states, &report("ND_7", 2, &[("RM_7", vec![])]), start);
    let error = states.alive_at(start).expect_err("incomplete: unknown");
    assert!(error.0.contains("full"), "{error}");
    // Once every node has gone and the caution window has passed, there is room again.
    let later = start + states.caution_window() + Duration::from_secs(1);
    keep(&states, &report("ND_new", 1, &[("RM_new", vec![])]), later);
    assert_eq!(states.usage().0, 1);
    let (rooms, _) = states.alive_at(later).expect("known again");
    assert_eq!(rooms, set(&["RM_new"]));
}

#[test]
fn reports_beyond_the_byte_bound_are_refused() {
    let states = NodeRoomStates::default();
    let now = Instant::now();
    // About 1 MB (estimated) per node: 10 000 ids of ~20 bytes.
    let mut kept = 0;
    let mut refused = 0;
    for node in 0..64 {
        match states.update_at(&big_report(&format!("ND_{node}"), 100, 99), now) {
            Ok(()) => kept += 1,
            Err(NodeStateError::TooManyBytes { .. }) => refused += 1,
            Err(other) => panic!("unexpected refusal: {other}"),
        }
    }
    let (_, bytes) = states.usage();
    assert!(bytes <= MAX_BYTES, "{bytes}");
    assert!(kept > 0 && refused > 0, "kept {kept}, refused {refused}");
    assert!(states.alive_at(now).is_err(), "a refused node: incomplete");
}

#[test]
fn a_report_for_another_node_does_not_replace_a_node_view() {
    let states = NodeRoomStates::default();
    let now = Instant::now();
    keep(&states, &report("ND_1", 1, &[("RM_1", vec![])]), now);
    keep(&states, &report("ND_2", 9, &[]), now);
    let (rooms, _) = states.alive_at(now).expect("known");
    assert_eq!(rooms, set(&["RM_1"]));
}

#[test]
fn a_first_empty_view_is_not_trusted_until_it_lasts_the_caution_window() {
    let states = NodeRoomStates::new(Duration::from_secs(10));
    let start = Instant::now();
    keep(&states, &report("ND_1", 1, &[]), start);
    let (rooms, _) = states.alive_at(start).expect("what the node says");
    assert!(rooms.is_empty());
    let error = states.trusted_at(start).expect_err("not trusted yet");
    assert!(error.0.contains("no room"), "{error}");
    keep(
        &states,
        &report("ND_1", 2, &[]),
        start + Duration::from_secs(10),
    );
    keep(
        &states,
        &report("ND_1", 3, &[]),
        start + Duration::from_secs(20),
    );
    assert!(states.trusted_at(start + Duration::from_secs(29)).is_err());
    keep(
        &states,
        &report("ND_1", 4, &[]),
        start + Duration::from_secs(30),
    );
    let (rooms, participants) = states
        .trusted_at(start + Duration::from_secs(30))
        .expect("empty for the whole window: trusted");
    assert!(rooms.is_empty() && participants.is_empty());
}

#[test]
fn a_view_that_suddenly_drops_to_empty_is_unknown_for_the_caution_window() {
    let states = NodeRoomStates::new(Duration::from_secs(10));
    let start = Instant::now();
    let alice = || vec![participant("PA_1", ParticipantState::Active)];
    keep(&states, &report("ND_1", 1, &[("RM_1", alice())]), start);
    for step in 1..=5 {
        keep(
            &states,
            &report("ND_1", step + 1, &[("RM_1", alice())]),
            start + Duration::from_secs(10 * step),
        );
    }
    let dropped = start + Duration::from_secs(60);
    keep(&states, &report("ND_1", 7, &[]), dropped);
    assert!(states.trusted_at(dropped).is_err());
    assert!(states
        .trusted_at(dropped + Duration::from_secs(29))
        .is_err());
    keep(
        &states,
        &report("ND_1", 8, &[]),
        dropped + Duration::from_secs(10),
    );
    keep(
        &states,
        &report("ND_1", 9, &[]),
        dropped + Duration::from_secs(20),
    );
    keep(
        &states,
        &report("ND_1", 10, &[]),
        dropped + Duration::from_secs(30),
    );
    assert!(states.trusted_at(dropped + Duration::from_secs(30)).is_ok());
}

#[test]
fn rooms_of_a_gone_node_are_trusted_gone_after_the_caution_window() {
    let states = NodeRoomStates::new(Duration::from_secs(10));
    let start = Instant::now();
    keep(&states, &report("ND_1", 1, &[("RM_1", vec![])]), start);
    // The node expires at start + 30 s; its room was seen until then.
    assert!(states.trusted_at(start + Duration::from_secs(31)).is_err());
    assert!(states.trusted_at(start + Duration::from_secs(59)).is_err());
    let (rooms, _) = states
        .trusted_at(start + Duration::from_secs(61))
        .expect("empty for the caution window after the node went");
    assert!(rooms.is_empty());
}

#[test]
fn a_non_empty_view_is_trusted_at_once() {
    let states = NodeRoomStates::default();
    let now = Instant::now();
    keep(&states, &report("ND_1", 1, &[("RM_1", vec![])]), now);
    let (rooms, _) = states.trusted_at(now).expect("trusted");
    assert_eq!(rooms, set(&["RM_1"]));
}
