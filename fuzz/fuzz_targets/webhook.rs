//! Fuzzes the webhook path: token parsing and verification, the body hash, the protojson
//! decoder, the webhook → event mapping and the conversion to a stored record. The input is
//! `token '\n' body`; an empty token is replaced by a valid signature of the body, so that
//! the fuzzer reaches the decoder behind the signature check.

#![no_main]

use std::time::{Duration, SystemTime};

use analytics_bin::{auth::ApiKeys, ingest::webhook_event::to_analytics_event};
use analytics_core::Record;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use livekit_api::access_token::AccessToken;
use sha2::{Digest, Sha256};

const KEY: &str = "fuzzkey";
const SECRET: &str = "fuzz-secret-long-enough-for-hs256";

fuzz_target!(|data: &[u8]| {
    let (token, body) = match data.iter().position(|b| *b == b'\n') {
        Some(split) => (&data[..split], &data[split + 1..]),
        None => (&[][..], data),
    };
    let (Ok(token), Ok(body)) = (std::str::from_utf8(token), std::str::from_utf8(body)) else {
        return;
    };
    let keys = ApiKeys::new([(&KEY.to_owned(), &SECRET.to_owned())]);
    let signed;
    let token = if token.is_empty() {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes()));
        let Ok(jwt) = AccessToken::with_api_key(KEY, SECRET).with_sha256(&hash).to_jwt() else {
            return;
        };
        signed = jwt;
        signed.as_str()
    } else {
        token
    };
    if let Ok(webhook) = keys.receive_webhook(body, token) {
        if let Some(event) = to_analytics_event(webhook) {
            let _ = Record::from_event(event, Duration::from_secs(60), SystemTime::now());
        }
    }
});
