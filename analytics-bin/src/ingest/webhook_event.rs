//! LiveKit webhook → `AnalyticsEvent`, as in the table of the reference: the event name gives
//! the type, the webhook id and `created_at` the id and timestamp, and the attached room,
//! participant, track, egress and ingress fill the event.

use livekit_protocol::{AnalyticsEvent, AnalyticsEventType as T, WebhookEvent};

/// The analytics event type of a webhook event name, if it is one this service stores.
pub fn event_type(name: &str) -> Option<T> {
    Some(match name {
        "room_started" => T::RoomCreated,
        "room_finished" => T::RoomEnded,
        "participant_joined" => T::ParticipantActive,
        "participant_left" => T::ParticipantLeft,
        "participant_connection_aborted" => T::ParticipantConnectionAborted,
        "track_published" => T::TrackPublished,
        "track_unpublished" => T::TrackUnpublished,
        "egress_started" => T::EgressStarted,
        "egress_updated" => T::EgressUpdated,
        "egress_ended" => T::EgressEnded,
        "ingress_started" => T::IngressStarted,
        "ingress_ended" => T::IngressEnded,
        _ => return None,
    })
}

/// The analytics event of a webhook, or `None` for an event name this service does not store.
pub fn to_analytics_event(webhook: WebhookEvent) -> Option<AnalyticsEvent> {
    let kind = event_type(&webhook.event)?;
    let mut event = AnalyticsEvent {
        id: webhook.id,
        r#type: kind as i32,
        timestamp: Some(pbjson_types::Timestamp {
            seconds: webhook.created_at,
            nanos: 0,
        }),
        room_end_reason: webhook.room_end_reason,
        ..Default::default()
    };
    if let Some(room) = webhook.room {
        // ROOM_CREATED carries the room but no room_id, as LiveKit's own event does.
        if kind != T::RoomCreated {
            event.room_id = room.sid.clone();
        }
        event.room = Some(room);
    }
    if let Some(participant) = webhook.participant {
        event.participant_id = participant.sid.clone();
        event.participant = Some(participant);
    }
    if let Some(track) = webhook.track {
        event.track_id = track.sid.clone();
        event.track = Some(track);
    }
    if let Some(egress) = webhook.egress_info {
        event.egress_id = egress.egress_id.clone();
        if event.room_id.is_empty() {
            event.room_id = egress.room_id.clone();
        }
        event.egress = Some(egress);
    }
    if let Some(ingress) = webhook.ingress_info {
        event.ingress_id = ingress.ingress_id.clone();
        event.ingress = Some(ingress);
    }
    Some(event)
}

#[cfg(test)]
mod tests {
    use livekit_protocol::{EgressInfo, ParticipantInfo, Room, TrackInfo};

    use super::*;

    #[test]
    fn every_webhook_event_name_maps_to_its_type() {
        let names = [
            ("room_started", T::RoomCreated),
            ("room_finished", T::RoomEnded),
            ("participant_joined", T::ParticipantActive),
            ("participant_left", T::ParticipantLeft),
            (
                "participant_connection_aborted",
                T::ParticipantConnectionAborted,
            ),
            ("track_published", T::TrackPublished),
            ("track_unpublished", T::TrackUnpublished),
            ("egress_started", T::EgressStarted),
            ("egress_updated", T::EgressUpdated),
            ("egress_ended", T::EgressEnded),
            ("ingress_started", T::IngressStarted),
            ("ingress_ended", T::IngressEnded),
        ];
        for (name, kind) in names {
            assert_eq!(event_type(name), Some(kind), "{name}");
        }
        assert_eq!(event_type("room_updated"), None);
    }

    #[test]
    fn attached_objects_fill_the_event() {
        let webhook = WebhookEvent {
            event: "track_published".into(),
            id: "EV_1".into(),
            created_at: 1_700_000_000,
            room: Some(Room {
                sid: "RM_1".into(),
                name: "r".into(),
                ..Default::default()
            }),
            participant: Some(ParticipantInfo {
                sid: "PA_1".into(),
                identity: "a".into(),
                ..Default::default()
            }),
            track: Some(TrackInfo {
                sid: "TR_1".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let event = to_analytics_event(webhook).expect("stored event");
        assert_eq!(event.id, "EV_1");
        assert_eq!(event.r#type, T::TrackPublished as i32);
        assert_eq!(event.timestamp.map(|t| t.seconds), Some(1_700_000_000));
        assert_eq!(
            (
                event.room_id.as_str(),
                event.participant_id.as_str(),
                event.track_id.as_str()
            ),
            ("RM_1", "PA_1", "TR_1")
        );
    }

    #[test]
    fn egress_webhooks_take_the_room_from_the_egress() {
        let webhook = WebhookEvent {
            event: "egress_started".into(),
            egress_info: Some(EgressInfo {
                egress_id: "EG_1".into(),
                room_id: "RM_1".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let event = to_analytics_event(webhook).expect("stored event");
        assert_eq!(
            (event.egress_id.as_str(), event.room_id.as_str()),
            ("EG_1", "RM_1")
        );
        assert!(event.room.is_none());
    }
}
