//! PostgreSQL stores no NUL character, neither in `text` nor in `jsonb`, while LiveKit
//! strings (metadata, names) may hold one. Rather than lose such a record, NUL becomes
//! U+FFFD (the replacement character), the only change this sink makes to a document.

use std::borrow::Cow;

/// `text` with every NUL replaced by U+FFFD; borrowed when there is none (the usual case).
pub(crate) fn text(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// JSON text with every `\u0000` escape (and raw NUL) replaced by `\ufffd`; an escaped
/// backslash followed by `u0000` is left alone, since it is the literal text `\u0000`.
pub(crate) fn json(json: &str) -> Cow<'_, str> {
    if !json.contains("\\u0000") && !json.contains('\0') {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(position) = rest.find(['\\', '\0']) {
        out.push_str(&rest[..position]);
        rest = &rest[position..];
        if rest.starts_with('\0') {
            out.push_str("\\ufffd");
            rest = &rest[1..];
        } else if rest.starts_with("\\u0000") {
            out.push_str("\\ufffd");
            rest = &rest[6..];
        } else {
            // A backslash and the character it escapes (ASCII in valid JSON) go through as is.
            let escape_len = rest[1..].chars().next().map_or(1, |c| 1 + c.len_utf8());
            out.push_str(&rest[..escape_len]);
            rest = &rest[escape_len..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_text_becomes_the_replacement_character() {
        assert_eq!(text("a\0b"), "a\u{FFFD}b");
        assert!(matches!(text("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn nul_escapes_in_json_are_replaced_but_escaped_backslashes_are_kept() {
        let document = serde_json::json!({"metadata": "a\u{0}b", "literal": "\\u0000"}).to_string();
        let cleaned = json(&document);
        let parsed: serde_json::Value = serde_json::from_str(&cleaned).expect("still JSON");
        assert_eq!(parsed["metadata"], "a\u{FFFD}b");
        assert_eq!(parsed["literal"], "\\u0000");
        assert!(matches!(json("{\"a\":1}"), Cow::Borrowed(_)));
    }
}
