//! Compiles the vendored LiveKit protocol into a descriptor set (no `protoc` needed), used
//! to convert messages into stored documents by reflection.

use std::{env, fs, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let files = ["livekit_analytics.proto", "livekit_webhook.proto"];
    let descriptors = protox::compile(files, ["proto"])?;
    let out = PathBuf::from(env::var("OUT_DIR")?).join("livekit_descriptors.bin");
    fs::write(out, prost::Message::encode_to_vec(&descriptors))?;
    Ok(())
}
