//! Secret masking for everything that prints configuration: API secrets, passwords and
//! the credentials inside connection strings never reach a log line or `check-config`.

use serde_norway::Value;

const MASK: &str = "***";

/// Keys whose values are secrets wherever they appear.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token"]
        .iter()
        .any(|word| key.contains(word))
}

/// The YAML value with secrets masked: the values of `keys`, of keys named like a password,
/// and the password of any URL.
pub fn mask_secrets(value: Value) -> Value {
    mask_value(value, false)
}

fn mask_value(value: Value, secret_values: bool) -> Value {
    match value {
        Value::Mapping(mapping) => Value::Mapping(
            mapping
                .into_iter()
                .map(|(key, value)| {
                    let name = key.as_str().unwrap_or_default();
                    let secret = secret_values || is_secret_key(name);
                    // `keys:` maps API key -> secret: every value below it is a secret.
                    let children_secret = name == "keys";
                    let masked = match value {
                        Value::Null => Value::Null,
                        Value::String(s) if secret && !s.is_empty() => Value::String(MASK.into()),
                        other => mask_value(other, children_secret),
                    };
                    (key, masked)
                })
                .collect(),
        ),
        Value::Sequence(items) => Value::Sequence(
            items
                .into_iter()
                .map(|item| mask_value(item, secret_values))
                .collect(),
        ),
        Value::String(s) if secret_values => {
            Value::String(if s.is_empty() { s } else { MASK.into() })
        }
        Value::String(s) => Value::String(mask_url(&s)),
        other => other,
    }
}

/// A connection string with its password replaced by `***`
/// (`mongodb://user:***@host/db`); text that is not such a URL is returned as is.
pub fn mask_url(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_owned();
    };
    let rest = &text[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return text.to_owned();
    };
    let userinfo = &authority[..at];
    let user = userinfo.split(':').next().unwrap_or_default();
    let masked_userinfo = if userinfo.contains(':') {
        format!("{user}:{MASK}")
    } else {
        // A lone userinfo may itself be a secret (e.g. redis://:password@ is caught above;
        // a token as user name is not printed either).
        MASK.to_owned()
    };
    format!(
        "{}://{}@{}",
        &text[..scheme_end],
        masked_userinfo,
        &rest[at + 1..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_masked() {
        assert_eq!(
            mask_url("mongodb://admin:s3cret@mongo:27017/?replicaSet=rs0"),
            "mongodb://admin:***@mongo:27017/?replicaSet=rs0"
        );
        assert_eq!(
            mask_url("redis://:pw@localhost:6379/0"),
            "redis://:***@localhost:6379/0"
        );
        assert_eq!(
            mask_url("postgres://localhost/db"),
            "postgres://localhost/db"
        );
        assert_eq!(mask_url("not a url"), "not a url");
    }

    #[test]
    fn api_secrets_and_passwords_are_masked() {
        let yaml: Value = serde_norway::from_str(
            "keys: {devkey: topsecret}\nredis: {address: x, password: pw}\nopenvidu: {analytics: {mongo_url: 'mongodb://u:p@h/'}}",
        )
        .unwrap();
        let text = serde_norway::to_string(&mask_secrets(yaml)).unwrap();
        assert!(!text.contains("topsecret"), "{text}");
        assert!(!text.contains("pw"), "{text}");
        assert!(!text.contains("u:p@"), "{text}");
        assert!(text.contains("devkey"), "{text}");
    }
}
