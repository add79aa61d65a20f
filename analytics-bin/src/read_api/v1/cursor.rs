//! The opaque cursor of `/v1/sessions`: where the previous page ended (the last session's
//! creation time and room sid), as base64url of `created_ms:room_sid`.

use analytics_core::query::SessionCursor;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use super::V1Refusal;

/// The `next_cursor` of a page that ended at `cursor`.
pub fn encode(cursor: &SessionCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", cursor.created_at_ms, cursor.room_sid))
}

/// The position a `cursor` parameter names, or a 400 when it is not one this API gave.
pub fn decode(text: &str) -> Result<SessionCursor, V1Refusal> {
    let bad = || {
        V1Refusal::BadParameter(
            "cursor is not one this API gave: pass the next_cursor of the previous page as it is"
                .to_owned(),
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (created, room_sid) = text.split_once(':').ok_or_else(bad)?;
    let created_at_ms = created.parse::<i64>().map_err(|_| bad())?;
    if room_sid.is_empty() || created_at_ms < 0 {
        return Err(bad());
    }
    Ok(SessionCursor {
        created_at_ms,
        room_sid: room_sid.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_given() {
        let cursor = SessionCursor {
            created_at_ms: 1_796_083_200_123,
            room_sid: "RM_a:b".into(),
        };
        assert_eq!(decode(&encode(&cursor)).ok(), Some(cursor));
    }

    #[test]
    fn a_forged_cursor_is_refused() {
        for wrong in ["", "!!", "bm90LWEtY3Vyc29y", &URL_SAFE_NO_PAD.encode("12:")] {
            assert!(
                matches!(decode(wrong), Err(V1Refusal::BadParameter(_))),
                "{wrong:?}"
            );
        }
    }
}
