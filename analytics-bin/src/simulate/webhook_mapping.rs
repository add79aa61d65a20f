//! Which simulated analytics events LiveKit would also send as webhooks, and the webhook
//! it sends (the inverse of the reference table `webhook → stored event`).

use livekit_protocol::{AnalyticsEvent, AnalyticsEventType as T, WebhookEvent};

/// The webhook event name of an analytics event type, if LiveKit sends one.
pub fn webhook_name(kind: i32) -> Option<&'static str> {
    Some(match T::try_from(kind).ok()? {
        T::RoomCreated => "room_started",
        T::RoomEnded => "room_finished",
        T::ParticipantActive => "participant_joined",
        T::ParticipantLeft => "participant_left",
        T::ParticipantConnectionAborted => "participant_connection_aborted",
        T::TrackPublished => "track_published",
        T::TrackUnpublished => "track_unpublished",
        T::EgressStarted => "egress_started",
        T::EgressUpdated => "egress_updated",
        T::EgressEnded => "egress_ended",
        T::IngressStarted => "ingress_started",
        T::IngressEnded => "ingress_ended",
        _ => return None,
    })
}

/// The webhook LiveKit sends for `event`, if any.
pub fn to_webhook(event: &AnalyticsEvent) -> Option<WebhookEvent> {
    let name = webhook_name(event.r#type)?;
    Some(WebhookEvent {
        event: name.into(),
        id: format!("EV_{}", event.id.trim_start_matches("AE_")),
        created_at: event.timestamp.map(|t| t.seconds).unwrap_or_default(),
        room: event.room.clone(),
        participant: event.participant.clone(),
        track: event.track.clone(),
        egress_info: event.egress.clone(),
        ingress_info: event.ingress.clone(),
        room_end_reason: event.room_end_reason,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lifecycle_events_become_webhooks() {
        assert_eq!(
            webhook_name(T::ParticipantActive as i32),
            Some("participant_joined")
        );
        assert_eq!(webhook_name(T::ParticipantJoined as i32), None);
        assert_eq!(webhook_name(T::TrackSubscribed as i32), None);
        assert_eq!(webhook_name(T::IngressCreated as i32), None);
    }

    #[test]
    fn the_webhook_carries_the_event_objects_and_time() {
        let event = AnalyticsEvent {
            id: "AE_SIM1".into(),
            r#type: T::EgressStarted as i32,
            timestamp: Some(pbjson_types::Timestamp {
                seconds: 1_700_000_000,
                nanos: 5,
            }),
            egress: Some(Default::default()),
            ..Default::default()
        };
        let webhook = to_webhook(&event).expect("a webhook");
        assert_eq!(
            (
                webhook.event.as_str(),
                webhook.id.as_str(),
                webhook.created_at
            ),
            ("egress_started", "EV_SIM1", 1_700_000_000)
        );
        assert!(webhook.egress_info.is_some());
    }
}
