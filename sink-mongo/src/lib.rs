//! The mongo destination of livekit-analytics (being built: see the sink-mongo issue).
