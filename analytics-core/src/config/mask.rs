//! Secret masking for everything that prints configuration or a connection error: API
//! secrets, passwords and the credentials inside connection strings (userinfo and secret
//! query parameters) never reach a log line, an error or `check-config`.

use serde_norway::Value;

const MASK: &str = "***";

/// Keys whose values are secrets wherever they appear.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "passwd", "secret", "token", "credential"]
        .iter()
        .any(|word| key.contains(word))
}

/// Query parameters of a URL whose values are secrets: passwords, tokens and keys under
/// their usual names (`password`, `pass`, `pwd`, `sslpassword`, `token`, `access_token`,
/// `key`, `apikey`, `api_key`, `secret`, ...) and MongoDB's credential-carrying options
/// (`authMechanismProperties` may hold an AWS session token; `authSource` is masked with
/// them, as the brief of what an attacker learns is "nothing about the credentials").
fn is_secret_parameter(name: &str) -> bool {
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect();
    const EXACT: &[&str] = &[
        "pass",
        "pwd",
        "key",
        "auth",
        "sig",
        "signature",
        "authsource",
    ];
    const CONTAINED: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "privatekey",
        "credential",
        "authmechanismproperties",
    ];
    EXACT.contains(&name.as_str())
        || CONTAINED.iter().any(|word| name.contains(word))
        || name.ends_with("key")
}

/// The YAML value with secrets masked: the values of `keys`, of keys named like a password,
/// and the credentials of any URL.
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

/// `text` with the credentials of every URL in it masked: the password of the userinfo
/// (`mongodb://user:***@host/db`; a userinfo without `:` is masked whole, as it may be a
/// token) and the value of every secret query parameter
/// (`postgres://host/db?user=u&password=***`). Works on a bare URL and on free text that
/// quotes URLs (a driver error, a log line); text without a URL is returned as is.
pub fn mask_url(text: &str) -> String {
    if !text.contains("://") {
        return text.to_owned();
    }
    let mut masked = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find("://") {
        let scheme_start = rest[..found]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |at| at + 1);
        let url_end = rest[found..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .map_or(rest.len(), |at| found + at);
        masked.push_str(&rest[..scheme_start]);
        masked.push_str(&mask_one_url(&rest[scheme_start..url_end]));
        rest = &rest[url_end..];
    }
    masked.push_str(rest);
    masked
}

/// One URL (`scheme://...`, no surrounding text) with its credentials masked.
fn mask_one_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let (scheme, rest) = (&url[..scheme_end], &url[scheme_end + 3..]);
    // The userinfo ends at the last `@` before the query: a password with an unescaped `/`
    // or `@` is masked whole rather than half printed.
    let before_query = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let (userinfo, after) = match before_query.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let masked = match userinfo.split_once(':') {
                Some((user, _)) if !user.contains('/') => format!("{user}:{MASK}@"),
                _ => format!("{MASK}@"),
            };
            (masked, &rest[at + 1..])
        }
        None => (String::new(), rest),
    };
    format!("{scheme}://{userinfo}{}", mask_query(after))
}

/// `host/path?query#fragment` with the values of secret query parameters masked.
fn mask_query(after_userinfo: &str) -> String {
    let Some(query_start) = after_userinfo.find('?') else {
        return after_userinfo.to_owned();
    };
    let (head, query) = after_userinfo.split_at(query_start + 1);
    let (query, fragment) = match query.find('#') {
        Some(at) => query.split_at(at),
        None => (query, ""),
    };
    let pairs: String = query
        .split_inclusive(['&', ';'])
        .map(|piece| {
            let (pair, separator) = match piece.char_indices().last() {
                Some((at, '&' | ';')) => piece.split_at(at),
                _ => (piece, ""),
            };
            match pair.split_once('=') {
                Some((name, value)) if !value.is_empty() && is_secret_parameter(&decode(name)) => {
                    format!("{name}={MASK}{separator}")
                }
                _ => piece.to_owned(),
            }
        })
        .collect();
    format!("{head}{pairs}{fragment}")
}

/// A query parameter name with `%XX` escapes decoded, so `pass%77ord` is still `password`.
fn decode(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| name.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// The secret values a URL carries (userinfo password or token, secret query parameter
/// values), as written and percent-decoded, longest first: what to look for when a driver
/// quotes one of them without the URL around it.
pub fn url_secrets(url: &str) -> Vec<String> {
    let Some(scheme_end) = url.find("://") else {
        return Vec::new();
    };
    let rest = &url[scheme_end + 3..];
    let before_query = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let mut secrets = Vec::new();
    if let Some(at) = before_query.rfind('@') {
        let userinfo = &rest[..at];
        match userinfo.split_once(':') {
            Some((_, password)) => secrets.push(password.to_owned()),
            None => secrets.push(userinfo.to_owned()),
        }
    }
    if let Some(query_start) = rest.find('?') {
        let query = &rest[query_start + 1..];
        let query = &query[..query.find('#').unwrap_or(query.len())];
        for pair in query.split(['&', ';']) {
            if let Some((name, value)) = pair.split_once('=') {
                if is_secret_parameter(&decode(name)) {
                    secrets.push(value.to_owned());
                }
            }
        }
    }
    let decoded: Vec<String> = secrets
        .iter()
        .map(|s| decode(&s.replace('+', " ")))
        .collect();
    secrets.extend(decoded);
    // Short values ("a", "1") would mask unrelated text; nobody's secret is that short.
    secrets.retain(|secret| secret.chars().count() >= 3);
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    secrets.dedup();
    secrets
}

/// `text` (typically a driver error about `url`) with every URL masked and every secret
/// of `url` replaced by `***` wherever it appears on its own.
pub fn mask_url_secrets_in(text: &str, url: &str) -> String {
    let mut masked = mask_url(text);
    for secret in url_secrets(url) {
        masked = masked.replace(&secret, MASK);
    }
    masked
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
