//! Converting straight from the wire bytes ([`crate::record_wire`]) against decoding the
//! same bytes with prost and converting the message: the same records for the same bytes,
//! however the fields are laid out (out of order, repeated, merged, a oneof's members
//! replacing each other), and the same refusals.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use livekit_protocol::{
    egress_info, AnalyticsEvent, AnalyticsEventType as T, AnalyticsEvents, AnalyticsStat,
    AnalyticsStats, Room, StreamType, WebEgressRequest,
};
use prost::Message;
use serde_json::Value;

use crate::{
    record_wire::{events_records, stats_records},
    samples, Record,
};

const HOUR: Duration = Duration::from_secs(3600);

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_100)
}

fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// The stat record of `bytes` converted straight, and after decoding (None: refused).
fn stat_both_ways(bytes: &[u8]) -> (Option<Record>, Option<Record>) {
    let straight = Record::from_stat_bytes(bytes, HOUR, now()).ok();
    let decoded = AnalyticsStat::decode(bytes)
        .ok()
        .and_then(|stat| Record::from_stat(stat, HOUR, now()).ok());
    (straight, decoded)
}

fn event_both_ways(bytes: &[u8]) -> (Option<Record>, Option<Record>) {
    let straight = Record::from_event_bytes(bytes, HOUR, now()).ok();
    let decoded = AnalyticsEvent::decode(bytes)
        .ok()
        .and_then(|event| Record::from_event(event, HOUR, now()).ok());
    (straight, decoded)
}

/// The top-level fields of an encoding, each as its own bytes (key included).
fn fields_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut fields = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let before = rest;
        let key = prost::encoding::decode_varint(&mut rest).expect("key");
        match key & 7 {
            0 => {
                prost::encoding::decode_varint(&mut rest).expect("varint");
            }
            1 => rest = &rest[8..],
            2 => {
                let len = prost::encoding::decode_varint(&mut rest).expect("len") as usize;
                rest = &rest[len..];
            }
            5 => rest = &rest[4..],
            other => panic!("wire type {other}"),
        }
        fields.push(before[..before.len() - rest.len()].to_vec());
    }
    fields
}

#[test]
fn the_samples_convert_the_same_both_ways_byte_for_byte() {
    for event in samples::session_events(start()) {
        let (straight, decoded) = event_both_ways(&event.encode_to_vec());
        assert!(straight.is_some());
        assert_eq!(straight, decoded);
    }
    for stat in samples::session_stats(start()) {
        let (straight, decoded) = stat_both_ways(&stat.encode_to_vec());
        assert!(straight.is_some());
        assert_eq!(straight, decoded);
    }
}

#[test]
fn fields_out_of_order_repeated_or_split_convert_as_decoding_reads_them() {
    let stat = samples::stat(StreamType::Downstream, start());
    let fields = fields_of(&stat.encode_to_vec());
    let mut reversed = fields.clone();
    reversed.reverse();
    let mut doubled: Vec<Vec<u8>> = fields.clone();
    doubled.extend(fields.iter().rev().cloned());
    // A later room name replaces the first; a second time_stamp part merges into it.
    let mut later = fields.clone();
    later.push(vec![0x32, 0x03, b'a', b'l', b't']);
    later.push(vec![0x1a, 0x02, 0x10, 0x05]);
    // Unknown fields of every wire type are skipped.
    let mut unknown = fields.clone();
    unknown.insert(0, vec![0xf8, 0x01, 0x07]);
    unknown.push(vec![0xfa, 0x01, 0x02, 0x08, 0x01]);
    unknown.push(vec![0xfd, 0x01, 1, 2, 3, 4]);
    unknown.push(vec![0xf9, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]);
    unknown.push(vec![0xfb, 0x01, 0x08, 0x01, 0xfc, 0x01]);
    // Zero values sent explicitly are stored as if absent.
    let mut zeros = fields.clone();
    zeros.push(vec![0x4d, 0, 0, 0, 0]);
    zeros.push(vec![0x2a, 0x00]);
    for (name, layout) in [
        ("reversed", reversed),
        ("doubled", doubled),
        ("later", later),
        ("unknown", unknown),
        ("zeros", zeros),
    ] {
        let bytes = layout.concat();
        let (straight, decoded) = stat_both_ways(&bytes);
        assert!(straight.is_some(), "{name}");
        assert_eq!(straight, decoded, "{name}");
    }
}

#[test]
fn the_last_member_of_a_oneof_wins_as_when_decoding() {
    let mut event = samples::egress_event(T::EgressStarted, start());
    let web = |url: &str| {
        egress_info::Request::Web(WebEgressRequest {
            url: url.into(),
            ..Default::default()
        })
    };
    let egress = event.egress.as_mut().expect("egress");
    egress.request = Some(web("https://first.example"));
    let with_web = egress.encode_to_vec();
    egress.request = Some(egress_info::Request::RoomComposite(Default::default()));
    let with_composite = egress.encode_to_vec();
    egress.request = Some(web("https://last.example"));
    let with_last_web = egress.encode_to_vec();
    let egress_field = |inner: &[u8]| {
        let mut field = vec![0x8a, 0x01];
        prost::encoding::encode_varint(inner.len() as u64, &mut field);
        field.extend_from_slice(inner);
        field
    };
    event.egress = None;
    let base = event.encode_to_vec();
    for layout in [
        vec![egress_field(&with_web), egress_field(&with_composite)],
        vec![egress_field(&with_composite), egress_field(&with_web)],
        vec![
            egress_field(&with_web),
            egress_field(&with_composite),
            egress_field(&with_last_web),
        ],
    ] {
        let bytes = [base.clone(), layout.concat()].concat();
        let (straight, decoded) = event_both_ways(&bytes);
        let straight = straight.expect("converts");
        assert_eq!(Some(&straight), decoded.as_ref());
        let document = straight.document();
        let members = ["web", "room_composite"]
            .iter()
            .filter(|member| document["egress"].get(**member).is_some())
            .count();
        assert_eq!(members, 1, "{}", straight.document_json);
    }
}

#[test]
fn what_decoding_refuses_is_refused() {
    let event = samples::participant_event(T::ParticipantJoined, "PA_a", "alice", start());
    let good = event.encode_to_vec();
    let mut bad_utf8 = good.clone();
    // node_id (24) holding invalid UTF-8.
    bad_utf8.extend_from_slice(&[0xc2, 0x01, 0x02, 0xff, 0xfe]);
    let mut secret = AnalyticsEvent {
        room: Some(Room {
            sid: "RM_x".into(),
            ..Default::default()
        }),
        ..event.clone()
    }
    .encode_to_vec();
    // room (4) holding a turn_password (6), never stored, of invalid UTF-8.
    secret.extend_from_slice(&[0x22, 0x03, 0x32, 0x01, 0xff]);
    let mut wrong_type = good.clone();
    // type (1) as a length-delimited field.
    wrong_type.extend_from_slice(&[0x0a, 0x00]);
    let truncated = good[..good.len() - 1].to_vec();
    for (name, bytes) in [
        ("invalid UTF-8", bad_utf8),
        ("unstored invalid UTF-8", secret),
        ("wrong wire type", wrong_type),
        ("truncated", truncated),
    ] {
        let (straight, decoded) = event_both_ways(&bytes);
        assert!(decoded.is_none(), "{name}: prost accepts it");
        assert!(straight.is_none(), "{name}: converted");
    }
}

#[test]
fn a_missing_timestamp_is_the_conversion_time_both_ways() {
    let mut stat = samples::stat(StreamType::Upstream, start());
    stat.time_stamp = None;
    let (straight, decoded) = stat_both_ways(&stat.encode_to_vec());
    let straight = straight.expect("converts");
    assert_eq!(Some(&straight), decoded.as_ref());
    assert_eq!(straight.timestamp_ms, 1_700_000_100_000);
    let event = AnalyticsEvent {
        r#type: T::ApiCall as i32,
        ..Default::default()
    };
    let (straight, decoded) = event_both_ways(&event.encode_to_vec());
    let straight = straight.expect("converts");
    assert_eq!(Some(&straight), decoded.as_ref());
    assert_eq!(
        straight.document()["timestamp"],
        serde_json::json!({"seconds": 1_700_000_100})
    );
}

#[test]
fn a_message_of_stats_or_events_is_split_into_its_records_in_order() {
    let stats = samples::session_stats(start());
    let mut message = AnalyticsStats {
        stats: stats.clone(),
    }
    .encode_to_vec();
    message.extend_from_slice(&[0x10, 0x01]);
    let records = stats_records(&message, HOUR, now()).expect("converts");
    let expected: Vec<Record> = stats
        .into_iter()
        .map(|stat| Record::from_stat(stat, HOUR, now()).expect("converts"))
        .collect();
    assert_eq!(records, expected);

    let events = samples::session_events(start());
    let message = AnalyticsEvents {
        events: events.clone(),
    }
    .encode_to_vec();
    let records = events_records(&message, HOUR, now()).expect("converts");
    let expected: Vec<Record> = events
        .into_iter()
        .map(|event| Record::from_event(event, HOUR, now()).expect("converts"))
        .collect();
    assert_eq!(records, expected);

    assert!(stats_records(&[0x0a, 0x05, 0x01], HOUR, now()).is_err());
    assert!(stats_records(&[0x08, 0x01], HOUR, now()).is_err());
    assert_eq!(stats_records(&[], HOUR, now()).expect("empty").len(), 0);
}

/// Mutated encodings (bytes flipped, dropped, repeated) either convert both ways to the same
/// record or are refused both ways.
#[test]
fn mutated_encodings_convert_or_are_refused_the_same_way_both_ways() {
    let mut state = 0x9e37_79b9_u32;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as usize % bound.max(1)
    };
    let events: Vec<Vec<u8>> = samples::session_events(start())
        .iter()
        .map(Message::encode_to_vec)
        .collect();
    let stats: Vec<Vec<u8>> = samples::session_stats(start())
        .iter()
        .map(Message::encode_to_vec)
        .collect();
    let mut converted = 0;
    for round in 0..4_000 {
        let (source, is_event) = if round % 2 == 0 {
            (&events[next(events.len())], true)
        } else {
            (&stats[next(stats.len())], false)
        };
        let mut bytes = source.clone();
        for _ in 0..=next(3) {
            let at = next(bytes.len());
            match next(4) {
                0 => bytes[at] = next(256) as u8,
                1 => bytes[at] ^= 1 << next(8),
                2 => {
                    bytes.remove(at);
                }
                _ => {
                    let end = (at + next(8)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.extend_from_slice(&copy);
                }
            }
        }
        let (straight, decoded) = if is_event {
            event_both_ways(&bytes)
        } else {
            stat_both_ways(&bytes)
        };
        match (straight, decoded) {
            (None, None) => {}
            (Some(straight), Some(decoded)) => {
                converted += 1;
                // A map's entries may come in another order after decoding (a HashMap).
                assert_eq!(
                    Value::Object(straight.document()),
                    Value::Object(decoded.document()),
                    "{bytes:02x?}"
                );
                let unordered = |record: &Record| Record {
                    document_json: String::new(),
                    ..record.clone()
                };
                assert_eq!(unordered(&straight), unordered(&decoded), "{bytes:02x?}");
            }
            (straight, decoded) => panic!(
                "converted straight: {}, after decoding: {} ({bytes:02x?})",
                straight.is_some(),
                decoded.is_some()
            ),
        }
    }
    assert!(converted > 500, "only {converted} mutations converted");
}
