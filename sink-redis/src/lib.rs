//! The redis destination of livekit-analytics (being built: see the sink-redis issue).
